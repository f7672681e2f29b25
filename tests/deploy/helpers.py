"""Running the `chatdb` command as a deployer would, against databases of the server under test."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from chatdb import dburl
from chatdb_tools import project

REPO = Path(__file__).resolve().parents[2]


def chatdb(
    *args: str,
    url: str | None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    program: list[str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """`chatdb ARGS` with DATABASE_URL=url (unset when None); by default this checkout's CLI."""
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if url is not None:
        environment["DATABASE_URL"] = url
    environment.update(env or {})
    return subprocess.run(
        [*(program or [sys.executable, "-m", "chatdb_tools"]), *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )


def project_copy(target: Path) -> Path:
    """A copy of the project's db/ under `target` (for CHATDB_HOME): migrations to edit freely."""
    shutil.copytree(project.sql_dir(), target / "db")
    return target


def make_login(server_url: str, name: str, database: str, *, createdb: bool = False) -> str:
    """A login role that is a member of chatdb_migrator only (a deploy login); its URL."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(
            sql.SQL(
                "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEROLE {} IN ROLE chatdb_migrator"
            ).format(sql.Identifier(name), sql.SQL("CREATEDB" if createdb else "NOCREATEDB"))
        )
        conn.execute(
            sql.SQL("GRANT CONNECT, CREATE ON DATABASE {} TO {}").format(
                sql.Identifier(database), sql.Identifier(name)
            )
        )
    return with_user(dburl.with_database(server_url, database), name)


def with_user(url: str, name: str) -> str:
    """The same server and database, logged in as `name` (the test servers trust local logins)."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{name}@{host}"))


def drop_login(server_url: str, name: str, database: str) -> None:
    """Drop a login made by `make_login`, with its privileges on `database`."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("REVOKE ALL ON DATABASE {} FROM {}").format(
                sql.Identifier(database), sql.Identifier(name)
            )
        )
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
