"""The pool around the runtime: fast, named failures when the server is unreachable,
exhaustion kept apart from unavailability, per-connection set-up, draining close, stats,
and the retry backoff."""

from __future__ import annotations

import threading
import time

import orjson
import psycopg
import pytest
from psycopg.pq import Format

from chatdb import AsyncDatabase, Database, dburl, errors
from chatdb.retries import RetryPolicy
from support.logins import logins


def test_a_refused_connection_is_database_unavailable_naming_the_cause_at_once() -> None:
    db = Database(
        "postgresql://nobody@127.0.0.1:1/x", pool_min_size=0, pool_timeout_s=10, max_retries=0
    )
    try:
        started = time.monotonic()
        with pytest.raises(errors.DatabaseUnavailable) as raised, db.system():
            pass
        elapsed = time.monotonic() - started
    finally:
        db.close()
    assert type(raised.value) is errors.DatabaseUnavailable  # not PoolExhausted
    assert "connection refused" in str(raised.value).lower()
    assert "no database connection free" not in str(raised.value)
    assert "\n" not in str(raised.value)
    assert elapsed < 3.0  # well under DB_POOL_TIMEOUT_S=10


def test_an_async_database_asked_to_open_in_its_constructor_says_how_to_open_it() -> None:
    # A Database opens its pools in its constructor; an asyncio pool cannot (no loop is
    # promised there), so AsyncDatabase refuses `open=True` naming the way that works.
    with pytest.raises(errors.ConfigError, match=r"await db\.open\(\)"):
        AsyncDatabase("postgresql://nobody@127.0.0.1:1/x", open=True)
    db = AsyncDatabase("postgresql://nobody@127.0.0.1:1/x", open=False, pool_min_size=0)
    assert db.pool.closed


async def test_async_refused_connection_is_database_unavailable_at_once() -> None:
    db = AsyncDatabase(
        "postgresql://nobody@127.0.0.1:1/x", pool_min_size=0, pool_timeout_s=10, max_retries=0
    )
    await db.open()
    try:
        started = time.monotonic()
        with pytest.raises(errors.DatabaseUnavailable, match=r"(?i)connection refused"):
            async with db.system():
                pass
        assert time.monotonic() - started < 3.0
    finally:
        await db.close()
    with pytest.raises(errors.DatabaseClosed):
        async with db.system():
            pass


def test_a_missing_database_is_database_unavailable_naming_it(server_url: str) -> None:
    url = dburl.with_database(server_url, "chatdb_no_such_database")
    db = Database(url, pool_min_size=0, pool_timeout_s=10, max_retries=0)
    try:
        started = time.monotonic()
        with pytest.raises(errors.DatabaseUnavailable, match="does not exist"), db.system():
            pass
        assert time.monotonic() - started < 3.0
    finally:
        db.close()


def test_busy_connections_still_give_pool_exhausted(db_url: str) -> None:
    db = Database(
        **logins(db_url), pool_min_size=0, pool_max_size=1, pool_timeout_s=0.6, max_retries=0
    )
    try:
        with db.system():
            started = time.monotonic()
            with pytest.raises(errors.PoolExhausted, match="busy"), db.system():
                pass
            assert 0.5 <= time.monotonic() - started < 2.0
    finally:
        db.close()


def test_a_busy_pool_hands_its_connection_to_the_callers_in_arrival_order(db_url: str) -> None:
    # One connection, held; `first` starts waiting, `second` a little later (after a 0.25 s
    # wait slice would have put `first` back at the end of the queue). The connection must go
    # to `first` when it is released.
    db = Database(
        **logins(db_url), pool_min_size=1, pool_max_size=1, pool_timeout_s=10, max_retries=0
    )
    served: list[str] = []
    lock = threading.Lock()

    def take(name: str) -> None:
        with db.system():
            with lock:
                served.append(name)

    try:
        db.pool.wait(timeout=10)
        with db.system():
            first = threading.Thread(target=take, args=("first",))
            first.start()
            time.sleep(0.4)
            second = threading.Thread(target=take, args=("second",))
            second.start()
            time.sleep(0.4)
        first.join(10)
        second.join(10)
        assert served == ["first", "second"]
    finally:
        db.close()


def test_each_new_connection_is_set_up_once_json_loader_enums_and_timeouts(db_url: str) -> None:
    db = Database(**logins(db_url), pool_min_size=0, pool_max_size=1, statement_timeout_ms=4321)
    try:
        pids = set()
        for _ in range(3):
            with db.system() as conn:
                pids.add(conn.info.backend_pid)
                jsonb = conn.adapters.types["jsonb"].oid
                loader = conn.adapters.get_loader(jsonb, Format.TEXT)
                assert loader is not None
                assert loader._loads is orjson.loads  # type: ignore[attr-defined]
                row = conn.execute(
                    "SELECT ARRAY['user', 'tool']::message_role[], "
                    "current_setting('statement_timeout')"
                ).fetchone()
                assert row == (["user", "tool"], "4321ms")
        assert len(pids) == 1
        assert db.stats()["system"]["connections_num"] == 1  # configured once, reused
    finally:
        db.close()


def test_close_lets_a_borrowed_connection_finish_and_refuses_new_transactions(
    db_url: str,
) -> None:
    with psycopg.connect(db_url, autocommit=True) as admin:
        admin.execute("CREATE TABLE drained (x int); GRANT ALL ON drained TO chatdb_system")
    db = Database(**logins(db_url), pool_min_size=1, pool_max_size=2)
    inside, closed = threading.Event(), threading.Event()
    outcome: list[BaseException | None] = []

    def work() -> None:
        try:
            with db.system() as conn:
                inside.set()
                assert closed.wait(5)
                conn.execute("INSERT INTO drained VALUES (1)")
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    assert inside.wait(5)
    db.close(timeout=5)
    closed.set()
    worker.join(5)
    assert outcome == [None]
    with psycopg.connect(db_url) as check:
        assert check.execute("SELECT count(*) FROM drained").fetchone() == (1,)
    with pytest.raises(errors.DatabaseClosed, match="closed"):
        db.system().run(lambda conn: conn.execute("SELECT 1"))


def test_stats_report_pool_usage_and_retries(db_url: str) -> None:
    db = Database(**logins(db_url), pool_min_size=0, pool_max_size=2)
    try:
        for _ in range(2):
            with db.system() as conn:
                conn.execute("SELECT 1")
            with db.anonymous() as conn:
                conn.execute("SELECT 1")
        stats = db.stats()
    finally:
        db.close()
    for pool in ("primary", "system"):  # user work on the app login, system work on its own
        assert stats[pool]["requests_num"] >= 2
        assert stats[pool]["pool_max"] == 2
    assert stats["runtime"] == {"transaction_retries": 0}


def test_retry_backoff_doubles_with_jitter_and_is_capped() -> None:
    policy = RetryPolicy(max_retries=20, base_delay_ms=50)
    for attempt in range(12):
        ceiling = min(50 * 2**attempt, RetryPolicy.CAP_MS) / 1000
        delays = [policy.delay_s(attempt) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 100  # jittered, not a fixed schedule
    assert max(policy.delay_s(30) for _ in range(100)) <= RetryPolicy.CAP_MS / 1000


def test_retry_decisions_are_bounded_and_never_after_an_ambiguous_commit() -> None:
    policy = RetryPolicy(max_retries=2, base_delay_ms=1)
    conflict = errors.SerializationFailure("x")
    assert policy.should_retry(conflict, 0) and policy.should_retry(conflict, 1)
    assert not policy.should_retry(conflict, 2)
    assert policy.should_retry(errors.DatabaseUnavailable("lost"), 0)
    for never in (
        errors.AmbiguousCommit("?"),
        errors.PoolExhausted("busy"),
        errors.DatabaseClosed("closed"),
        errors.ConflictError("dup"),
    ):
        assert not policy.should_retry(never, 0)
