"""What shapes one transaction: its options, the statement that begins it, its errors.

Pure decisions only (no I/O), so the sync and async shells stay thin and identical in
behaviour. Where a transaction goes is `chatdb.routing`, when it is retried `chatdb.retries`,
how a connection is opened `chatdb.connect_args`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from psycopg import IsolationLevel

from chatdb import errors
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
