"""Domains: which migration created each relation.

A relation's domain is the migration file whose `migrate:up` section creates it, named after
the file without its version prefix (`20261123000300_chats_messages.sql` -> `chats_messages`).
The migrations are already cut by domain (one change per migration, one domain per table
group), so this needs no extra convention to keep up to date; a table that a later migration
renames keeps the domain of the migration that created it. The header comment of that file
(the comment lines above `-- migrate:up`) describes the domain in the reference.

The statements are read with pglast (PostgreSQL's own parser), so quoting, comments and
function bodies cannot fool it. Relations created at run time (by a function, or by EXECUTE
inside a DO block) are not declared by any statement; `read_catalog` leaves such partitions
out, and any other such relation lands in the `other` domain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pglast import ast, parse_sql
from pglast.enums import ObjectType
from pglast.parser import ParseError

from chatdb.errors import ConfigError

OTHER = "other"
_VERSION_PREFIX = re.compile(r"^\d+_")
_DOWN_MARKER = re.compile(r"^--\s*migrate:down\b.*$", re.MULTILINE)
_UP_MARKER = re.compile(r"^--\s*migrate:up\b.*$", re.MULTILINE)


@dataclass(frozen=True)
class Domain:
    name: str
    migration: str  # the file name, e.g. 20261123000300_chats_messages.sql
    description: str


@dataclass
class DomainMap:
    domains: list[Domain] = field(default_factory=list)
    # (schema, relation) -> domain name, for every relation some migration statement creates.
    owner: dict[tuple[str, str], str] = field(default_factory=dict)

    def domain_of(self, key: tuple[str, str]) -> str:
        return self.owner.get(key, OTHER)

    @property
    def declared(self) -> set[tuple[str, str]]:
        return set(self.owner)


def domain_name(migration: Path) -> str:
    return _VERSION_PREFIX.sub("", migration.stem)


def _description(text: str) -> str:
    """The comment lines above `-- migrate:up`, joined into one paragraph."""
    up = _UP_MARKER.search(text)
    head = text[: up.start()] if up else ""
    lines: list[str] = []
    for line in head.splitlines():
        stripped = line.strip()
        if not stripped.startswith("--"):
            if lines:
                break
            continue
        body = stripped[2:].strip()
        if not body:
            if lines:
                break
            continue
        lines.append(body)
    return " ".join(lines)


def _up_section(text: str) -> str:
    down = _DOWN_MARKER.search(text)
    return text[: down.start()] if down else text


def _key(rangevar: Any) -> tuple[str, str]:
    return (rangevar.schemaname or "public", rangevar.relname)


def _created(statements: tuple[Any, ...]) -> list[tuple[str, tuple[str, str], str | None]]:
    """(action, relation, new name) for each statement that creates, renames or drops one."""
    found: list[tuple[str, tuple[str, str], str | None]] = []
    for raw in statements:
        stmt = raw.stmt
        if isinstance(stmt, ast.CreateForeignTableStmt):
            if stmt.base is not None:
                found.append(("create", _key(stmt.base.relation), None))
        elif isinstance(stmt, ast.CreateStmt):
            found.append(("create", _key(stmt.relation), None))
        elif isinstance(stmt, ast.CreateTableAsStmt) and stmt.into is not None:
            found.append(("create", _key(stmt.into.rel), None))
        elif isinstance(stmt, ast.ViewStmt):
            found.append(("create", _key(stmt.view), None))
        elif (
            isinstance(stmt, ast.RenameStmt)
            and stmt.relation is not None
            and stmt.renameType
            in (
                ObjectType.OBJECT_TABLE,
                ObjectType.OBJECT_VIEW,
                ObjectType.OBJECT_MATVIEW,
                ObjectType.OBJECT_FOREIGN_TABLE,
            )
        ):
            found.append(("rename", _key(stmt.relation), stmt.newname))
        elif isinstance(stmt, ast.DropStmt) and stmt.removeType in (
            ObjectType.OBJECT_TABLE,
            ObjectType.OBJECT_VIEW,
            ObjectType.OBJECT_MATVIEW,
            ObjectType.OBJECT_FOREIGN_TABLE,
        ):
            for names in stmt.objects or ():
                parts = [n.sval for n in names]
                schema = parts[-2] if len(parts) > 1 else "public"
                found.append(("drop", (schema, parts[-1]), None))
    return found


def read_domains(migrations_dir: Path) -> DomainMap:
    """Parse every migration's `migrate:up` section; map each relation to its creator."""
    result = DomainMap()
    for path in sorted(migrations_dir.glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        name = domain_name(path)
        try:
            statements = parse_sql(_up_section(text))
        except ParseError as exc:
            raise ConfigError(
                f"{path.name}: pglast cannot parse the migration: {exc}",
                fix="fix the SQL (dbmate would fail on it too)",
            ) from exc
        created = False
        for action, key, new_name in _created(statements):
            if action == "create":
                result.owner[key] = name
                created = True
            elif action == "rename" and key in result.owner and new_name:
                result.owner[(key[0], new_name)] = result.owner.pop(key)
            elif action == "drop":
                result.owner.pop(key, None)
        if created:
            result.domains.append(Domain(name, path.name, _description(text)))
    live = set(result.owner.values())
    result.domains = [d for d in result.domains if d.name in live]
    return result
