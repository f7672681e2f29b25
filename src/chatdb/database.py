# Generated from src/chatdb/aio/database.py by tools/async_to_sync.py. DO NOT EDIT:
# edit the async source, then run `make sync-twins` (also part of `make generate`).
"""`Database`: the pooled handle applications hold.

db = Database()  # DATABASE_URL, else the embedded PostgreSQL
db = Database(url, system_url=...)  # production: the app login and the system login
with db.as_user(user_id) as conn:  # chatdb_app + app.user_id: row-level security
    chats.list_chats_by_user(conn, user_id=user_id, ...)
with db.system() as conn: ...  # chatdb_system: pre-login, cross-user, background work
db.as_user(user_id).run(fn)  # the whole fn retried on conflicts / lost connections
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg

from chatdb import dburl, errors, schema_state, session_state
from chatdb.config import Settings, load_settings
from chatdb.connect_args import connect_kwargs
from chatdb.connection_setup import (
    check_connection,
    commit_and_reset,
    configure_connections,
    reset_session,
)
from chatdb.cursors import Connection
from chatdb.pools import TrackingPool
from chatdb.retries import RetryPolicy
from chatdb.routing import Router
from chatdb.transactions import (
    BEGIN_ATTEMPTS,
    IsolationArg,
    Role,
    TxOptions,
    begin_params,
    begin_statement,
    commit_error,
    options,
    transaction_error,
)

T = TypeVar("T")
OPEN_IN_CONSTRUCTOR = True
POOL_NAME_PREFIX = "chatdb-"


class Scope:
    """One kind of transaction (who, isolation, read-only): `with scope as conn`, or
    `scope.run(fn)`."""

    def __init__(self, db: Database, opts: TxOptions) -> None:
        self._db = db
        self._opts = opts
        self._cm: Any = None

    def __enter__(self) -> Connection:
        self._cm = self._db._transaction(self._opts)
        conn: Connection = self._cm.__enter__()
        return conn

    def __exit__(self, *exc_info: Any) -> bool | None:
        cm, self._cm = self._cm, None
        return bool(cm.__exit__(*exc_info))

    def run(self, fn: Callable[[Connection], T]) -> T:
        """Run `fn` in a transaction, retrying the whole of it on serialization failures,
        deadlocks and connection loss before commit (never after an ambiguous commit)."""
        policy = self._db.retry_policy
        attempt = 0
        while True:
            try:
                with self._db._transaction(self._opts) as conn:
                    return fn(conn)
            except errors.ChatdbError as exc:
                if not policy.should_retry(exc, attempt):
                    raise
                self._db.retries += 1
                time.sleep(policy.delay_s(attempt))
                attempt += 1


class Database:
    """A connection pool to the primary (and replicas), handing out role-scoped transactions."""

    def __init__(
        self,
        url: str | None = None,
        *,
        system_url: str | None = None,
        replica_urls: list[str] | None = None,
        settings: Settings | None = None,
        open: bool = OPEN_IN_CONSTRUCTOR,
        **overrides: Any,
    ) -> None:
        self.settings = settings or load_settings(**overrides)
        self.url = url or self.settings.database_url or dburl.resolve().url
        # System transactions get a pool of their own on a login that may SET ROLE
        # chatdb_system; without one (development) the one login serves both.
        self.system_url = system_url or self.settings.database_system_url or self.url
        replicas = self.settings.replicas if replica_urls is None else replica_urls
        self.retry_policy = RetryPolicy(self.settings.max_retries, self.settings.retry_delay_ms)
        self.router = Router(len(replicas), self.settings.read_your_writes_s)
        self.retries = 0
        self._begin_sql = begin_statement(self.settings)
        session_state.trust(self._begin_sql)
        # A connection that ran more than generated statements leaves its transaction with a
        # clean session (connection_setup.RESET_SQL, session_state); through PgBouncer in
        # transaction mode the session is not ours to clean.
        self._reset = not self.settings.pgbouncer
        self.pool = self._make_pool(self.url, "primary", open)
        self.system_pool = (
            self.pool
            if self.system_url == self.url
            else self._make_pool(self.system_url, "system", open)
        )
        self.replica_pools = [
            self._make_pool(u, f"replica{i}", open) for i, u in enumerate(replicas)
        ]

    def _make_pool(self, url: str, name: str, open: bool) -> TrackingPool:
        s = self.settings
        return TrackingPool(
            url,
            connection_class=Connection,
            kwargs=connect_kwargs(s, url),
            min_size=s.pool_min_size,
            max_size=s.pool_max_size,
            max_idle=s.pool_max_idle_s,
            max_lifetime=s.pool_max_lifetime_s,
            timeout=s.pool_timeout_s,
            check=check_connection,
            configure=configure_connections(s),
            name=f"{POOL_NAME_PREFIX}{name}",
            open=open,
        )

    # -- who runs the transaction -------------------------------------------------------

    def as_user(
        self, user_id: uuid.UUID | str, *, isolation: IsolationArg = None, read_only: bool = False
    ) -> Scope:
        """As `chatdb_app` on behalf of a signed-in user: row-level security applies."""
        return Scope(self, options(Role.APP, user_id, isolation, read_only))

    def anonymous(self, *, isolation: IsolationArg = None, read_only: bool = False) -> Scope:
        """As `chatdb_app` with no user: only public data is visible, nothing is writable."""
        return Scope(self, options(Role.APP, None, isolation, read_only))

    def system(self, *, isolation: IsolationArg = None, read_only: bool = False) -> Scope:
        """As `chatdb_system`: pre-login, cross-user and background work (bypasses RLS)."""
        return Scope(self, options(Role.SYSTEM, None, isolation, read_only))

    def run_in_transaction(
        self,
        fn: Callable[[Connection], T],
        *,
        user_id: uuid.UUID | str | None = None,
        system: bool = False,
        isolation: IsolationArg = None,
        read_only: bool = False,
    ) -> T:
        """`fn(conn)` in a retried transaction: as the system role, a user, or anonymous."""
        if system and user_id is not None:
            raise errors.ConfigError("run_in_transaction: pass user_id or system=True, not both")
        if system:
            scope = self.system(isolation=isolation, read_only=read_only)
        elif user_id is not None:
            scope = self.as_user(user_id, isolation=isolation, read_only=read_only)
        else:
            scope = self.anonymous(isolation=isolation, read_only=read_only)
        return scope.run(fn)

    # -- the transaction itself -----------------------------------------------------------

    def _checkout(self, opts: TxOptions) -> tuple[TrackingPool, Connection, int | None]:
        """A pooled connection for `opts`: a replica for read-only work when one can serve,
        the system pool for system work when the system has a login of its own."""
        if opts.role is Role.SYSTEM and self.system_pool is not self.pool:
            return self.system_pool, self.system_pool.acquire(self.settings), None
        index = self.router.replica_for(opts)
        if index is not None:
            replica = self.replica_pools[index]
            try:
                # A short wait: a replica that cannot serve now is skipped for the primary.
                return replica, replica.acquire(self.settings, 1.0), index
            except errors.DatabaseClosed:
                raise
            except (errors.DatabaseUnavailable, psycopg.OperationalError):
                self.router.replica_failed(index)
        return self.pool, self.pool.acquire(self.settings), None

    def _begin(self, opts: TxOptions) -> tuple[TrackingPool, Connection]:
        """Start the transaction with its role and user on a live connection.

        Connections used moments ago are not pinged on checkout (a round trip per
        transaction); instead a connection found dead by this first statement, before any
        work was done, is discarded and another one tried.
        """
        for attempt in range(BEGIN_ATTEMPTS):
            pool, conn, index = self._checkout(opts)
            conn.set_isolation_level(opts.isolation)
            conn.set_read_only(opts.read_only)
            ctx = conn.chatdb_context
            ctx.role, ctx.user_id = opts.role.value, opts.user_id
            try:
                conn.execute(self._begin_sql, begin_params(opts))  # implicit BEGIN first
                return pool, conn
            except BaseException as exc:
                _rollback_quietly(conn)
                _add_pending(conn, exc)  # "N pending migration(s)"
                ctx.role = ctx.user_id = None
                pool.release(conn)  # the pool discards a broken connection
                lost = isinstance(exc, errors.DatabaseUnavailable)
                if lost and index is not None:
                    self.router.replica_failed(index)
                if not lost or attempt == BEGIN_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    @contextmanager
    def _transaction(self, opts: TxOptions) -> Iterator[Connection]:
        pool, conn = self._begin(opts)
        ctx = conn.chatdb_context
        committing = clean = False
        try:
            try:
                yield conn
                committing = True
                reset = self._reset and ctx.dirty  # only what raw SQL may have changed
                commit_and_reset(conn, reset)
                ctx.dirty = ctx.dirty and not reset
                clean = True
            except BaseException as exc:
                if not committing:
                    _rollback_quietly(conn)
                    _add_pending(conn, exc)
                raise
        except psycopg.Error as exc:
            raise errors.chain(transaction_error(exc, committing), exc) from exc
        except errors.DatabaseUnavailable as exc:
            raise commit_error(exc, committing) from exc.__cause__
        finally:
            ctx.role = ctx.user_id = None
            ctx.last_used = time.monotonic()
            if self._reset and not clean and ctx.dirty:
                reset_session(conn)  # whatever the borrower did stays with it
            pool.release(conn)
        self.router.wrote(opts)

    # -- lifecycle --------------------------------------------------------------------------

    def stats(self) -> dict[str, dict[str, int]]:
        """psycopg-pool statistics per pool (sizes, waits, errors), plus retries."""
        result = {"primary": dict(self.pool.get_stats())}
        if self.system_pool is not self.pool:
            result["system"] = dict(self.system_pool.get_stats())
        for i, pool in enumerate(self.replica_pools):
            result[f"replica{i}"] = dict(pool.get_stats())
        result["runtime"] = {"transaction_retries": self.retries}
        return result

    def _pools(self) -> list[TrackingPool]:
        system = [] if self.system_pool is self.pool else [self.system_pool]
        return [self.pool, *system, *self.replica_pools]

    def open(self, wait: bool = False) -> None:
        for pool in self._pools():
            pool.open(wait=wait)

    def close(self, timeout: float = 5.0) -> None:
        """Close every pool, waiting up to `timeout` s for borrowed connections to return."""
        for pool in self._pools():
            pool.close(timeout=timeout)

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _rollback_quietly(conn: Connection) -> None:
    """Roll back if the connection still can; a broken one is discarded by the pool anyway."""
    with contextlib.suppress(psycopg.Error, errors.ChatdbError):
        if not conn.closed:
            conn.rollback()


def _add_pending(conn: Connection, exc: BaseException) -> None:
    """Count the pending migrations into a `SchemaNotMigrated` (on the idle connection)."""
    if not isinstance(exc, errors.SchemaNotMigrated):
        return
    with contextlib.suppress(psycopg.Error, errors.ChatdbError, OSError):
        try:
            cur = conn.execute(schema_state.HAS_TABLE_SQL)
            found = cur.fetchone()
            rows: list[Any] = []
            if found and found[0]:  # the second statement would fail on a missing table
                cur = conn.execute(schema_state.APPLIED_SQL)
                rows = cur.fetchall()
        finally:
            conn.rollback()
        pending = schema_state.pending_count([r[0] for r in rows])
        if pending is not None:
            exc.set_pending(pending)
