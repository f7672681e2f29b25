"""How far behind the migrations a database is, for errors that say what to do.

When a statement fails because a table or type does not exist, the runtime raises
`SchemaNotMigrated`; after the transaction rolled back, the connection is asked which
migrations `schema_migrations` (dbmate's table) records, and the migration files (found as
the tooling finds them: `CHATDB_HOME`, else the nearest parent holding `db/migrations`, of the
working directory and of this package) say which exist. Any of that unavailable (an installed
application without the files, a login that may not read the table) leaves the count out: the
error still names the command. No tooling is imported here.
"""

from __future__ import annotations

import os
from pathlib import Path

# Two statements: a reference to a missing table fails when parsed, whatever the CASE around.
HAS_TABLE_SQL = "SELECT to_regclass('public.schema_migrations') IS NOT NULL"
APPLIED_SQL = "SELECT version::text FROM public.schema_migrations"


def migrations_dir() -> Path | None:
    if home := os.environ.get("CHATDB_HOME"):
        found = Path(home) / "db" / "migrations"
        return found if found.is_dir() else None
    for start in (Path.cwd().resolve(), Path(__file__).resolve().parent):
        for candidate in (start, *start.parents):
            if (candidate / "db" / "migrations").is_dir():
                return candidate / "db" / "migrations"
    return None


def migration_versions() -> set[str] | None:
    folder = migrations_dir()
    if folder is None:
        return None
    return {p.name.split("_", 1)[0] for p in folder.glob("*.sql")}


def pending_count(applied: list[str]) -> int | None:
    versions = migration_versions()
    return None if versions is None else len(versions - set(applied))
