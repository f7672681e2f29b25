"""Check every query in db/queries against a migrated PostgreSQL: `sqlc vet` with its
built-in `sqlc/db-prepare` rule, which PREPAREs each statement.

sqlc's static analysis misses some mistakes (an UPDATE's `SET pined = ...` passes
`sqlc generate`); the server does not. This builds a throwaway database on the resolved
server (DATABASE_URL, else the embedded one), applies the roles and every migration
(about a second), points sqlc at it through CHATDB_SQLC_VET_URL (sqlc.yaml `database.uri`;
`analyzer.database: false` keeps generation itself static, see docs/decisions/005) and runs
`sqlc vet`, which also applies the project's lint rules. Run by `make generate` (first, so a
broken query fails in seconds before anything is written) and `make verify`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from chatdb_tools import migrations, target

ROOT = Path(__file__).resolve().parent.parent
URL_VARIABLE = "CHATDB_SQLC_VET_URL"


def sqlc() -> str:
    """The project's pinned sqlc (beside this interpreter in .venv), else the one on PATH."""
    pinned = Path(sys.executable).parent / "sqlc"
    return str(pinned) if pinned.exists() else "sqlc"


def main() -> int:
    started = time.monotonic()
    server = target.resolve().url
    with migrations.scratch_database(server, prefix="chatdb_vet") as scratch:
        migrations.apply_roles(scratch)
        migrations.run_dbmate(scratch, ["up"], capture=True)
        result = subprocess.run(
            [sqlc(), "vet"],
            cwd=ROOT,
            env={**os.environ, URL_VARIABLE: scratch},
            capture_output=True,
            text=True,
            check=False,
        )
    output = (result.stdout + result.stderr).strip()
    if result.returncode != 0:
        print(output, file=sys.stderr)
        print(
            "vet_queries: a query does not match the migrated schema or breaks a lint rule "
            "(above: file, query, reason); fix the query in db/queries/ (or add a migration), "
            "then run `make generate` again",
            file=sys.stderr,
        )
        return 1
    print(
        f"vet_queries: every query prepared against the migrated schema "
        f"({time.monotonic() - started:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
