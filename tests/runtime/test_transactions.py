"""Role-scoped transactions, isolation, read-only, retries and commit semantics, for real."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from chatdb import Database, errors
from support.logins import logins


@pytest.fixture
def scratch(db_url: str) -> Iterator[Database]:
    """A Database on a private clone with a `counters` table every role may use."""
    with psycopg.connect(db_url, autocommit=True) as admin:
        admin.execute(
            "CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL);"
            "INSERT INTO counters VALUES (1, 0), (2, 0);"
            "GRANT SELECT, INSERT, UPDATE, DELETE ON counters TO chatdb_app, chatdb_system;"
        )
    db = Database(**logins(db_url), pool_min_size=0, pool_max_size=4, retry_delay_ms=1)
    yield db
    db.close()


def test_as_user_sets_app_role_and_user_for_the_transaction_only(scratch: Database) -> None:
    user = uuid.uuid4()
    with scratch.as_user(user) as conn:
        row = conn.execute("SELECT current_user, current_setting('app.user_id', true)").fetchone()
    assert row == ("chatdb_app", str(user))
    # The same pooled connection afterwards: nothing leaked. Outside a transaction the
    # session is the app login's own default (db/roles.sql: it starts as chatdb_app).
    with scratch.pool.connection() as raw:
        after = raw.execute(
            "SELECT current_user::text, session_user::text,"
            " coalesce(current_setting('app.user_id', true), '')"
        ).fetchone()
        raw.rollback()
    assert after == ("chatdb_app", "chatdb_app_login", "")


def test_anonymous_has_no_user_and_system_uses_system_role(scratch: Database) -> None:
    with scratch.anonymous() as conn:
        assert conn.execute(
            "SELECT current_user, nullif(current_setting('app.user_id', true), '')"
        ).fetchone() == ("chatdb_app", None)
    with scratch.system() as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("chatdb_system",)


def test_invalid_user_id_is_rejected_before_any_query(scratch: Database) -> None:
    with pytest.raises(errors.InvalidInput, match="user_id"):
        scratch.as_user("not-a-uuid")


def test_isolation_and_read_only_are_applied(scratch: Database) -> None:
    with scratch.system(isolation="serializable", read_only=True) as conn:
        level, ro = conn.execute(
            "SELECT current_setting('transaction_isolation'), "
            "current_setting('transaction_read_only')"
        ).fetchone()  # type: ignore[misc]
        assert (level, ro) == ("serializable", "on")
        with pytest.raises(errors.ChatdbError):
            conn.execute("UPDATE counters SET n = n + 1")


def test_exception_in_body_rolls_back(scratch: Database) -> None:
    with pytest.raises(RuntimeError), scratch.system() as conn:
        conn.execute("UPDATE counters SET n = 99 WHERE id = 1")
        raise RuntimeError("boom")
    with scratch.system() as conn:
        assert conn.execute("SELECT n FROM counters WHERE id = 1").fetchone() == (0,)


def test_run_retries_the_whole_function_on_a_serialization_failure(scratch: Database) -> None:
    attempts = 0
    conflict_done = threading.Event()

    def interfere() -> None:
        with psycopg.connect(scratch.url, autocommit=True) as other:
            other.execute("UPDATE counters SET n = n + 10 WHERE id = 1")
        conflict_done.set()

    def body(conn: psycopg.Connection) -> int:
        nonlocal attempts
        attempts += 1
        (n,) = conn.execute("SELECT n FROM counters WHERE id = 1").fetchone()  # type: ignore[misc]
        if attempts == 1:
            # Another session commits a change to the row we read, then we write it:
            # under SERIALIZABLE the write must fail with 40001.
            t = threading.Thread(target=interfere)
            t.start()
            t.join()
        conn.execute("UPDATE counters SET n = %s WHERE id = 1", (n + 1,))
        return int(n) + 1

    result = scratch.system(isolation="serializable").run(body)
    assert conflict_done.is_set()
    assert attempts == 2
    assert result == 11
    with scratch.system() as conn:
        assert conn.execute("SELECT n FROM counters WHERE id = 1").fetchone() == (11,)
    assert scratch.stats()["runtime"]["transaction_retries"] == 1


def test_serialization_failure_without_run_is_a_typed_error(scratch: Database) -> None:
    def interfere() -> None:
        with psycopg.connect(scratch.url, autocommit=True) as other:
            other.execute("UPDATE counters SET n = n + 1 WHERE id = 2")

    with (
        pytest.raises(errors.SerializationFailure),
        scratch.system(isolation="serializable") as conn,
    ):
        conn.execute("SELECT n FROM counters WHERE id = 2").fetchone()
        t = threading.Thread(target=interfere)
        t.start()
        t.join()
        conn.execute("UPDATE counters SET n = n + 1 WHERE id = 2")


def test_retries_are_bounded(db_url: str, scratch: Database) -> None:
    db = Database(
        **logins(db_url), pool_min_size=0, pool_max_size=2, max_retries=2, retry_delay_ms=1
    )
    calls = 0

    def always_conflicts(conn: psycopg.Connection) -> None:
        nonlocal calls
        calls += 1
        conn.execute("SELECT 1")
        raise errors.SerializationFailure("forced")

    with pytest.raises(errors.SerializationFailure):
        db.system().run(always_conflicts)
    assert calls == 3  # the first try and two retries
    db.close()


def test_non_retryable_errors_are_not_retried(scratch: Database) -> None:
    calls = 0

    def bad(conn: psycopg.Connection) -> None:
        nonlocal calls
        calls += 1
        conn.execute("INSERT INTO counters VALUES (1, 0)")

    with pytest.raises(errors.ConflictError):
        scratch.system().run(bad)
    assert calls == 1


def test_deadlock_is_retried(scratch: Database) -> None:
    barrier = threading.Barrier(2, timeout=10)
    results: list[object] = []

    def worker(first: int, second: int) -> None:
        tries = 0

        def body(conn: psycopg.Connection) -> None:
            nonlocal tries
            tries += 1
            conn.execute("UPDATE counters SET n = n + 1 WHERE id = %s", (first,))
            if tries == 1:
                barrier.wait()
            conn.execute("UPDATE counters SET n = n + 1 WHERE id = %s", (second,))

        try:
            scratch.system().run(body)
            results.append(tries)
        except Exception as exc:  # pragma: no cover - reported below
            results.append(exc)

    threads = [threading.Thread(target=worker, args=a) for a in ((1, 2), (2, 1))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert all(isinstance(r, int) for r in results), results
    assert sum(r for r in results if isinstance(r, int)) == 3  # one of them retried once
    with scratch.system() as conn:
        assert conn.execute("SELECT sum(n) FROM counters").fetchone() == (4,)


async def test_async_scope_roles_and_retry(app_database_url: str, db_url: str) -> None:
    from chatdb import AsyncDatabase

    with psycopg.connect(db_url, autocommit=True) as admin:
        admin.execute(
            "CREATE TABLE t (x int); GRANT SELECT, INSERT ON t TO chatdb_app, chatdb_system"
        )
    async with AsyncDatabase(
        **logins(db_url), pool_min_size=0, pool_max_size=2, retry_delay_ms=1
    ) as db:
        user = uuid.uuid4()
        async with db.as_user(user) as conn:
            cur = await conn.execute("SELECT current_user, current_setting('app.user_id', true)")
            assert await cur.fetchone() == ("chatdb_app", str(user))
        calls = 0

        async def body(conn: psycopg.AsyncConnection) -> int:
            nonlocal calls
            calls += 1
            await conn.execute("INSERT INTO t VALUES (%s)", (calls,))
            if calls == 1:
                raise errors.SerializationFailure("forced")
            return calls

        assert await db.system().run(body) == 2
        async with db.system() as conn:
            cur = await conn.execute("SELECT array_agg(x) FROM t")
            assert await cur.fetchone() == ([2],)  # the failed attempt left nothing


def test_pool_exhaustion_under_run_fails_in_the_configured_time(db_url: str) -> None:
    import time

    db = Database(
        **logins(db_url), pool_min_size=0, pool_max_size=1, pool_timeout_s=0.3, max_retries=5
    )
    try:
        with db.system():
            started = time.monotonic()
            with pytest.raises(errors.PoolExhausted, match="DB_POOL_TIMEOUT_S"):
                db.system().run(lambda conn: conn.execute("SELECT 1"))
            assert time.monotonic() - started < 1.5  # not (retries + 1) x the timeout
    finally:
        db.close()


def test_a_pooled_connection_killed_while_idle_is_replaced_transparently(db_url: str) -> None:
    # Recently used connections are not pinged on checkout; the first statement of the
    # transaction finds the dead one, and the runtime takes another before any work is done.
    db = Database(**logins(db_url), pool_min_size=1, pool_max_size=1, max_retries=0)
    try:
        with db.system() as conn:
            pid = conn.info.backend_pid
        with psycopg.connect(db_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with db.system() as conn:  # no error, no retry policy involved
            assert conn.info.backend_pid != pid
            assert conn.execute("SELECT current_user").fetchone() == ("chatdb_system",)
    finally:
        db.close()


def test_a_connection_lost_during_commit_is_ambiguous_and_never_retried(db_url: str) -> None:
    # A deferred constraint trigger runs at COMMIT and sleeps, so the backend is reliably
    # inside COMMIT when another connection terminates it.
    with psycopg.connect(db_url, autocommit=True) as admin:
        admin.execute(
            """
            CREATE TABLE slow_commits (id int PRIMARY KEY);
            GRANT SELECT, INSERT ON slow_commits TO chatdb_system;
            CREATE FUNCTION slow_commits_sleep() RETURNS trigger LANGUAGE plpgsql AS
                $$ BEGIN PERFORM pg_sleep(5); RETURN NULL; END $$;
            CREATE CONSTRAINT TRIGGER slow_commits_sleep_trg AFTER INSERT ON slow_commits
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commits_sleep();
            """
        )
    db = Database(
        **logins(db_url), pool_min_size=0, pool_max_size=2, max_retries=5, retry_delay_ms=1
    )
    calls: list[int] = []
    killed = threading.Event()

    def killer(pid: int) -> None:
        with psycopg.connect(db_url, autocommit=True) as admin:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                row = admin.execute(
                    "SELECT query FROM pg_stat_activity WHERE pid = %s AND state = 'active'",
                    (pid,),
                ).fetchone()
                if row and row[0].strip().upper().startswith("COMMIT"):
                    admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
                    killed.set()
                    return
                time.sleep(0.02)

    def body(conn: psycopg.Connection) -> None:
        calls.append(1)
        conn.execute("INSERT INTO slow_commits VALUES (1)")
        threading.Thread(target=killer, args=(conn.info.backend_pid,), daemon=True).start()

    try:
        with pytest.raises(errors.AmbiguousCommit, match="outcome is unknown"):
            db.system().run(body)
    finally:
        db.close()
    assert killed.is_set()
    assert calls == [1]  # run() did not rerun a transaction that may have committed
    with psycopg.connect(db_url) as check:  # here the server aborted it: nothing was written
        assert check.execute("SELECT count(*) FROM slow_commits").fetchone() == (0,)
