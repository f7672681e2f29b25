"""What chatdb's pools (`chatdb.aio.pools`, `chatdb.pools`) share: the memory of why they could
not connect, the fix for that cause, and a fast reconnection backoff.

A pool whose server is down only logs its connection failures and lets callers wait the full
acquire timeout. These pools keep the last connection error and count borrowed connections,
so a caller can be told at once that the server is unreachable (why, and what to do about
that cause), and `PoolExhausted` is kept for the case it names: connections exist, but all
are busy.

Recovery: psycopg-pool retries a failed connection after 1 s, 2 s, 4 s, ... (measured: callers
still failed 7.5 s after the server came back). Here the retry delay starts at 0.1 s and never
exceeds `MAX_RECONNECT_DELAY_S`, and before a caller is failed from the last error, one real
connection is tried; if it works, the caller gets it. So once the server accepts connections,
calls succeed within a second.
"""

from __future__ import annotations

import threading
from typing import Any

from psycopg_pool.base import AttemptWithBackoff

from chatdb import dburl, errors

# While no connection is borrowed, a caller waits for one in slices this long; between slices
# it checks whether the pool is failing to connect, so an unreachable server is reported in
# well under a second.
WAIT_SLICE_S = 0.25
# The pool's reconnection backoff: first retry after ~0.1 s, doubling, never above this.
FIRST_RECONNECT_DELAY_S = 0.1
MAX_RECONNECT_DELAY_S = 0.5


class BoundedBackoff(AttemptWithBackoff):
    """psycopg-pool's reconnection attempt with a short first delay and a ceiling."""

    INITIAL_DELAY = FIRST_RECONNECT_DELAY_S

    def update_delay(self, now: float) -> None:
        super().update_delay(now)
        self.delay = min(self.delay, MAX_RECONNECT_DELAY_S)


class Tracking:
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
        return errors.chain(
            errors.DatabaseUnavailable(
                f"cannot connect{where}: {connect_reason(exc)}. Fix: {connect_fix(exc)}"
            ),
            exc,
        )

    def _room_for_one(self) -> bool:
        """Reserve a slot for a connection made outside the pool's own workers."""
        pool: Any = self
        if pool._nconns >= pool.max_size:
            return False
        pool._nconns += 1
        return True


def connect_reason(exc: BaseException, default: str | None = None) -> str:
    """The first meaningful line of a connection error (libpq never echoes the password)."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return lines[0] if lines else (default or exc.__class__.__name__)


# libpq's words for why a connection failed, and what fixes that cause. Checked in order on
# the lower-cased message (libpq reports these client-side; the server's FATAL text is
# English unless the server's lc_messages says otherwise).
_CAUSES: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("password authentication failed", "no password supplied", "password is required"),
        "the password is wrong or missing: set the login's password in DATABASE_URL "
        "(postgresql://user:password@host/db; a % in it is written %25)",
    ),
    (
        ("role", "does not exist"),
        "the login role does not exist on this server: create it (db/roles.sql provisions "
        "chatdb's logins) or fix the user name in DATABASE_URL",
    ),
    (
        ("database", "does not exist"),
        "the database does not exist: create it (`createdb NAME`, or `chatdb migrate` for "
        "the embedded server) or fix the database name in DATABASE_URL",
    ),
    (
        ("no pg_hba.conf entry",),
        "the server refuses this host/user/database: add a pg_hba.conf entry or use a "
        "login and database it allows",
    ),
    (
        ("ssl", "tls", "certificate"),
        "TLS failed: match DB_SSLMODE to the server (`require` needs a server with SSL; "
        "`verify-full` needs DB_SSLROOTCERT naming the CA that signed the server's certificate)",
    ),
    (
        ("too many connections", "remaining connection slots"),
        "the server is at max_connections: lower DB_POOL_MAX_SIZE, put PgBouncer in front, "
        "or raise max_connections",
    ),
    (
        ("the database system is starting up", "shutting down", "in recovery mode"),
        "the server is starting or stopping: wait for it and retry",
    ),
    (
        ("timeout expired",),
        "the server did not answer within DB_CONNECT_TIMEOUT_S: check the host, port and "
        "firewall, or raise the timeout",
    ),
    (
        ("could not translate host name", "name or service not known"),
        "the host name does not resolve: fix the host in DATABASE_URL",
    ),
)
_DOWN = (
    "the server is down or refuses connections there: start the server (`make demo` starts "
    "the embedded one), or set DATABASE_URL to one that runs"
)


def connect_fix(exc: BaseException) -> str:
    """What to do about a connection error, for its cause (server down is the default)."""
    text = str(exc).lower()
    for needles, fix in _CAUSES:
        if needles[0] in ("role", "database"):  # both words must be there
            if all(n in text for n in needles) and f'{needles[0]} "' in text:
                return fix
        elif any(n in text for n in needles):
            return fix
    return _DOWN


def closed_error() -> errors.DatabaseClosed:
    return errors.DatabaseClosed(
        "this Database is closed: no new transactions. Fix: create a new Database, "
        "or do not close it while work remains"
    )
