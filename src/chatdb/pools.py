# Generated from src/chatdb/aio/pools.py by tools/async_to_sync.py. DO NOT EDIT:
# edit the async source, then run `make sync-twins` (also part of `make generate`).
"""psycopg-pool pools that remember why they could not connect, and recover fast.

What they remember and how they recover: `chatdb.pool_tracking`.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout
from psycopg_pool.base import AttemptWithBackoff

from chatdb.config import Settings
from chatdb.cursors import Connection
from chatdb.pool_tracking import (
    BoundedBackoff,
    Tracking,
    closed_error,
    connect_fix,
    connect_reason,
)
from chatdb.transactions import pool_exhausted


class TrackingPool(Tracking, ConnectionPool[Connection]):
    """psycopg-pool's `ConnectionPool`, remembering connection failures (`pool_tracking`)."""

    def __init__(self, *args: Any, probe_timeout: float = 5.0, **kwargs: Any) -> None:
        self._init_tracking()
        self._probe_lock = threading.Lock()
        self._probe_timeout = probe_timeout
        super().__init__(*args, **kwargs)

    def _connect(self, timeout: float | None = None) -> Connection:
        try:
            conn = super()._connect(timeout)
        except BaseException as exc:
            self._failed(exc)
            raise
        self._connected()
        return conn

    def _add_connection(self, attempt: AttemptWithBackoff | None, growing: bool = False) -> None:
        super()._add_connection(attempt or BoundedBackoff(timeout=self.reconnect_timeout), growing)

    def _try_connecting(self, timeout: float) -> None:
        """One real connection attempt before a caller is failed from the last error; a
        connection made is handed to the pool (so to a waiting caller). One caller tries at
        a time; the others wait for its outcome."""
        if not self._probe_lock.acquire(timeout=max(timeout, 0.001)):
            return
        try:
            if self.last_connect_error is None:
                return  # another caller's attempt (or the pool's) just succeeded
            try:
                conn = self._connect(timeout)
            except Exception:
                return  # still down: `last_connect_error` holds the fresh reason
            with self._lock:
                adopted = self._room_for_one()
            if adopted:
                self._add_to_pool(conn)
            else:
                conn.close()  # the pool's own reconnection is due within the backoff
        finally:
            self._probe_lock.release()

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
                if self.unreachable() is not None:
                    self._try_connecting(min(deadline - time.monotonic(), self._probe_timeout))
                failure = self.unreachable()
                if failure is not None:
                    raise failure from failure.__cause__
                if time.monotonic() >= deadline:
                    raise pool_exhausted(settings) from exc
                continue
            self._borrow(1)
            return conn

    def release(self, conn: Connection) -> None:
        self._borrow(-1)
        self.putconn(conn)


__all__ = ["BoundedBackoff", "TrackingPool", "connect_fix", "connect_reason"]
