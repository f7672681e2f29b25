"""psycopg-pool pools that remember why they could not connect.

A pool whose server is down only logs its connection failures and lets callers wait the full
acquire timeout. These pools keep the last connection error and count borrowed connections,
so a caller can be told at once that the server is unreachable (and why), and
`PoolExhausted` is kept for the case it names: connections exist, but all are busy.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from psycopg_pool import AsyncConnectionPool, ConnectionPool, PoolClosed, PoolTimeout

from chatdb import dburl, errors
from chatdb.config import Settings
from chatdb.cursors import AsyncConnection, Connection
from chatdb.transactions import pool_exhausted

# While no connection is borrowed, a caller waits for one in slices this long; between slices
# it checks whether the pool is failing to connect, so an unreachable server is reported in
# well under a second.
WAIT_SLICE_S = 0.25


class _Tracking:
    """What both pools remember: the last connection failure and the borrowed count."""

    conninfo: Any

    def _init_tracking(self) -> None:
        self.last_connect_error: BaseException | None = None
        self.borrowed = 0
        self._borrow_lock = threading.Lock()

    def _connected(self) -> None:
        self.last_connect_error = None

    def _failed(self, exc: BaseException) -> None:
        self.last_connect_error = exc

    def _borrow(self, n: int) -> None:
        with self._borrow_lock:
            self.borrowed += n

    def _slice(self) -> float:
        """How long one wait for a connection may last. Short only while no connection is
        borrowed (then only a new connection can end the wait, and a failing server must be
        noticed); otherwise the whole remaining time, because every new wait queues behind
        the callers who came later, and busy pools must hand connections out in order."""
        return WAIT_SLICE_S if self.borrowed == 0 else float("inf")

    def unreachable(self) -> errors.DatabaseUnavailable | None:
        """The error to raise when no connection exists and the last attempt to make one
        failed; None when the pool is merely busy (or has not tried yet)."""
        exc = self.last_connect_error
        if exc is None or self.borrowed > 0:
            return None
        target = str(self.conninfo)
        # A key=value conninfo may hold a password that redact() cannot find: name no target.
        where = f" to {dburl.redact(target)}" if target.startswith("postgres") else ""
        return errors.DatabaseUnavailable(
            f"cannot connect{where}: {connect_reason(exc)}. "
            "Fix: start the server, or set DATABASE_URL to one that runs"
        )


def connect_reason(exc: BaseException, default: str | None = None) -> str:
    """The first meaningful line of a connection error (libpq never echoes the password)."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return lines[0] if lines else (default or exc.__class__.__name__)


def closed_error() -> errors.DatabaseClosed:
    return errors.DatabaseClosed(
        "this Database is closed: no new transactions. Fix: create a new Database, "
        "or do not close it while work remains"
    )


class TrackingPool(_Tracking, ConnectionPool[Connection]):
    """A `ConnectionPool` that remembers connection failures (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._init_tracking()
        super().__init__(*args, **kwargs)

    def _connect(self, timeout: float | None = None) -> Connection:
        try:
            conn = super()._connect(timeout)
        except BaseException as exc:
            self._failed(exc)
            raise
        self._connected()
        return conn

    def acquire(self, settings: Settings, timeout: float | None = None) -> Connection:
        """A connection within `timeout` (default DB_POOL_TIMEOUT_S), or a typed error:
        `DatabaseUnavailable` as soon as the server is known to be unreachable,
        `PoolExhausted` when every connection stays busy, `DatabaseClosed` after close()."""
        deadline = time.monotonic() + (settings.pool_timeout_s if timeout is None else timeout)
        while True:
            remaining = deadline - time.monotonic()
            try:
                conn = self.getconn(max(min(remaining, self._slice()), 0.001))
            except PoolClosed as exc:
                raise closed_error() from exc
            except PoolTimeout as exc:
                failure = self.unreachable()
                if failure is not None:
                    raise failure from self.last_connect_error
                if time.monotonic() >= deadline:
                    raise pool_exhausted(settings) from exc
                continue
            self._borrow(1)
            return conn

    def release(self, conn: Connection) -> None:
        self._borrow(-1)
        self.putconn(conn)


class AsyncTrackingPool(_Tracking, AsyncConnectionPool[AsyncConnection]):
    """The asyncio twin of `TrackingPool`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._init_tracking()
        super().__init__(*args, **kwargs)

    async def _connect(self, timeout: float | None = None) -> AsyncConnection:
        try:
            conn = await super()._connect(timeout)
        except BaseException as exc:
            self._failed(exc)
            raise
        self._connected()
        return conn

    async def acquire(self, settings: Settings, timeout: float | None = None) -> AsyncConnection:
        """See `TrackingPool.acquire`."""
        deadline = time.monotonic() + (settings.pool_timeout_s if timeout is None else timeout)
        while True:
            remaining = deadline - time.monotonic()
            try:
                conn = await self.getconn(max(min(remaining, self._slice()), 0.001))
            except PoolClosed as exc:
                raise closed_error() from exc
            except PoolTimeout as exc:
                failure = self.unreachable()
                if failure is not None:
                    raise failure from self.last_connect_error
                if time.monotonic() >= deadline:
                    raise pool_exhausted(settings) from exc
                continue
            self._borrow(1)
            return conn

    async def release(self, conn: AsyncConnection) -> None:
        self._borrow(-1)
        await self.putconn(conn)


__all__ = ["AsyncTrackingPool", "TrackingPool", "connect_reason"]
