"""Backups before a migration, and restoring them: pg_dump's custom format and pg_restore.

The programs come from `pg_tools.find`, so they match the server (pg_dump must be at least
the server's major version). A restore replaces the objects of the dump schema `public` of
the target database with the dump's, in one transaction: it either completes or changes
nothing.
See docs/operations.md.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import tempfile
from pathlib import Path

from chatdb import dburl
from chatdb.errors import ConfigError
from chatdb_tools import pg_tools


def _run(command: list[str], what: str) -> None:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise ConfigError(f"{what} failed: {last}", fix="read the message; nothing was applied")


def backup(url: str, folder: Path) -> Path:
    """A restorable dump (pg_dump -Fc) of the database at `url` in `folder`; its path."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = folder / f"{dburl.database_name(url)}-{stamp}.dump"
    _run(
        [
            str(pg_tools.find("pg_dump", url)),
            "--format=custom",
            "--file",
            str(target),
            "--dbname",
            url,
        ],
        "pg_dump",
    )
    return target


# Run before the dump's own script, in the same transaction: the schema is emptied and made
# again as db/roles.sql leaves it. (pg_restore --clean cannot drop the indexes of partitions,
# which their parent's index holds; dropping the schema removes everything at once.)
_PRELUDE = """
DROP SCHEMA IF EXISTS public CASCADE;
CREATE SCHEMA public AUTHORIZATION chatdb_migrator;
GRANT USAGE ON SCHEMA public TO chatdb_app, chatdb_system;
"""


def restore(url: str, dump: Path) -> None:
    """Replace schema `public` of the database at `url` with `dump`, in one transaction.

    Everything in `public` that is not in the dump is dropped; nothing changes when any step
    fails. The login must own the schema (be a member of chatdb_migrator).
    """
    if not dump.is_file():
        raise ConfigError(
            f"no backup file {dump}", fix="pass a file `chatdb migrate --backup` wrote"
        )
    with tempfile.TemporaryDirectory() as tmp:
        prelude = Path(tmp) / "prelude.sql"
        prelude.write_text(_PRELUDE)
        script = Path(tmp) / "restore.sql"
        _run(
            [str(pg_tools.find("pg_restore", url)), "--file", str(script), str(dump)], "pg_restore"
        )
        _run(
            [
                str(pg_tools.find("psql", url)),
                "--no-psqlrc",
                "--quiet",
                "--single-transaction",
                "--set",
                "ON_ERROR_STOP=1",
                "--file",
                str(prelude),
                "--file",
                str(script),
                "--dbname",
                url,
            ],
            "restore",
        )
