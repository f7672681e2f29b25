"""chatdb's errors: one small hierarchy, and the one place psycopg errors are translated.

Every error says what went wrong in words a person can act on, names the constraint or column
when PostgreSQL reported one, and chains the psycopg error as `__cause__`, scrubbed (same
class and SQLSTATE, PostgreSQL's primary message without echoed values, no DETAIL).
Parameter values never appear in messages, causes or contexts: they may be secrets.
"""

from __future__ import annotations

import contextlib
import re
from typing import Final, TypeVar

import psycopg
from psycopg import errors as pg

_E = TypeVar("_E", bound=BaseException)


class ChatdbError(Exception):
    """Base of every error chatdb raises."""

    def __init__(
        self,
        message: str,
        *,
        constraint: str | None = None,
        column: str | None = None,
        table: str | None = None,
        sqlstate: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.constraint = constraint
        self.column = column
        self.table = table
        self.sqlstate = sqlstate


class DatabaseError(ChatdbError):
    """Any other error PostgreSQL reported; `sqlstate` says which."""


class ConfigError(ChatdbError):
    """Bad configuration or environment; `fix` says what to do about it."""

    def __init__(self, message: str, *, fix: str = "", variable: str | None = None) -> None:
        super().__init__(f"{message}; {fix}" if fix else message)
        self.fix = fix
        self.variable = variable


class ConflictError(ChatdbError):
    """A unique or exclusion constraint refused the row (23505, 23P01): it already exists."""


class NotFoundError(ChatdbError):
    """A referenced row does not exist (23503 on insert/update), or a required row is missing."""


class StillReferenced(ChatdbError):
    """The row is still referenced by others and cannot be deleted (23503 on delete)."""


class CheckViolation(ChatdbError):
    """A CHECK or NOT NULL constraint refused the value (23514, 23502)."""


class InvalidInput(ChatdbError):
    """A value PostgreSQL cannot take: malformed, too long, out of range, NUL byte (22xxx)."""


class PermissionDenied(ChatdbError):
    """The role in use may not do this, or row-level security refused the row (42501)."""


class InsufficientCredits(CheckViolation):
    """Consuming more credits than the balance holds; nothing was charged."""


class InvalidTransition(CheckViolation):
    """A state machine refused the move (e.g. a tool execution from completed to executing)."""

    def __init__(
        self,
        message: str,
        *,
        from_state: str | None = None,
        to_state: str | None = None,
        **kwargs: str | None,
    ) -> None:
        super().__init__(message, **kwargs)
        self.from_state = from_state
        self.to_state = to_state


class StaleEvent(CheckViolation):
    """An update carried a provider event older than the one that last changed the row
    (subscriptions/payments last_event_at never move backwards)."""


class ReferralRejected(CheckViolation):
    """A referral code cannot be redeemed (own code, already referred, referrer at maximum)."""


class QueryTimeout(ChatdbError):
    """The statement ran longer than `statement_timeout` and was cancelled (57014)."""


class IdleTransactionTimeout(ChatdbError):
    """The transaction sat idle past `idle_in_transaction_session_timeout` (25P03)."""


class SerializationFailure(ChatdbError):
    """A concurrent transaction conflicted (40001, 40P01); retrying the whole unit may succeed."""


class SchemaNotMigrated(DatabaseError):
    """A table or type the application needs does not exist: the database is not migrated
    (or not fully). `pending` is the number of migrations not applied, when it could be told."""

    FIX = "Fix: run `chatdb migrate` (`make migrate` in a checkout) against this database"

    def __init__(
        self,
        missing: str,
        *,
        pending: int | None = None,
        constraint: str | None = None,
        column: str | None = None,
        table: str | None = None,
        sqlstate: str | None = None,
    ) -> None:
        self.missing = missing
        self.pending = pending
        super().__init__(
            self._text(), constraint=constraint, column=column, table=table, sqlstate=sqlstate
        )

    def _text(self) -> str:
        count = "" if self.pending is None else f"{self.pending} pending migration(s); "
        return f"the database schema is not migrated ({self.missing}): {count}{self.FIX}"

    def set_pending(self, pending: int) -> None:
        """Add the number of pending migrations (counted after the transaction rolled back)."""
        self.pending = pending
        self.message = self._text()
        self.args = (self.message,)


class DatabaseUnavailable(ChatdbError):
    """The server cannot be reached, the connection was lost, or no pooled connection came."""


class PoolExhausted(DatabaseUnavailable):
    """No pooled connection became free within DB_POOL_TIMEOUT_S (not retried: the caller
    gets this error in the configured time)."""


class DatabaseClosed(DatabaseUnavailable):
    """`close()` was called on the Database: it hands out no more transactions (not retried)."""


class AmbiguousCommit(DatabaseUnavailable):
    """The connection was lost during COMMIT: the transaction may or may not have committed.

    Never retried automatically; check the outcome (e.g. by the operation's idempotency key).
    """


# Constraints whose violation means something more specific than "check failed".
# The schema names them; the runtime maps them here, in one place.
SPECIFIC_CONSTRAINTS: Final[dict[str, type[ChatdbError]]] = {
    "users_credit_balance_nonnegative_check": InsufficientCredits,
    "tool_executions_status_transition_check": InvalidTransition,
    "referrals_no_self_referral_check": ReferralRejected,
    "referrals_referred_id_key": ReferralRejected,
    "referrals_referrer_maximum_check": ReferralRejected,
    "subscriptions_last_event_at_monotonic_check": StaleEvent,
    "payments_last_event_at_monotonic_check": StaleEvent,
    # The app role used an operation-id namespace of the system's (signup:, referral:, ...).
    "credit_ledger_operation_id_namespace_check": PermissionDenied,
    "referrals_no_mutual_referral_check": ReferralRejected,
}

_TRANSITION = re.compile(r"from (\w+) to (\w+)")
_TRAILING_VALUE = re.compile(r': ".*"$|: \'.*\'$', re.DOTALL)
# Anything quoted in a data exception's message is (part of) the input value, wherever it
# sits: `value "99999999999" is out of range for type integer`. Greedy from the first quote
# to the last, so a value that itself contains a quote is hidden whole.
_QUOTED = re.compile(r'".*"|\'.*\'', re.DOTALL)
# SQLSTATE classes whose primary message can echo a value. Integrity violations (23) quote
# only identifiers in the primary message; their DETAIL (`Key (k)=(v)`) is never used.
_DATA_BEARING = ("22",)


def _describe(exc: psycopg.Error) -> str:
    """PostgreSQL's primary message without any echoed input value (it may be a secret)."""
    primary = exc.diag.message_primary or _first_line(exc)
    primary = _TRAILING_VALUE.sub("", primary)
    if (exc.sqlstate or "").startswith(_DATA_BEARING):
        primary = _QUOTED.sub("<value>", primary)
    return primary


def scrub(exc: BaseException) -> None:
    """Remove every value and DETAIL from `exc` in place, once it has been translated.

    psycopg's message carries the server's DETAIL line (`Key (email)=(...)`, the failing row
    of a CHECK) and may quote the input; its diagnostics hold the same. Python's own errors
    keep the offending object (`UnicodeError.object`, `AttributeError.obj`). The class (so
    the SQLSTATE) stays, so a caller can still tell what the cause was.
    """
    if isinstance(exc, psycopg.Error):
        safe = _describe(exc) if exc.sqlstate else _first_line(exc)
        state = exc.sqlstate
        exc.args = (safe,)
        exc._info = None  # the server's result: DETAIL, HINT, the full primary message
        exc._pgconn = None
        exc.sqlstate = state
        return
    for attribute, empty in (("object", ""), ("obj", None)):
        with contextlib.suppress(AttributeError, TypeError):
            if hasattr(exc, attribute):
                setattr(exc, attribute, empty)
    if not isinstance(exc, UnicodeError):  # its str() is built from the fields just emptied
        exc.args = (f"{type(exc).__name__} (value removed by chatdb)",)


def chain(error: _E, cause: BaseException | None) -> _E:
    """Chain the psycopg error `cause` to `error`, both free of values and DETAIL.

    The cause is scrubbed in place, so wherever Python also keeps it (`__context__`, a
    traceback) it says nothing secret; a Python error (e.g. UnicodeEncodeError) is not chained.
    """
    if cause is not None:
        scrub(cause)
    error.__cause__ = cause if isinstance(cause, psycopg.Error) else None
    error.__suppress_context__ = True
    return error


def translate(exc: BaseException, *, statement: str | None = None) -> BaseException:
    """Return chatdb's error for `exc` (or `exc` itself when it is not a database error).

    `statement` is the query name, used only to make the message say where it happened.
    The result is not chained yet: see `chain`.
    """
    if isinstance(exc, ChatdbError) or not isinstance(exc, psycopg.Error):
        return exc
    where = f" in {statement}" if statement else ""
    state = exc.sqlstate or ""
    if not state:
        if isinstance(exc, psycopg.DataError):
            # Raised client-side by psycopg, e.g. a NUL byte in a text parameter.
            return InvalidInput(f"a value cannot be sent to PostgreSQL{where}: {_first_line(exc)}")
        # InternalError without a SQLSTATE is psycopg failing to follow the protocol exchange,
        # e.g. "received 2 results from command 'COMMIT'" when PgBouncer relays a server's
        # FATAL (idle-in-transaction timeout) and then drops the client: the session is gone.
        if isinstance(
            exc, psycopg.OperationalError | psycopg.InterfaceError | psycopg.InternalError
        ):
            return DatabaseUnavailable(f"the database connection failed or was lost{where}")
        if isinstance(exc, psycopg.ProgrammingError):
            # Raised client-side while adapting parameters: "cannot adapt type 'dict'", a
            # placeholder without a value. The message names types, never values.
            return InvalidInput(
                f"a parameter cannot be sent to PostgreSQL{where}: {_first_line(exc)}"
            )
        return DatabaseError(f"database error{where}: {_first_line(exc)}")
    diag = exc.diag
    constraint = diag.constraint_name
    fields: dict[str, str | None] = {
        "constraint": constraint,
        "column": diag.column_name,
        "table": diag.table_name,
        "sqlstate": state,
    }
    detail = _describe(exc)
    if constraint and constraint in SPECIFIC_CONSTRAINTS:
        cls = SPECIFIC_CONSTRAINTS[constraint]
        if cls is InvalidTransition:
            states = _TRANSITION.search(detail)
            return InvalidTransition(
                f"{detail}{where}",
                from_state=states.group(1) if states else None,
                to_state=states.group(2) if states else None,
                **fields,
            )
        return cls(f"{detail}{where}", **fields)
    if state in ("23505", "23P01"):
        # An exclusion violation is a generalised uniqueness conflict (e.g. a second
        # default provider for one user, provider_configs_user_id_default_excl).
        return ConflictError(f"already exists{where}: {detail}", **fields)
    if state == "23503":
        # PostgreSQL reports both directions with the same SQLSTATE, constraint, table
        # (the referencing one) and source function; only the message text differs. We read
        # the English primary message ("update or delete on table ..." vs "insert or
        # update ..."). lc_messages is superuser-only, so the runtime cannot force it: on a
        # server with a translated lc_messages a delete is reported as NotFoundError.
        if detail.startswith("update or delete"):
            return StillReferenced(f"still referenced{where}: {detail}", **fields)
        return NotFoundError(f"the referenced row does not exist{where}: {detail}", **fields)
    if state in ("23514", "23502"):
        return CheckViolation(f"rejected{where}: {detail}", **fields)
    if state.startswith("22"):
        return InvalidInput(f"invalid input{where}: {detail}", **fields)
    role_missing = state == "22023" and detail.startswith("role ") and "does not exist" in detail
    if (
        state in ("42P01", "3F000")
        or (state == "42704" and detail.startswith("type "))
        or role_missing  # chatdb's roles: provisioned by `chatdb migrate` (db/roles.sql)
    ):
        # undefined table, schema or type (an enum): the migrations have not run
        return SchemaNotMigrated(f"{detail}{where}", pending=None, **fields)
    if state in ("42501", "25006"):
        return PermissionDenied(f"not allowed{where}: {detail}", **fields)
    if state == "57014":
        return QueryTimeout(f"statement cancelled{where}: {detail}", **fields)
    if state == "25P03":
        return IdleTransactionTimeout(
            f"transaction idle too long{where} (idle_in_transaction_session_timeout)", **fields
        )
    if state in ("40001", "40P01"):
        return SerializationFailure(f"concurrent update conflict{where}: {detail}", **fields)
    if state.startswith(("08", "57P", "53300")):
        return DatabaseUnavailable(f"database unavailable{where}: {detail}", **fields)
    return DatabaseError(f"database error{where}: {detail} (SQLSTATE {state})", **fields)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__


def is_retryable(exc: BaseException) -> bool:
    """Whether rerunning the whole transaction may succeed (conflict or deadlock)."""
    return isinstance(exc, SerializationFailure | pg.SerializationFailure | pg.DeadlockDetected)


__all__ = [
    "AmbiguousCommit",
    "ChatdbError",
    "CheckViolation",
    "ConfigError",
    "ConflictError",
    "DatabaseClosed",
    "DatabaseError",
    "DatabaseUnavailable",
    "IdleTransactionTimeout",
    "InsufficientCredits",
    "InvalidInput",
    "InvalidTransition",
    "NotFoundError",
    "PermissionDenied",
    "PoolExhausted",
    "QueryTimeout",
    "ReferralRejected",
    "SchemaNotMigrated",
    "SerializationFailure",
    "StaleEvent",
    "StillReferenced",
    "chain",
    "is_retryable",
    "scrub",
    "translate",
]
