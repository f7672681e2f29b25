"""What both Database classes share: who runs a transaction, where it goes, when to retry.

Pure decisions only (no I/O), so the sync and async shells stay thin and identical in
behaviour.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from psycopg import IsolationLevel

from chatdb import dburl, errors
from chatdb.config import Settings

IsolationArg = IsolationLevel | str | None


class Role(StrEnum):
    """The database roles a transaction runs as (see docs/decisions/001-role-model.md)."""

    APP = "chatdb_app"
    SYSTEM = "chatdb_system"


@dataclass(frozen=True, slots=True)
class TxOptions:
    """Everything that shapes one transaction."""

    role: Role
    user_id: str | None
    isolation: IsolationLevel | None
    read_only: bool

    @property
    def who(self) -> str:
        return f"{self.role.value}:{self.user_id or '-'}"


def _isolation(value: IsolationArg) -> IsolationLevel | None:
    if value is None or isinstance(value, IsolationLevel):
        return value
    try:
        return IsolationLevel[value.strip().upper().replace(" ", "_")]
    except KeyError:
        raise errors.ConfigError(
            f"unknown isolation level {value!r}",
            fix="use read committed, repeatable read or serializable",
        ) from None


def _user_id(value: uuid.UUID | str) -> str:
    # Validated here so a bad id fails before a connection is taken, with a clear error.
    try:
        return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
    except ValueError:
        raise errors.InvalidInput("user_id is not a valid UUID", column="user_id") from None


def options(
    role: Role, user_id: uuid.UUID | str | None, isolation: IsolationArg, read_only: bool
) -> TxOptions:
    return TxOptions(
        role=role,
        user_id=None if user_id is None else _user_id(user_id),
        isolation=_isolation(isolation),
        read_only=read_only,
    )


# Where unqualified names resolve in every transaction. `pg_temp` is named last on purpose:
# left out, PostgreSQL searches it FIRST, so a temporary table called `messages` would shadow
# the real one for everything the generated (unqualified) SQL does.
SEARCH_PATH: Final = "public, pg_temp"


def begin_statement(settings: Settings) -> str:
    """The one statement that starts every transaction: role, user, search path, timeouts.

    `set_config(..., true)` is `SET LOCAL` with bind parameters: transaction-scoped, so nothing
    leaks to the next borrower of the connection, and no SQL is built from strings (the
    constants below are integers and a fixed path). Everything a transaction depends on is set
    here rather than once per connection: the pool's reset (`connection_setup.reset_session`)
    returns each session to the server defaults, and a session-level SET by one borrower
    (`statement_timeout = 0`, another `search_path`) must not shape the next transaction.
    """
    parts = [
        "set_config('role', %(role)s, true)",
        "set_config('app.user_id', %(user_id)s, true)",
        f"set_config('search_path', '{SEARCH_PATH}', true)",
        f"set_config('statement_timeout', '{int(settings.statement_timeout_ms)}', true)",
        "set_config('idle_in_transaction_session_timeout', "
        f"'{int(settings.idle_in_transaction_timeout_ms)}', true)",
    ]
    return "SELECT " + ", ".join(parts)


def connect_kwargs(settings: Settings, url: str | None = None) -> dict[str, Any]:
    """libpq/psycopg connection arguments (never server settings via `options`).

    TCP keepalives (on by default: DB_KEEPALIVES_IDLE_S, _INTERVAL_S, _COUNT) let a dead peer
    be noticed in about idle + interval x count seconds instead of the kernel's hours. Without
    DB_SSLMODE and without an sslmode in `url`, a server that is not on this machine gets
    sslmode=require (dburl.default_sslmode): credentials never cross a network in clear.
    """
    kwargs: dict[str, Any] = {
        "autocommit": False,
        "connect_timeout": settings.connect_timeout_s,
        "application_name": settings.application_name,
        # PgBouncer in transaction mode cannot keep prepared statements per client.
        "prepare_threshold": None if settings.pgbouncer else 5,
    }
    if settings.tcp_keepalives:
        kwargs.update(
            keepalives=1,
            keepalives_idle=settings.keepalives_idle_s,
            keepalives_interval=settings.keepalives_interval_s,
            keepalives_count=settings.keepalives_count,
        )
    else:
        kwargs["keepalives"] = 0
    if settings.sslmode:
        kwargs["sslmode"] = settings.sslmode
    elif url is not None and (default := dburl.default_sslmode(url)) is not None:
        kwargs["sslmode"] = default
    if settings.sslrootcert:
        kwargs["sslrootcert"] = settings.sslrootcert
    return kwargs


class RetryPolicy:
    """Bounded exponential backoff with jitter for `run_in_transaction`."""

    CAP_MS: Final = 2_000

    def __init__(self, max_retries: int, base_delay_ms: int) -> None:
        self.max_retries = max_retries
        self.base_delay_ms = base_delay_ms

    def should_retry(self, exc: BaseException, attempt: int) -> bool:
        if attempt >= self.max_retries:
            return False
        if isinstance(exc, errors.AmbiguousCommit):
            return False  # the commit may have happened: rerunning could apply it twice
        if isinstance(exc, errors.DatabaseClosed):
            return False  # closed on purpose: no attempt can succeed
        if isinstance(exc, errors.PoolExhausted):
            return False  # waiting again would break the configured DB_POOL_TIMEOUT_S
        return isinstance(exc, errors.SerializationFailure | errors.DatabaseUnavailable)

    def delay_s(self, attempt: int) -> float:
        ceiling = min(self.base_delay_ms * (2**attempt), self.CAP_MS)
        return random.uniform(ceiling / 2, ceiling) / 1000  # noqa: S311 - jitter, not crypto


class Router:
    """Sends read-only transactions to replicas, and a user's reads to the primary right
    after that user wrote (read-your-writes), and skips a replica that just failed."""

    def __init__(self, replica_count: int, read_your_writes_s: float, cooldown_s: float = 5.0):
        self.replica_count = replica_count
        self.read_your_writes_s = read_your_writes_s
        self.cooldown_s = cooldown_s
        self._next = 0
        self._recent_writers: dict[str, float] = {}
        self._down_until: dict[int, float] = {}
        self._lock = threading.Lock()

    def replica_for(self, opts: TxOptions) -> int | None:
        """Index of the replica to use, or None for the primary."""
        if not opts.read_only or self.replica_count == 0:
            return None
        now = time.monotonic()
        with self._lock:
            if opts.user_id is not None:
                wrote_at = self._recent_writers.get(opts.user_id)
                if wrote_at is not None and now - wrote_at < self.read_your_writes_s:
                    return None
            for _ in range(self.replica_count):
                index = self._next % self.replica_count
                self._next += 1
                if self._down_until.get(index, 0.0) <= now:
                    return index
        return None

    def wrote(self, opts: TxOptions) -> None:
        if opts.read_only or opts.user_id is None or self.read_your_writes_s <= 0:
            return
        now = time.monotonic()
        with self._lock:
            self._recent_writers[opts.user_id] = now
            if len(self._recent_writers) > 100_000:  # bound memory: forget expired entries
                horizon = now - self.read_your_writes_s
                self._recent_writers = {
                    k: v for k, v in self._recent_writers.items() if v >= horizon
                }

    def replica_failed(self, index: int) -> None:
        with self._lock:
            self._down_until[index] = time.monotonic() + self.cooldown_s


# A connection found dead by the first statement of a transaction is replaced this many
# times before the caller gets DatabaseUnavailable.
BEGIN_ATTEMPTS: Final = 3


def begin_params(opts: TxOptions) -> dict[str, str]:
    return {"role": opts.role.value, "user_id": opts.user_id or ""}


def pool_exhausted(settings: Settings) -> errors.PoolExhausted:
    return errors.PoolExhausted(
        f"no database connection free within {settings.pool_timeout_s:g} s: all "
        f"DB_POOL_MAX_SIZE={settings.pool_max_size} are busy. Fix: raise DB_POOL_MAX_SIZE or "
        "DB_POOL_TIMEOUT_S, or hold connections for shorter"
    )


_AMBIGUOUS = "the connection was lost while committing: the outcome is unknown"


def transaction_error(exc: BaseException, committing: bool) -> BaseException:
    """chatdb's error for a psycopg error raised by a transaction (body or COMMIT)."""
    translated = errors.translate(exc)
    if committing and isinstance(translated, errors.DatabaseUnavailable):
        return errors.AmbiguousCommit(_AMBIGUOUS)
    return translated


def commit_error(exc: errors.DatabaseUnavailable, committing: bool) -> errors.DatabaseUnavailable:
    """A lost connection during COMMIT is ambiguous; before it, plainly unavailable."""
    if committing and not isinstance(exc, errors.AmbiguousCommit):
        return errors.AmbiguousCommit(_AMBIGUOUS)
    return exc
