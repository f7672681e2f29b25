"""What sqlc's catalog leaves out, read from the schema files with PostgreSQL's own parser
(pglast): domains and their base types, the relations each view selects from, and the
fields of composite types.

Paths are relative to the directory `sqlc generate` runs in. dbmate files keep only their
`-- migrate:up` part, as sqlc does. A file pglast cannot parse contributes nothing (sqlc has
parsed it already and would have reported a real error).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pglast
from pglast import ast
from pglast.enums import ObjectType

from sqlc_gen_psycopg.statement import analyze_tree

_DOWN = re.compile(r"(?im)^\s*--\s*migrate:down\b")


@dataclass(frozen=True)
class CompositeField:
    name: str
    type_name: str  # "text", "pg_catalog.int4", "myschema.mood" (array brackets separate)
    dims: int


@dataclass
class SchemaFacts:
    domains: dict[str, str] = field(default_factory=dict)  # name -> base type text
    views: dict[str, set[str]] = field(default_factory=dict)  # view -> relations it reads
    # (schema or "", name) -> its fields, in order
    composites: dict[tuple[str, str], list[CompositeField]] = field(default_factory=dict)


def _sql_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*.sql") if p.is_file())
    return [path] if path.is_file() else []


def type_text(type_name: Any) -> tuple[str, int]:
    """A pglast TypeName -> (dotted name, array dimensions)."""
    names = [str(n.sval) for n in type_name.names or ()]
    if names[:1] == ["pg_catalog"]:
        names = names[1:]
    dims = len(type_name.arrayBounds or ())
    return ".".join(names), dims


def _statements(text: str) -> list[Any]:
    match = _DOWN.search(text)
    if match:
        text = text[: match.start()]
    try:
        return [raw.stmt for raw in pglast.parse_sql(text)]
    except Exception:  # sqlc accepted the file: its facts are then unknown
        return []


def read_schema(schema_paths: list[str]) -> SchemaFacts:
    facts = SchemaFacts()
    for raw in schema_paths:
        for file in _sql_files(Path(raw)):
            for stmt in _statements(file.read_text(encoding="utf-8", errors="replace")):
                _collect(stmt, facts)
    return facts


def _collect(stmt: Any, facts: SchemaFacts) -> None:
    # Dispatch on the node's class name: the attributes read below are always set for
    # these statements, which pglast's optional typing cannot express.
    kind = type(stmt).__name__
    if kind == "CreateDomainStmt":
        name = str(stmt.domainname[-1].sval)
        base, dims = type_text(stmt.typeName)
        facts.domains[name] = base + "[]" * dims
    elif kind == "ViewStmt":
        name = str(stmt.view.relname)
        # A view defined several times (CREATE OR REPLACE later) keeps the union.
        facts.views.setdefault(name, set()).update(
            r.rsplit(".", 1)[-1] for r in analyze_tree(stmt.query).reads
        )
    elif kind == "CreateTableAsStmt" and stmt.objtype == ObjectType.OBJECT_MATVIEW:
        name = str(stmt.into.rel.relname)
        facts.views.setdefault(name, set()).update(
            r.rsplit(".", 1)[-1] for r in analyze_tree(stmt.query).reads
        )
    elif kind == "CompositeTypeStmt":
        rv = stmt.typevar
        fields: list[CompositeField] = []
        for col in stmt.coldeflist or ():
            if isinstance(col, ast.ColumnDef) and col.typeName is not None:
                base, dims = type_text(col.typeName)
                fields.append(CompositeField(str(col.colname), base, dims))
        facts.composites[(str(rv.schemaname or ""), str(rv.relname))] = fields
