"""The fixture layer: a template database migrated once per run, cloned per test.

- `server_url`: a superuser URL on the server under test (DATABASE_URL, else embedded).
- `migrated_template`: a database with roles and every migration applied, keyed by a hash of
  db/roles.sql + db/migrations, so it is built once and reused until the migrations change.
- `conn`: a connection to a clone of the template, inside a transaction rolled back after
  the test (fast; for tests that need no commit).
- `db_url`: a fresh clone of its own (for tests that commit, or run concurrent sessions).

These URLs are the superuser's, for provisioning and seeding only: the application under test
(`database`, `async_database`, `Database(**logins(db_url))`) runs as the two non-superuser
logins of db/roles.sql (`support.logins`).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Callable, Iterator

import psycopg
import pytest
from psycopg import sql

from chatdb import AsyncDatabase, Database, dburl
from chatdb_tools import migrations, target
from support.logins import logins

_counter = itertools.count()


def _prefix(server_url: str) -> str:
    # Clones are siblings of the database DATABASE_URL names, so a CI run that creates and
    # drops `chatdb_ci_<n>` can find and drop them by prefix.
    return dburl.database_name(server_url)[:30]


@pytest.fixture(scope="session")
def server_url() -> str:
    return target.resolve().url


def _exists(conn: psycopg.Connection, name: str) -> bool:
    return (
        conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None
    )


def create_database(server: str, name: str, template: str | None = None) -> str:
    with migrations.connect(server) as conn:
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            query = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        conn.execute(query)
    return dburl.with_database(server, name)


def drop_database(server: str, name: str) -> None:
    with migrations.connect(server) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(scope="session")
def migrated_template(server_url: str) -> str:
    name = f"{_prefix(server_url)}_tpl_{migrations.migrations_hash()[:10]}"
    with migrations.connect(server_url) as conn:
        # One builder at a time per server; others wait and then reuse its template.
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (name,))
        try:
            if not _exists(conn, name):
                building = f"{name}_build_{os.getpid()}"
                drop_database(server_url, building)
                url = create_database(server_url, building)
                migrations.apply_roles(url)
                migrations.run_dbmate(url, ["migrate"], capture=True)
                configure_app_settings(url, **SUITE_APP_SETTINGS)
                # Renamed only once complete: a half-built template is never reused.
                conn.execute(
                    sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                        sql.Identifier(building), sql.Identifier(name)
                    )
                )
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (name,))
    return name


# What the suite's template database is configured with (a fresh deployment grants 0
# signup credits): the tests were written against a balance to spend from the start.
SUITE_APP_SETTINGS: dict[str, object] = {"signup_credits": 100}


def configure_app_settings(url: str, **settings: object) -> dict[str, object]:
    """Set app_settings columns as the provisioning superuser (no runtime role may);
    returns the values they had."""
    with psycopg.connect(url, autocommit=True) as conn:
        names = sql.SQL(", ").join(map(sql.Identifier, settings))
        row = conn.execute(sql.SQL("SELECT {} FROM app_settings").format(names)).fetchone()
        assert row is not None
        conn.execute(
            sql.SQL("UPDATE app_settings SET {}").format(
                sql.SQL(", ").join(
                    sql.SQL("{} = {}").format(sql.Identifier(k), sql.Placeholder())
                    for k in settings
                )
            ),
            list(settings.values()),
        )
    return dict(zip(settings, row, strict=True))


@pytest.fixture
def app_settings(app_database_url: str) -> Iterator[Callable[..., None]]:
    """Change app_settings of the `database` clone for one test; restored afterwards."""
    saved: dict[str, object] = {}

    def change(**settings: object) -> None:
        before = configure_app_settings(app_database_url, **settings)
        for key, value in before.items():
            saved.setdefault(key, value)

    yield change
    if saved:
        configure_app_settings(app_database_url, **saved)


def clone_template(server_url: str, template: str, label: str = "t") -> tuple[str, str]:
    name = f"{_prefix(server_url)}_{label}{os.getpid()}_{next(_counter)}"
    url = create_database(server_url, name, template=template)
    # A database's own privileges (db/roles.sql revokes TEMPORARY) are not copied from its
    # template: provision the clone as a deployment provisions its database.
    migrations.apply_roles(url)
    return name, url


@pytest.fixture
def db_url(server_url: str, migrated_template: str) -> Iterator[str]:
    """A database of this test's own, cloned from the migrated template."""
    name, url = clone_template(server_url, migrated_template)
    yield url
    drop_database(server_url, name)


@pytest.fixture(scope="session")
def shared_db_url(server_url: str, migrated_template: str) -> Iterator[str]:
    """One clone for the whole run, used by rolled-back `conn` tests."""
    name, url = clone_template(server_url, migrated_template, label="shared")
    yield url
    drop_database(server_url, name)


@pytest.fixture
def conn(shared_db_url: str) -> Iterator[psycopg.Connection]:
    """A superuser connection inside a transaction that is rolled back after the test."""
    with psycopg.connect(shared_db_url) as connection:
        yield connection
        connection.rollback()


@pytest.fixture(scope="session")
def app_database_url(server_url: str, migrated_template: str) -> Iterator[str]:
    """Where application-level tests send `database`: a clone of its own (tests commit there,
    so it is kept apart from the rolled-back `conn` clone). With CHATDB_TEST_PGBOUNCER_URL
    (tests/support/pgbouncer_leg.py: `make test-pgbouncer`, a leg of .ci/run) the clone is
    still made on the server directly, and reached through that PgBouncer by its name."""
    name, url = clone_template(server_url, migrated_template, label="app")
    via_pgbouncer = os.environ.get("CHATDB_TEST_PGBOUNCER_URL")
    yield dburl.with_database(via_pgbouncer, name) if via_pgbouncer else url
    drop_database(server_url, name)


@pytest.fixture(scope="session")
def database(app_database_url: str) -> Iterator[Database]:
    """A `chatdb.Database` on the shared clone. Tests using it commit: they must create
    their own users/chats (random ids) and never assume the tables are empty."""
    via_pgbouncer = bool(os.environ.get("CHATDB_TEST_PGBOUNCER_URL"))
    urls = {"url": app_database_url} if via_pgbouncer else logins(app_database_url)
    db = Database(
        **urls,
        pool_min_size=1,
        pool_max_size=8,
        pgbouncer=bool(os.environ.get("CHATDB_TEST_PGBOUNCER_URL")),
    )
    yield db
    db.close()


@pytest.fixture
async def async_database(app_database_url: str) -> AsyncIterator[AsyncDatabase]:
    """The asyncio twin of `database` (per test: an async pool belongs to one event loop)."""
    via_pgbouncer = bool(os.environ.get("CHATDB_TEST_PGBOUNCER_URL"))
    urls = {"url": app_database_url} if via_pgbouncer else logins(app_database_url)
    db = AsyncDatabase(
        **urls,
        pool_min_size=1,
        pool_max_size=4,
        pgbouncer=bool(os.environ.get("CHATDB_TEST_PGBOUNCER_URL")),
    )
    await db.open()
    yield db
    await db.close()


@pytest.fixture(scope="session")
def make_clone(server_url: str, migrated_template: str) -> Iterator[Callable[[str], str]]:
    """A factory of migrated databases for module-scoped fixtures; all dropped at the end."""
    made: list[str] = []

    def make(label: str = "m") -> str:
        name, url = clone_template(server_url, migrated_template, label=label)
        made.append(name)
        return url

    yield make
    for name in made:
        drop_database(server_url, name)
