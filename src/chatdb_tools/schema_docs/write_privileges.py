"""The column privileges chatdb_app needs: what each user-scoped named query writes.

A named query runs as chatdb_app unless its comment block carries the annotation line
`-- @role system` (directly under, or directly above, its `-- name:` line). For every
user-scoped query the SQL is parsed with pglast (PostgreSQL's own parser, after
`replace_macros`) and each write is listed as a privilege PostgreSQL will check:

- INSERT on every column an INSERT names (also inside a CTE);
- UPDATE on every column an UPDATE sets, and on every column an ON CONFLICT DO UPDATE sets;
- DELETE on every table a DELETE targets (a table privilege: column is None).

`tests/schema/test_column_privileges.py` compares this with what the catalog grants
chatdb_app, both ways: a grant no query needs fails, and so does a missing one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pglast import ast, parse_sql

from chatdb_tools.schema_docs.queries import replace_macros

_NAME = re.compile(r"^--\s*name:\s*(\S+)\s+:(\w+)[^\n]*\n", re.MULTILINE)
_ROLE = re.compile(r"^--\s*@role\s+(\w+)\s*$")


@dataclass(frozen=True, order=True)
class Privilege:
    """One privilege PostgreSQL checks for a write: `column` is None for DELETE."""

    privilege: str  # INSERT, UPDATE or DELETE
    table: str
    column: str | None


@dataclass(frozen=True)
class ScopedQuery:
    name: str
    file: str
    role: str  # "app" (user-scoped or anonymous) or "system"
    sql: str


def _comment_block(lines: list[str]) -> Iterator[str]:
    for line in lines:
        if not line.startswith("--"):
            return
        yield line


def read_scoped_queries(queries_dir: Path) -> list[ScopedQuery]:
    """Every named query under `queries_dir` with the role it runs as."""
    found: list[ScopedQuery] = []
    for path in sorted(queries_dir.rglob("*.sql")):
        text = path.read_text(encoding="utf-8")
        matches = list(_NAME.finditer(text))
        for index, match in enumerate(matches):
            end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
            body = text[match.end() : end]
            # Comment lines directly above the name line (after the previous statement).
            before = text[: match.start()].rsplit(";", 1)[-1].splitlines()
            above = list(reversed(list(_comment_block(list(reversed(before))))))
            below = list(_comment_block(body.splitlines()))
            roles = {m.group(1) for line in above + below if (m := _ROLE.match(line.strip()))}
            if len(roles) > 1:
                raise ValueError(f"{path.name}: {match.group(1)} names two roles: {sorted(roles)}")
            found.append(
                ScopedQuery(match.group(1), path.name, roles.pop() if roles else "app", body)
            )
    return found


def _walk(node: Any) -> Iterator[Any]:
    if isinstance(node, tuple | list):
        for item in node:
            yield from _walk(item)
        return
    if not isinstance(node, ast.Node):
        return
    yield node
    for attribute in node:
        yield from _walk(getattr(node, attribute))


def _table(rangevar: Any) -> str:
    schema = rangevar.schemaname or "public"
    return str(rangevar.relname) if schema == "public" else f"{schema}.{rangevar.relname}"


def _targets(target_list: Any) -> Iterator[str]:
    for target in target_list or ():
        if isinstance(target, ast.ResTarget) and target.name:
            yield str(target.name)


def write_privileges(sql: str) -> set[Privilege]:
    """The INSERT/UPDATE column privileges and DELETE table privileges `sql` needs."""
    needed: set[Privilege] = set()
    for node in _walk(parse_sql(replace_macros(sql))):
        if isinstance(node, ast.InsertStmt):
            table = _table(node.relation)
            needed.update(Privilege("INSERT", table, c) for c in _targets(node.cols))
            conflict = node.onConflictClause
            if conflict is not None and conflict.targetList:
                needed.update(Privilege("UPDATE", table, c) for c in _targets(conflict.targetList))
        elif isinstance(node, ast.UpdateStmt):
            table = _table(node.relation)
            needed.update(Privilege("UPDATE", table, c) for c in _targets(node.targetList))
        elif isinstance(node, ast.DeleteStmt):
            needed.add(Privilege("DELETE", _table(node.relation), None))
    return needed


def app_write_privileges(queries_dir: Path) -> dict[Privilege, list[str]]:
    """Each privilege chatdb_app needs, with the user-scoped queries that need it."""
    needed: dict[Privilege, list[str]] = {}
    for query in read_scoped_queries(queries_dir):
        if query.role != "app":
            continue
        for privilege in write_privileges(query.sql):
            needed.setdefault(privilege, []).append(query.name)
    return needed
