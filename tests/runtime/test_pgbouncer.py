"""chatdb through Debian's PgBouncer in transaction mode, started by the tests on loopback.

With `pgbouncer=True` nothing a transaction sets (role, user, timeouts) reaches the next
client of the same server connection, no statement is prepared server-side, and timeouts
travel with each transaction. The query and flow suites run through PgBouncer in their own
leg (`make test-pgbouncer`, tests/support/pgbouncer_leg.py), not from here.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from chatdb import Database, errors
from chatdb.cursors import Connection
from support.servers import (
    PGBOUNCER_MISSING,
    TempCluster,
    TempPgBouncer,
    pgbouncer_available,
    prepare_chatdb,
)

pytestmark = pytest.mark.skipif(not pgbouncer_available(), reason=PGBOUNCER_MISSING)

ROOT = Path(__file__).resolve().parents[2]
WHO = (
    "SELECT current_user::text, coalesce(current_setting('app.user_id', true), ''),"
    " pg_backend_pid()"
)


@pytest.fixture(scope="module")
def cluster() -> Iterator[TempCluster]:
    """A server of these tests' own (its defaults are known: statement_timeout 0)."""
    with TempCluster(name="bounced") as server:
        prepare_chatdb(server.url(), migrate=False)  # roles are all these tests need
        yield server


@pytest.fixture
def bouncer(cluster: TempCluster) -> Iterator[TempPgBouncer]:
    """Transaction pooling with ONE server connection: every client shares it."""
    with TempPgBouncer(cluster.url(), pool_mode="transaction", pool_size=1) as pgbouncer:
        yield pgbouncer


def _one(conn: Connection | psycopg.Connection, query: str) -> tuple[object, ...]:
    row = conn.execute(query).fetchone()
    assert row is not None
    return tuple(row)


def test_role_and_user_do_not_leak_to_the_next_transaction_through_pgbouncer(
    bouncer: TempPgBouncer,
) -> None:
    user = uuid.uuid4()
    with Database(bouncer.url("chatdb"), pgbouncer=True, pool_min_size=0, pool_max_size=2) as db:
        with db.as_user(user) as conn:
            role, user_id, server_pid = _one(conn, WHO)
        assert (role, user_id) == ("chatdb_app", str(user))
        # The same server connection (pool of one) serves every transaction below.
        with db.anonymous() as conn:
            assert _one(conn, WHO) == ("chatdb_app", "", server_pid)
        with db.system() as conn:
            assert _one(conn, WHO) == ("chatdb_system", "", server_pid)
    # A client outside any scope gets the login role and no user.
    with psycopg.connect(bouncer.url("chatdb"), autocommit=True) as raw:
        assert _one(raw, WHO) == ("postgres", "", server_pid)


def test_no_statement_is_prepared_through_pgbouncer(bouncer: TempPgBouncer) -> None:
    # Two client connections share one server connection: prepared statements of one
    # would collide with (or be missing for) the other.
    with Database(bouncer.url("chatdb"), pgbouncer=True, pool_min_size=2, pool_max_size=2) as db:
        db.open(wait=True)
        for i in range(12):
            with db.system() as conn:
                assert conn.prepare_threshold is None
                row = conn.execute("SELECT %s::int + 1", (i,)).fetchone()
                assert row == (i + 1,)
        with db.system() as conn:
            assert _one(conn, "SELECT count(*) FROM pg_prepared_statements") == (0,)


def test_without_pgbouncer_mode_prepared_statements_collide_through_pgbouncer(
    bouncer: TempPgBouncer,
) -> None:
    # The control for the test above: the hazard it guards against is real.
    with Database(bouncer.url("chatdb"), pgbouncer=False, pool_min_size=2, pool_max_size=2) as db:
        db.open(wait=True)
        with pytest.raises(errors.ChatdbError) as raised:
            for i in range(12):
                with db.system() as conn:
                    conn.execute("SELECT %s::int + 1", (i,))
    assert isinstance(raised.value.__cause__, psycopg.errors.DuplicatePreparedStatement)


def test_timeouts_travel_with_each_transaction_through_pgbouncer(bouncer: TempPgBouncer) -> None:
    url = bouncer.url("chatdb")
    with Database(
        url,
        pgbouncer=True,
        pool_min_size=0,
        statement_timeout_ms=1234,
        idle_in_transaction_timeout_ms=4321,
    ) as db:
        with db.system() as conn:
            assert _one(conn, "SHOW statement_timeout") == ("1234ms",)
            assert _one(conn, "SHOW idle_in_transaction_session_timeout") == ("4321ms",)
        with db.as_user(uuid.uuid4()) as conn:
            assert _one(conn, "SHOW statement_timeout") == ("1234ms",)
    # SET LOCAL: the shared server connection keeps the server's defaults between transactions.
    with psycopg.connect(url, autocommit=True) as raw:
        assert _one(raw, "SHOW statement_timeout") == ("0",)
    with Database(url, pgbouncer=True, pool_min_size=0, statement_timeout_ms=100) as db:
        started = time.monotonic()
        with pytest.raises(errors.QueryTimeout), db.system() as conn:
            conn.execute("SELECT pg_sleep(2)")
        assert time.monotonic() - started < 1.5
        with db.system() as conn:  # the pool goes on working
            assert _one(conn, "SELECT 1") == (1,)


def test_idle_in_transaction_timeout_is_a_typed_error_through_pgbouncer(
    bouncer: TempPgBouncer,
) -> None:
    with Database(
        bouncer.url("chatdb"), pgbouncer=True, pool_min_size=0, idle_in_transaction_timeout_ms=150
    ) as db:
        # Noticed at the next statement: PgBouncer relays the server's 25P03.
        with pytest.raises(errors.IdleTransactionTimeout), db.system() as conn:
            conn.execute("SELECT 1")
            time.sleep(0.5)
            conn.execute("SELECT 1")
        # Noticed at COMMIT: PgBouncer relays 25P03 and then its own error, psycopg sees two
        # results and cannot say which: the session is gone, the outcome unknown.
        with pytest.raises((errors.IdleTransactionTimeout, errors.DatabaseUnavailable)):
            with db.system() as conn:
                conn.execute("SELECT 1")
                time.sleep(0.5)
        with db.system() as conn:
            assert _one(conn, "SELECT 1") == (1,)
