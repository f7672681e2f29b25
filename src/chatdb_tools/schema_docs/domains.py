"""Domains: which migration created each relation and function, and which domain it serves.

A migration's domain is, in order of precedence:

1. a `-- domain: <name>` comment line in its `migrate:up` section (or in the header above
   it): the convention for new migrations that extend an existing domain, e.g.
   `-- domain: usage` in a migration that adds a view over usage_logs;
2. its entry in `MIGRATION_DOMAINS` below: the same, for migrations that landed before the
   header existed (a landed migration is never edited, so their domain is recorded here);
3. the file name without its version prefix
   (`20261123000300_chats_messages.sql` -> `chats_messages`).

A relation or function belongs to the domain of the migration whose `migrate:up` section
creates it; a table that a later migration renames keeps its domain. A domain is described by
the header comment (the comment lines above `-- migrate:up`) of its first migration that is
named after it, else of its first migration.

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

# Landed migrations that extend another migration's domain (file stem -> domain). Without
# this, each would be a domain of its own: a one-relation domain with a one-box diagram, or,
# for a migration that creates no relation (an index, a data migration, a trigger), a
# domain nobody sees. New migrations say `-- domain: <name>` instead of adding a line here.
MIGRATION_DOMAINS: dict[str, str] = {
    "20261123001300_companion_tool_approval_config": "companions_groups",
    "20261123001400_usage_daily_stats": "usage",
    "20261123001500_messages_user_turns_index": "chats_messages",
    "20261123002000_user_profiles_view": "identity_auth",
    "20261123002300_documents_single_owner": "documents",
}
_DOMAIN_HEADER = re.compile(r"^[ \t]*--[ \t]*domain:[ \t]*(?P<name>\S*)[ \t]*$", re.MULTILINE)
_DOMAIN_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_VERSION_PREFIX = re.compile(r"^\d+_")
_DOWN_MARKER = re.compile(r"^--\s*migrate:down\b.*$", re.MULTILINE)
_UP_MARKER = re.compile(r"^--\s*migrate:up\b.*$", re.MULTILINE)


@dataclass(frozen=True)
class Domain:
    name: str
    # The migration files of the domain in order, e.g. (20261123000300_chats_messages.sql,
    # 20261123001500_messages_user_turns_index.sql); empty for `other`.
    migrations: tuple[str, ...]
    description: str

    @property
    def migration(self) -> str:
        """The first migration of the domain (empty for `other`)."""
        return self.migrations[0] if self.migrations else ""


@dataclass
class DomainMap:
    domains: list[Domain] = field(default_factory=list)
    # (schema, relation) -> domain name, for every relation some migration statement creates.
    owner: dict[tuple[str, str], str] = field(default_factory=dict)
    # (schema, relation) -> the migration file that creates it.
    created_by: dict[tuple[str, str], str] = field(default_factory=dict)
    # (schema, function name) -> (domain, migration file) of the migration that creates it.
    functions: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    # migration file -> domain, for every migration.
    migration_domain: dict[str, str] = field(default_factory=dict)

    def domain_of(self, key: tuple[str, str]) -> str:
        return self.owner.get(key, OTHER)

    def function_domain(self, key: tuple[str, str]) -> tuple[str, str]:
        """(domain, migration file) of the function `key`; (`other`, "") when none made it."""
        return self.functions.get(key, (OTHER, ""))

    @property
    def declared(self) -> set[tuple[str, str]]:
        return set(self.owner)


def domain_name(migration: Path, text: str = "", overrides: dict[str, str] | None = None) -> str:
    """The domain of `migration` (whose content is `text`): see the module docstring."""
    default = _VERSION_PREFIX.sub("", migration.stem)
    headers = {m.group("name") for m in _DOMAIN_HEADER.finditer(_up_section(text))}
    mapped = (MIGRATION_DOMAINS if overrides is None else overrides).get(migration.stem)
    if len(headers) > 1 or any(not _DOMAIN_NAME.match(h) for h in headers):
        raise ConfigError(
            f"{migration.name}: `-- domain:` must name one domain in snake_case, found "
            f"{', '.join(sorted(headers))}",
            fix="keep a single line `-- domain: <name>` in the migrate:up section",
        )
    header = next(iter(headers), None)
    if header and mapped and header != mapped:
        raise ConfigError(
            f"{migration.name}: `-- domain: {header}` contradicts MIGRATION_DOMAINS ({mapped})",
            fix="keep one of the two (src/chatdb_tools/schema_docs/domains.py)",
        )
    return header or mapped or default


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
    """(action, relation, new name) for each statement that creates, renames or drops one;
    action `function` for CREATE FUNCTION / PROCEDURE."""
    found: list[tuple[str, tuple[str, str], str | None]] = []
    for raw in statements:
        stmt = raw.stmt
        if isinstance(stmt, ast.CreateFunctionStmt):
            parts = [n.sval for n in stmt.funcname or ()]
            schema = parts[-2] if len(parts) > 1 else "public"
            found.append(("function", (schema, parts[-1]), None))
        elif isinstance(stmt, ast.CreateForeignTableStmt):
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


def read_domains(migrations_dir: Path, overrides: dict[str, str] | None = None) -> DomainMap:
    """Parse every migration's `migrate:up` section; map each relation and function to the
    migration that creates it and that migration's domain. `overrides` replaces
    `MIGRATION_DOMAINS` (for tests)."""
    result = DomainMap()
    order: list[str] = []
    files: dict[str, list[str]] = {}
    described: dict[str, str] = {}
    described_by_name: set[str] = set()
    for path in sorted(migrations_dir.glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        name = domain_name(path, text, overrides)
        result.migration_domain[path.name] = name
        try:
            statements = parse_sql(_up_section(text))
        except ParseError as exc:
            raise ConfigError(
                f"{path.name}: pglast cannot parse the migration: {exc}",
                fix="fix the SQL (dbmate would fail on it too)",
            ) from exc
        if name not in files:
            order.append(name)
            files[name] = []
        files[name].append(path.name)
        description = _description(text)
        if description:
            # The first migration named after the domain describes it, else its first one.
            named = _VERSION_PREFIX.sub("", path.stem) == name
            if name not in described or (named and name not in described_by_name):
                described[name] = description
            if named:
                described_by_name.add(name)
        for action, key, new_name in _created(statements):
            if action == "create":
                result.owner[key] = name
                result.created_by[key] = path.name
            elif action == "function":
                result.functions.setdefault(key, (name, path.name))
            elif action == "rename" and key in result.owner and new_name:
                new_key = (key[0], new_name)
                result.owner[new_key] = result.owner.pop(key)
                result.created_by[new_key] = result.created_by.pop(key)
            elif action == "drop":
                result.owner.pop(key, None)
                result.created_by.pop(key, None)
    # A domain is listed (with its diagram) when it holds a relation.
    live = set(result.owner.values())
    result.domains = [
        Domain(name, tuple(files[name]), described.get(name, "")) for name in order if name in live
    ]
    return result
