"""The foundation: database resolution, the migrated template, clones, one-line CLI errors."""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg
import pytest

from chatdb import dburl
from chatdb.errors import ConfigError
from chatdb_tools import migrations


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chatdb_tools", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_template_has_every_migration_applied(migrated_template: str, server_url: str) -> None:
    url = dburl.with_database(server_url, migrated_template)
    with psycopg.connect(url) as conn:
        applied = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
    expected = {p.name.split("_", 1)[0] for p in migrations.migrations_dir().glob("*.sql")}
    assert applied == expected


def test_objects_are_owned_by_the_migrator_role(conn: psycopg.Connection) -> None:
    owners = {
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT pg_get_userbyid(p.proowner) FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' "
            "UNION SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"
        )
    }
    assert owners == {"chatdb_migrator"}


def test_each_clone_is_its_own_database(db_url: str, shared_db_url: str) -> None:
    assert dburl.database_name(db_url) != dburl.database_name(shared_db_url)
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE only_here (x int)")
    with psycopg.connect(shared_db_url) as conn:
        assert conn.execute("SELECT to_regclass('only_here')").fetchone() == (None,)


def test_malformed_database_url_is_a_one_line_error_naming_the_variable() -> None:
    result = run_cli("status", env={"DATABASE_URL": "postgresql://u@h:notaport/db"})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "DATABASE_URL is malformed" in result.stderr


def test_unreachable_server_is_a_one_line_error_with_the_fix() -> None:
    result = run_cli("migrate", env={"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x"})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "cannot connect to postgresql://nobody@127.0.0.1:1/x" in result.stderr
    assert "start the server" in result.stderr


def test_every_command_says_which_database_it_uses(server_url: str) -> None:
    result = run_cli("status", env={"DATABASE_URL": os.environ.get("DATABASE_URL", "")})
    assert "chatdb: using " in result.stderr


def test_password_never_printed() -> None:
    assert dburl.redact("postgresql://u:s3cret@h:5432/d") == "postgresql://u:***@h:5432/d"


def test_url_scheme_must_be_postgresql() -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL must be a postgresql:// URL"):
        dburl.validate_url("mysql://root@localhost/db")


def test_dbmate_url_sets_migrator_role_and_loopback_sslmode() -> None:
    url = dburl.for_dbmate("postgresql://root@127.0.0.1:5432/x", role="chatdb_migrator")
    assert url.startswith("postgres://root@127.0.0.1:5432/x?")
    assert "sslmode=disable" in url
    assert "options=-crole%3Dchatdb_migrator" in url
