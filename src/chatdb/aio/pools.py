"""psycopg-pool pools that remember why they could not connect, and recover fast.

What they remember and how they recover: `chatdb.pool_tracking`.
"""

from __future__ import annotations

import time
from typing import Any

from psycopg_pool import AsyncConnectionPool, PoolClosed, PoolTimeout
from psycopg_pool.base import AttemptWithBackoff

from chatdb.aio.cursors import AsyncConnection
from chatdb.config import Settings
from chatdb.pool_tracking import (
    BoundedBackoff,
    Tracking,
    closed_error,
    connect_fix,
    connect_reason,
)
from chatdb.transactions import pool_exhausted

if True:  # ASYNC
    import asyncio
else:
    import threading


class AsyncTrackingPool(Tracking, AsyncConnectionPool[AsyncConnection]):
    """psycopg-pool's `AsyncConnectionPool`, remembering connection failures (`pool_tracking`)."""

    def __init__(self, *args: Any, probe_timeout: float = 5.0, **kwargs: Any) -> None:
        self._init_tracking()
        if True:  # ASYNC
            self._probe_lock = asyncio.Lock()
        else:
            self._probe_lock = threading.Lock()
        self._probe_timeout = probe_timeout
        super().__init__(*args, **kwargs)

    async def _connect(self, timeout: float | None = None) -> AsyncConnection:
        try:
            conn = await super()._connect(timeout)
        except BaseException as exc:
            self._failed(exc)
            raise
        self._connected()
        return conn

    async def _add_connection(
        self, attempt: AttemptWithBackoff | None, growing: bool = False
    ) -> None:
        await super()._add_connection(
            attempt or BoundedBackoff(timeout=self.reconnect_timeout), growing
        )

    async def _try_connecting(self, timeout: float) -> None:
        """One real connection attempt before a caller is failed from the last error; a
        connection made is handed to the pool (so to a waiting caller). One caller tries at
        a time; the others wait for its outcome."""
        if True:  # ASYNC
            try:
                await asyncio.wait_for(self._probe_lock.acquire(), max(timeout, 0.001))
            except TimeoutError:
                return
        else:
            if not self._probe_lock.acquire(timeout=max(timeout, 0.001)):
                return
        try:
            if self.last_connect_error is None:
                return  # another caller's attempt (or the pool's) just succeeded
            try:
                conn = await self._connect(timeout)
            except Exception:
                return  # still down: `last_connect_error` holds the fresh reason
            async with self._lock:
                adopted = self._room_for_one()
            if adopted:
                await self._add_to_pool(conn)
            else:
                await conn.close()  # the pool's own reconnection is due within the backoff
        finally:
            self._probe_lock.release()

    async def acquire(self, settings: Settings, timeout: float | None = None) -> AsyncConnection:
        """A connection within `timeout` (default DB_POOL_TIMEOUT_S), or a typed error:
        `DatabaseUnavailable` as soon as the server is known to be unreachable,
        `PoolExhausted` when every connection stays busy, `DatabaseClosed` after close()."""
        deadline = time.monotonic() + (settings.pool_timeout_s if timeout is None else timeout)
        while True:
            remaining = deadline - time.monotonic()
            try:
                conn = await self.getconn(max(min(remaining, self._slice()), 0.001))
            except PoolClosed as exc:
                raise closed_error() from exc
            except PoolTimeout as exc:
                if self.unreachable() is not None:
                    await self._try_connecting(
                        min(deadline - time.monotonic(), self._probe_timeout)
                    )
                failure = self.unreachable()
                if failure is not None:
                    raise failure from failure.__cause__
                if time.monotonic() >= deadline:
                    raise pool_exhausted(settings) from exc
                continue
            self._borrow(1)
            return conn

    async def release(self, conn: AsyncConnection) -> None:
        self._borrow(-1)
        await self.putconn(conn)


__all__ = ["AsyncTrackingPool", "BoundedBackoff", "connect_fix", "connect_reason"]
