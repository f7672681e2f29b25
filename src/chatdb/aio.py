"""`AsyncDatabase`: the asyncio twin of `chatdb.Database`, same behaviour and settings.

db = AsyncDatabase()
await db.open()
async with db.as_user(user_id) as conn:
    await aio_chats.list_chats_by_user(conn, user_id=user_id, ...)
await db.as_user(user_id).run(fn)    # fn: async (conn) -> T, retried as a whole
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import psycopg

from chatdb import dburl, errors, session_state
from chatdb.config import Settings, load_settings
from chatdb.connection_setup import (
    check_async,
    commit_and_reset_async,
    configure_async,
    reset_async,
)
from chatdb.cursors import AsyncConnection
from chatdb.pools import AsyncTrackingPool
from chatdb.transactions import (
    BEGIN_ATTEMPTS,
    IsolationArg,
    RetryPolicy,
    Role,
    Router,
    TxOptions,
    begin_params,
    begin_statement,
    commit_error,
    connect_kwargs,
    options,
    transaction_error,
)

T = TypeVar("T")


class AsyncScope:
    """One kind of transaction: `async with scope as conn`, or `await scope.run(fn)`."""

    def __init__(self, db: AsyncDatabase, opts: TxOptions) -> None:
        self._db = db
        self._opts = opts
        self._cm: Any = None

    async def __aenter__(self) -> AsyncConnection:
        self._cm = self._db._transaction(self._opts)
        conn: AsyncConnection = await self._cm.__aenter__()
        return conn

    async def __aexit__(self, *exc_info: Any) -> bool | None:
        cm, self._cm = self._cm, None
        return bool(await cm.__aexit__(*exc_info))

    async def run(self, fn: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """Run `fn` in a transaction, retried as a whole like `Scope.run`."""
        policy = self._db.retry_policy
        attempt = 0
        while True:
            try:
                async with self._db._transaction(self._opts) as conn:
                    return await fn(conn)
            except errors.ChatdbError as exc:
                if not policy.should_retry(exc, attempt):
                    raise
                self._db.retries += 1
                await asyncio.sleep(policy.delay_s(attempt))
                attempt += 1


class AsyncDatabase:
    """Async connection pools to the primary (and replicas), handing out scoped transactions."""

    def __init__(
        self,
        url: str | None = None,
        *,
        system_url: str | None = None,
        replica_urls: list[str] | None = None,
        settings: Settings | None = None,
        **overrides: Any,
    ) -> None:
        self.settings = settings or load_settings(**overrides)
        self.url = url or self.settings.database_url or dburl.resolve().url
        # See `Database`: system transactions on a login of their own when one is given.
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
        self.pool = self._make_pool(self.url, "primary")
        self.system_pool = (
            self.pool if self.system_url == self.url else self._make_pool(self.system_url, "system")
        )
        self.replica_pools = [self._make_pool(u, f"replica{i}") for i, u in enumerate(replicas)]

    def _make_pool(self, url: str, name: str) -> AsyncTrackingPool:
        s = self.settings
        # Opened explicitly by `open()` (an async pool cannot open in a constructor).
        return AsyncTrackingPool(
            url,
            connection_class=AsyncConnection,
            kwargs=connect_kwargs(s, url),
            min_size=s.pool_min_size,
            max_size=s.pool_max_size,
            max_idle=s.pool_max_idle_s,
            max_lifetime=s.pool_max_lifetime_s,
            timeout=s.pool_timeout_s,
            check=check_async,
            configure=configure_async(s),
            name=f"chatdb-async-{name}",
            open=False,
        )

    def as_user(
        self, user_id: uuid.UUID | str, *, isolation: IsolationArg = None, read_only: bool = False
    ) -> AsyncScope:
        """As `chatdb_app` on behalf of a signed-in user: row-level security applies."""
        return AsyncScope(self, options(Role.APP, user_id, isolation, read_only))

    def anonymous(self, *, isolation: IsolationArg = None, read_only: bool = False) -> AsyncScope:
        """As `chatdb_app` with no user: only public data is visible, nothing is writable."""
        return AsyncScope(self, options(Role.APP, None, isolation, read_only))

    def system(self, *, isolation: IsolationArg = None, read_only: bool = False) -> AsyncScope:
        """As `chatdb_system`: pre-login, cross-user and background work (bypasses RLS)."""
        return AsyncScope(self, options(Role.SYSTEM, None, isolation, read_only))

    async def run_in_transaction(
        self,
        fn: Callable[[AsyncConnection], Awaitable[T]],
        *,
        user_id: uuid.UUID | str | None = None,
        system: bool = False,
        isolation: IsolationArg = None,
        read_only: bool = False,
    ) -> T:
        """`await fn(conn)` in a retried transaction: as the system role, a user, or anonymous."""
        if system and user_id is not None:
            raise errors.ConfigError("run_in_transaction: pass user_id or system=True, not both")
        if system:
            scope = self.system(isolation=isolation, read_only=read_only)
        elif user_id is not None:
            scope = self.as_user(user_id, isolation=isolation, read_only=read_only)
        else:
            scope = self.anonymous(isolation=isolation, read_only=read_only)
        return await scope.run(fn)

    async def _checkout(
        self, opts: TxOptions
    ) -> tuple[AsyncTrackingPool, AsyncConnection, int | None]:
        """A pooled connection for `opts` (see `Database._checkout`)."""
        if opts.role is Role.SYSTEM and self.system_pool is not self.pool:
            return self.system_pool, await self.system_pool.acquire(self.settings), None
        index = self.router.replica_for(opts)
        if index is not None:
            replica = self.replica_pools[index]
            try:
                return replica, await replica.acquire(self.settings, 1.0), index
            except errors.DatabaseClosed:
                raise
            except (errors.DatabaseUnavailable, psycopg.OperationalError):
                self.router.replica_failed(index)
        return self.pool, await self.pool.acquire(self.settings), None

    async def _begin(self, opts: TxOptions) -> tuple[AsyncTrackingPool, AsyncConnection]:
        """Start the transaction on a live connection (see `Database._begin`)."""
        for attempt in range(BEGIN_ATTEMPTS):
            pool, conn, index = await self._checkout(opts)
            await conn.set_isolation_level(opts.isolation)
            await conn.set_read_only(opts.read_only)
            ctx = conn.chatdb_context
            ctx.role, ctx.user_id = opts.role.value, opts.user_id
            try:
                await conn.execute(self._begin_sql, begin_params(opts))
                return pool, conn
            except BaseException as exc:
                await _rollback_quietly(conn)
                ctx.role = ctx.user_id = None
                await pool.release(conn)
                lost = isinstance(exc, errors.DatabaseUnavailable)
                if lost and index is not None:
                    self.router.replica_failed(index)
                if not lost or attempt == BEGIN_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    @asynccontextmanager
    async def _transaction(self, opts: TxOptions) -> AsyncIterator[AsyncConnection]:
        pool, conn = await self._begin(opts)
        ctx = conn.chatdb_context
        committing = clean = False
        try:
            try:
                yield conn
                committing = True
                reset = self._reset and ctx.dirty  # only what raw SQL may have changed
                await commit_and_reset_async(conn, reset)
                ctx.dirty = ctx.dirty and not reset
                clean = True
            except BaseException:
                if not committing:
                    await _rollback_quietly(conn)
                raise
        except psycopg.Error as exc:
            raise transaction_error(exc, committing) from exc
        except errors.DatabaseUnavailable as exc:
            raise commit_error(exc, committing) from exc.__cause__
        finally:
            ctx.role = ctx.user_id = None
            ctx.last_used = time.monotonic()
            if self._reset and not clean and ctx.dirty:
                await reset_async(conn)  # whatever the borrower did stays with it
            await pool.release(conn)
        self.router.wrote(opts)

    def stats(self) -> dict[str, dict[str, int]]:
        """psycopg-pool statistics per pool, plus retries."""
        result = {"primary": dict(self.pool.get_stats())}
        if self.system_pool is not self.pool:
            result["system"] = dict(self.system_pool.get_stats())
        for i, pool in enumerate(self.replica_pools):
            result[f"replica{i}"] = dict(pool.get_stats())
        result["runtime"] = {"transaction_retries": self.retries}
        return result

    def _pools(self) -> list[AsyncTrackingPool]:
        system = [] if self.system_pool is self.pool else [self.system_pool]
        return [self.pool, *system, *self.replica_pools]

    async def open(self, wait: bool = False) -> None:
        for pool in self._pools():
            await pool.open(wait=wait)

    async def close(self, timeout: float = 5.0) -> None:
        for pool in self._pools():
            await pool.close(timeout=timeout)

    async def __aenter__(self) -> AsyncDatabase:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


async def _rollback_quietly(conn: AsyncConnection) -> None:
    """Roll back if the connection still can; a broken one is discarded by the pool anyway."""
    with contextlib.suppress(psycopg.Error, errors.ChatdbError):
        if not conn.closed:
            await conn.rollback()
