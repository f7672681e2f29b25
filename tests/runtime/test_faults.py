"""Faults on a server these tests own: backends killed and PostgreSQL restarted mid-load,
the pool exhausted, statement and idle-in-transaction timeouts.

Under faults a `Database` keeps working without being recreated; a transaction that did not
commit is retried or fails with `DatabaseUnavailable`; no committed write is lost and none is
applied twice (each write carries a unique idempotency key, so the table says exactly what
committed). Each test is bounded to a few seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest

from chatdb import Database, errors
from chatdb.cursors import Connection
from support.servers import ShutdownMode, TempCluster, prepare_chatdb


@pytest.fixture(scope="module")
def cluster() -> Iterator[TempCluster]:
    """A server these tests may kill and restart; chatdb's roles and a `writes` table."""
    with TempCluster(name="faults") as server:
        prepare_chatdb(server.url(), migrate=False)  # the faults need roles, not the schema
        server.psql(
            "CREATE TABLE writes (idempotency_key text PRIMARY KEY, worker int NOT NULL);"
            "GRANT SELECT, INSERT ON writes TO chatdb_app, chatdb_system;",
            dbname="chatdb",
        )
        yield server


@pytest.fixture
def url(cluster: TempCluster) -> str:
    if not cluster.is_running():  # a failed restart test must not take the others down
        cluster.start()
    cluster.psql("TRUNCATE writes", dbname="chatdb")
    return cluster.url("chatdb")


@dataclass
class Load:
    """Outcome of every write the workers attempted, by idempotency key."""

    committed: list[str] = field(default_factory=list)  # run() returned
    ambiguous: list[str] = field(default_factory=list)  # AmbiguousCommit: may have committed
    failed: list[str] = field(default_factory=list)  # DatabaseUnavailable: did not commit
    unexpected: list[BaseException] = field(default_factory=list)
    committed_at: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _write(key: str, worker: int) -> Callable[[Connection], None]:
    def fn(conn: Connection) -> None:
        conn.execute("INSERT INTO writes (idempotency_key, worker) VALUES (%s, %s)", (key, worker))
        conn.execute("SELECT pg_sleep(0.01)")  # keep transactions in flight most of the time

    return fn


def _run_load(
    db: Database, workers: int, stop: threading.Event
) -> tuple[Load, list[threading.Thread]]:
    load = Load()

    def worker(n: int) -> None:
        i = 0
        while not stop.is_set():
            key = f"w{n}-{i}"
            i += 1
            try:
                db.system().run(_write(key, n))
            except errors.AmbiguousCommit:
                outcome = load.ambiguous
            except errors.DatabaseUnavailable:
                outcome = load.failed
                time.sleep(0.05)
            except BaseException as exc:  # anything else is a bug: record it, stop this worker
                with load.lock:
                    load.unexpected.append(exc)
                return
            else:
                outcome = load.committed
                with load.lock:
                    load.committed_at.append(time.monotonic())
            with load.lock:
                outcome.append(key)

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(workers)]
    for thread in threads:
        thread.start()
    return load, threads


def _finish(stop: threading.Event, threads: list[threading.Thread], timeout: float = 15) -> None:
    stop.set()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "a worker hung"


def _assert_nothing_lost_or_doubled(url: str, load: Load) -> None:
    assert load.unexpected == [], load.unexpected  # e.g. ConflictError would mean a double
    with psycopg.connect(url) as conn:
        stored = [row[0] for row in conn.execute("SELECT idempotency_key FROM writes")]
    present = set(stored)
    assert len(stored) == len(present)
    assert set(load.committed) <= present, "a committed write was lost"
    assert not present & set(load.failed), "a write reported as failed was committed"
    assert present <= set(load.committed) | set(load.ambiguous), "a write nobody made"
    assert len(stored) == len(load.committed) + len(present & set(load.ambiguous))


def _terminate_backends(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
        ).fetchone()
    assert row is not None
    return int(row[0])


def _fault_db(url: str, **overrides: Any) -> Database:
    settings: dict[str, Any] = {
        "pool_min_size": 2,
        "pool_max_size": 8,
        "pool_timeout_s": 1.0,
        "max_retries": 4,
        "retry_delay_ms": 20,
        "connect_timeout_s": 2,
    }
    return Database(url, **(settings | overrides))


def test_terminated_backends_mid_load_lose_nothing_and_the_pool_recovers(url: str) -> None:
    with _fault_db(url) as db:
        stop = threading.Event()
        load, threads = _run_load(db, workers=6, stop=stop)
        try:
            time.sleep(0.3)
            terminated = 0
            for _ in range(3):
                terminated += _terminate_backends(url)
                time.sleep(0.25)
            time.sleep(0.3)
        finally:
            _finish(stop, threads)
        assert terminated > 0
        assert db.retries > 0, "in-flight transactions were killed: some must have been retried"
        # The same Database, not a new one, goes on working.
        with db.system() as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    assert len(load.committed) > 20
    _assert_nothing_lost_or_doubled(url, load)


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_postgres_restarted_mid_load_loses_nothing_and_the_pool_recovers(
    cluster: TempCluster, url: str, mode: ShutdownMode
) -> None:
    with _fault_db(url) as db:
        stop = threading.Event()
        load, threads = _run_load(db, workers=6, stop=stop)
        try:
            time.sleep(0.3)
            cluster.restart(mode)
            restarted_at = time.monotonic()
            # The pool reconnects by itself (psycopg-pool's backoff starts at 1 s).
            deadline = restarted_at + 10
            while not any(t > restarted_at for t in load.committed_at):
                assert time.monotonic() < deadline, "no write committed after the restart"
                assert not load.unexpected, load.unexpected
                time.sleep(0.05)
            time.sleep(0.3)
        finally:
            _finish(stop, threads)
        recovered = [t for t in load.committed_at if t > restarted_at]
        assert len(recovered) > 5
        with db.system() as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    _assert_nothing_lost_or_doubled(url, load)


def test_an_exhausted_pool_gives_pool_exhausted_in_the_configured_time(url: str) -> None:
    with _fault_db(url, pool_min_size=0, pool_max_size=1, pool_timeout_s=0.5) as db:
        holding, release = threading.Event(), threading.Event()

        def hold() -> None:
            with db.system():
                holding.set()
                release.wait(10)

        holder = threading.Thread(target=hold, daemon=True)
        holder.start()
        try:
            assert holding.wait(5)
            started = time.monotonic()
            with pytest.raises(errors.PoolExhausted, match="DB_POOL_TIMEOUT_S") as caught:
                with db.system():
                    pass
            elapsed = time.monotonic() - started
            # The precise class (not merely its DatabaseUnavailable base), never retried.
            assert type(caught.value) is errors.PoolExhausted
        finally:
            release.set()
            holder.join(5)
        assert 0.45 <= elapsed < 1.5, elapsed  # DB_POOL_TIMEOUT_S=0.5, not retried
        with db.system() as conn:  # the connection came back: the next caller gets it
            assert conn.execute("SELECT 1").fetchone() == (1,)


def test_statement_timeout_is_query_timeout(url: str) -> None:
    with _fault_db(url, pool_min_size=0, statement_timeout_ms=100) as db:
        started = time.monotonic()
        with pytest.raises(errors.QueryTimeout) as raised, db.system() as conn:
            conn.execute("SELECT pg_sleep(2)")
        assert time.monotonic() - started < 1.5
        assert raised.value.sqlstate == "57014"
        assert isinstance(raised.value.__cause__, psycopg.errors.QueryCanceled)
        with db.system() as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)


@pytest.mark.parametrize("noticed_at", ["next statement", "commit"])
def test_idle_in_transaction_timeout_is_idle_transaction_timeout(url: str, noticed_at: str) -> None:
    # The server sends FATAL 25P03 and closes the session; psycopg reports that error (with
    # its SQLSTATE) at the next statement, or at COMMIT when the body just sat idle.
    with _fault_db(url, pool_min_size=0, idle_in_transaction_timeout_ms=150) as db:
        with pytest.raises(errors.IdleTransactionTimeout) as raised, db.system() as conn:
            conn.execute("INSERT INTO writes VALUES ('idle', 0)")
            time.sleep(0.5)
            if noticed_at == "next statement":
                conn.execute("SELECT 1")
        assert raised.value.sqlstate == "25P03"
        assert isinstance(raised.value.__cause__, psycopg.errors.IdleInTransactionSessionTimeout)
        with db.system() as conn:  # the dead connection was discarded, not handed out again
            assert conn.execute("SELECT count(*) FROM writes").fetchone() == (0,)
