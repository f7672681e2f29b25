"""Backups before a migration, and restoring them: pg_dump's custom format and pg_restore.

The programs come from `pg_tools.find`, so they match the server (pg_dump must be at least
the server's major version). A restore replaces the objects of the dump in the target
database (`--clean --if-exists`) in one transaction: it either completes or changes nothing.
See docs/operations.md.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
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


def restore(url: str, dump: Path) -> None:
    """Replace the database at `url` with the content of `dump`, in one transaction."""
    if not dump.is_file():
        raise ConfigError(
            f"no backup file {dump}", fix="pass a file `chatdb migrate --backup` wrote"
        )
    _run(
        [
            str(pg_tools.find("pg_restore", url)),
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            url,
            str(dump),
        ],
        "pg_restore",
    )
