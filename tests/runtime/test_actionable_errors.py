"""Errors that say what to do: an unmigrated schema names the pending migrations and the
command; a connection error names its cause and the fix for that cause.

Every case is a real failure: an empty or half-migrated database on the test server, a
database that does not exist, a port nothing listens on, `sslmode=require` against a server
without TLS (through a loopback relay, so it is TCP), and a wrong password against a server
of these tests that requires one (scram-sha-256 for one login).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from chatdb import AsyncDatabase, Database, dburl, errors
from chatdb.queries import users
from chatdb.queries.aio import users as ausers
from chatdb_tools import migrations
from conftest import create_database, drop_database
from support.relay import Proxy, through, upstream_of
from support.servers import TempCluster

MIGRATIONS = sorted(Path(migrations.migrations_dir()).glob("*.sql"))
SMALL: dict[str, float] = {"pool_min_size": 0, "pool_max_size": 1, "pool_timeout_s": 3}


@pytest.fixture
def empty_db(server_url: str, migrated_template: str) -> Iterator[str]:
    # migrated_template provisions the cluster-wide roles (a fresh server has none, and the
    # transaction's role switch would fail first); this database itself stays empty.
    name = f"{dburl.database_name(server_url)[:20]}_empty_{uuid.uuid4().hex[:8]}"
    url = create_database(server_url, name)
    yield url
    drop_database(server_url, name)


def test_an_unmigrated_database_says_how_many_migrations_are_pending_and_the_command(
    empty_db: str,
) -> None:
    with Database(empty_db, **SMALL) as db:
        with pytest.raises(errors.SchemaNotMigrated) as info, db.system() as conn:
            users.get_user_by_id(conn, id=uuid.uuid4())
    message = str(info.value)
    assert f"{len(MIGRATIONS)} pending migration(s)" in message
    assert "chatdb migrate" in message and "make migrate" in message
    assert 'relation "user_profiles" does not exist in GetUserByID' in message
    assert info.value.pending == len(MIGRATIONS)
    assert info.value.sqlstate == "42P01"


def test_a_half_migrated_database_counts_only_the_missing_migrations(empty_db: str) -> None:
    applied = [p.name.split("_", 1)[0] for p in MIGRATIONS[:3]]
    with migrations.connect(empty_db) as admin:
        admin.execute("CREATE TABLE schema_migrations (version varchar PRIMARY KEY)")
        for version in applied:
            admin.execute("INSERT INTO schema_migrations VALUES (%s)", (version,))
    with Database(empty_db, **SMALL) as db:
        with pytest.raises(errors.SchemaNotMigrated) as info, db.system() as conn:
            conn.execute("SELECT id FROM users LIMIT 1")
    assert info.value.pending == len(MIGRATIONS) - 3
    assert f"{len(MIGRATIONS) - 3} pending migration(s)" in str(info.value)


async def test_async_unmigrated_database_says_the_same(empty_db: str) -> None:
    async with AsyncDatabase(empty_db, **SMALL) as db:
        with pytest.raises(errors.SchemaNotMigrated) as info:
            async with db.system() as conn:
                await ausers.get_user_by_id(conn, id=uuid.uuid4())
    assert info.value.pending == len(MIGRATIONS)
    assert "chatdb migrate" in str(info.value)


def _connect_error(url: str) -> str:
    with Database(url, **SMALL) as db:
        with pytest.raises(errors.DatabaseUnavailable) as info, db.system():
            pass
    return str(info.value)


def test_a_refused_connection_says_start_the_server() -> None:
    message = _connect_error("postgresql://nobody@127.0.0.1:1/x")
    assert "refused" in message.lower()
    assert "start the server" in message


def test_a_missing_database_says_create_it(server_url: str) -> None:
    missing = dburl.with_database(server_url, f"no_such_db_{uuid.uuid4().hex[:8]}")
    message = _connect_error(missing)
    assert "does not exist" in message
    assert "the database does not exist: create it" in message
    assert "start the server" not in message
    with pytest.raises(errors.DatabaseUnavailable) as info:
        migrations.check_reachable(missing)  # the CLI's path says the same
    assert "the database does not exist: create it" in str(info.value)


@pytest.fixture
def relay(make_clone: Callable[[str], str]) -> Iterator[str]:
    url = make_clone("tls")
    proxy = Proxy(upstream_of(url))
    proxy.up()
    yield through(url, proxy.port)
    proxy.down()


def test_tls_required_by_a_server_without_it_says_how_to_fix_sslmode(relay: str) -> None:
    message = _connect_error(dburl.with_query(relay, sslmode="require"))
    assert "SSL" in message
    assert "TLS failed" in message and "DB_SSLMODE" in message
    assert "start the server" not in message


@pytest.fixture(scope="module")
def password_server() -> Iterator[TempCluster]:
    """A server of these tests where `pwuser` must give its password (scram-sha-256)."""
    with TempCluster(name="password") as server:
        server.psql("CREATE ROLE pwuser LOGIN PASSWORD 'right-password'")
        hba = server.data_dir / "pg_hba.conf"
        hba.write_text(
            "host all pwuser 127.0.0.1/32 scram-sha-256\n"
            "local all pwuser scram-sha-256\n" + hba.read_text()
        )
        server.psql("SELECT pg_reload_conf()")
        yield server


def test_a_wrong_password_says_so_and_not_start_the_server(password_server: TempCluster) -> None:
    url = f"postgresql://pwuser:wrong-password@127.0.0.1:{password_server.port}/postgres"
    message = _connect_error(url)
    assert "password authentication failed" in message
    assert "the password is wrong or missing" in message
    assert "start the server" not in message
    assert "wrong-password" not in message
    right = url.replace("wrong-password", "right-password")
    with psycopg.connect(right) as conn:  # the password, not the server, was the problem
        assert conn.execute("SELECT current_user").fetchone() == ("pwuser",)
