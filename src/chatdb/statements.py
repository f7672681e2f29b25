"""What every statement run through chatdb's cursors goes through, sync or async: timing and
logging by name, and translation of its errors (the cursors: `chatdb.aio.cursors`, and its
generated sync twin `chatdb.cursors`).

Only chatdb errors leave them: a parameter psycopg cannot send (wrong type, lone surrogate,
JSON nested too deep, NaN) is `InvalidInput` naming the parameter, a generated function's own
argument check (`support.aware`) too. The error is raised outside the `except` block, with a
scrubbed cause, so no exception in the chain carries a value, a DETAIL row or a secret.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping
from typing import Any

import psycopg
import pydantic
from psycopg.adapt import PyFormat, Transformer

from chatdb import errors, finite, logs
from chatdb.session_state import leaves_session_clean


class StatementContext:
    """Who runs the current transaction, for the logs; kept on the connection."""

    __slots__ = ("dirty", "last_used", "role", "slow_ms", "trusted", "user_id")

    def __init__(self, slow_ms: float = 500.0) -> None:
        self.role: str | None = None
        self.user_id: str | None = None
        self.slow_ms = slow_ms
        self.last_used = 0.0  # time.monotonic() when a transaction last finished on it
        # Whether the session may differ from a clean one (session_state): a new connection
        # is reset once before it is lent.
        self.dirty = True
        self.trusted = False  # set by our cursors while they run a statement that leaves none


_NO_CONTEXT = StatementContext()  # a connection that is not chatdb's: never written to


def _context(conn: Any) -> StatementContext:
    ctx: StatementContext = getattr(conn, "chatdb_context", _NO_CONTEXT)
    return ctx


# The per-statement bookkeeping below runs on every call, so its fast path (a successful
# statement whose record the log level drops) is a clock read, a comparison and the logger's
# cached level check: the statement's name is parsed only when a record is actually written
# or an error translated.
# Measured with `python -m bench.runtime_cost` (issue 19: under 2 µs a call).
_clock = time.perf_counter
_DEBUG = logging.DEBUG
_sql_logger = logs.STATEMENT_LOGGER


def trusting(conn: Any, query: object) -> StatementContext:
    """The connection's context, trusting `query` to leave the session clean if it does."""
    ctx = _context(conn)
    if ctx is not _NO_CONTEXT:
        ctx.trusted = leaves_session_clean(query)
        if not ctx.trusted:
            ctx.dirty = True  # also without the _start_query hook below (a psycopg upgrade)
    return ctx


class StatementTimer:
    """Times one statement, logs it, and turns a psycopg error into chatdb's."""

    __slots__ = ("_name", "conn", "query", "start")

    def __init__(self, conn: Any, query: object) -> None:
        self.conn = conn
        self.query = query
        self.start = _clock()
        self._name: str | None = None

    @property
    def name(self) -> str:
        """The statement's name, parsed on first use (only when a record is written)."""
        if self._name is None:
            self._name = logs.statement_name(self.query)
        return self._name

    def done(self, rows: int | None) -> None:
        """A statement succeeded: log it when its record would be written (slow, or DEBUG)."""
        duration_ms = (_clock() - self.start) * 1000
        ctx = _context(self.conn)
        if duration_ms < ctx.slow_ms and not _sql_logger.isEnabledFor(_DEBUG):
            return
        logs.log_statement(
            name=self.name,
            duration_ms=duration_ms,
            rows=rows,
            error=None,
            role=ctx.role,
            user_id=ctx.user_id,
            slow_ms=ctx.slow_ms,
        )

    def log_failure(self, error: BaseException) -> None:
        ctx = _context(self.conn)
        logs.log_statement(
            name=self.name,
            duration_ms=(_clock() - self.start) * 1000,
            rows=None,
            error=error,
            role=ctx.role,
            user_id=ctx.user_id,
            slow_ms=ctx.slow_ms,
        )


# Python's words for what is wrong with a value, by the exception psycopg's adaptation raised.
_INPUT_PROBLEMS: tuple[tuple[type[BaseException], str], ...] = (
    (UnicodeError, "text that is not valid Unicode (a lone surrogate?)"),
    (RecursionError, "a value nested too deep"),
    (OverflowError, "a number out of range"),
    (TypeError, "a value of a type it cannot send"),
    (ValueError, "a value it cannot send"),
)


def _problem(exc: BaseException) -> str:
    if isinstance(exc, TypeError) and "recursion" in str(exc).lower():
        return "a value nested too deep"  # orjson: "Recursion limit reached"
    return next((text for cls, text in _INPUT_PROBLEMS if isinstance(exc, cls)), "a bad value")


def _dumps_cleanly(tx: Any, value: Any) -> bool:
    if value is None:
        return True
    try:
        tx.get_dumper(value, PyFormat.AUTO).dump(value)
    except Exception:
        return False
    return True


def bad_parameter(context: Any, params: Any) -> str | None:
    """The name (or 1-based position) of the first parameter that cannot be sent.

    Found by dumping each again, only after the statement failed client-side."""
    if params is None:
        return None
    tx = Transformer(context)
    items = params.items() if isinstance(params, Mapping) else enumerate(params, 1)
    for key, value in items:
        if not _dumps_cleanly(tx, value):
            return str(key)
    return None


def _input_error(
    timer: StatementTimer, exc: BaseException, where: str | None, what: str = "parameter"
) -> errors.InvalidInput:
    """InvalidInput for a value psycopg refused client-side, naming it where known."""
    named = f" {what} {where}" if where else f" a {what}"
    if isinstance(exc, finite.NonFiniteNumber):
        text = f"invalid input in {timer.name}:{named} is NaN or infinite ({finite.MESSAGE})"
        return errors.InvalidInput(text, column=where)
    if isinstance(exc, errors.ChatdbError):  # e.g. NaN inside a JSON value
        return errors.InvalidInput(f"{exc.message} ({what} {where or '?'} in {timer.name})")
    text = f"invalid input in {timer.name}:{named} holds {_problem(exc)}"
    return errors.InvalidInput(text, column=where)


def failure_for(
    timer: StatementTimer, exc: BaseException, context: Any, params: Any
) -> BaseException:
    """The error to raise for a failed statement, chained safely (see `errors.chain`)."""
    failure: BaseException
    if isinstance(exc, psycopg.Error):
        failure = errors.translate(exc, statement=timer.name)
        if isinstance(failure, errors.InvalidInput) and not exc.sqlstate:
            where = bad_parameter(context, params)  # refused client-side: say which one
            if where:
                failure = errors.InvalidInput(
                    f"{failure.message} (parameter {where})", column=where
                )
    elif isinstance(exc, errors.InvalidInput) or not isinstance(exc, errors.ChatdbError):
        failure = _input_error(timer, exc, bad_parameter(context, params))
    else:
        failure = exc
    timer.log_failure(failure)
    if failure is exc or not isinstance(failure, errors.ChatdbError):
        return failure
    return errors.chain(failure, exc)


def _frames(exc: BaseException) -> list[Any]:
    """The frames of `exc`'s traceback, outermost first."""
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    return frames


def _generated(frame: Any) -> bool:
    return str(frame.f_globals.get("__name__", "")).startswith("chatdb.queries.")


def generated_code_error(exc: BaseException | None) -> errors.ChatdbError | None:
    """chatdb's error for a Python exception raised by generated query code itself inside a
    cursor block: its argument checks (`support.aware`: a naive datetime, a string where a timestamp
    belongs) and the models it builds from rows. None for anything else (the caller's own
    exceptions pass through untouched)."""
    if exc is None or isinstance(exc, errors.ChatdbError | psycopg.Error):
        return None
    if not isinstance(exc, Exception):
        return None
    frames = _frames(exc)
    if not frames:
        return None
    frame = frames[-1]
    if isinstance(exc, pydantic.ValidationError) and any(map(_generated, frames)):
        # A generated row maker built a model from a row (pydantic raised, deeper down).
        fields = sorted({".".join(map(str, e["loc"])) for e in exc.errors()})
        return errors.DatabaseError(
            f"a row does not fit its model {exc.title}: {', '.join(fields)} "
            "(stored data outside what the schema documents)"
        )
    if not _generated(frame):
        return None
    name = frame.f_locals.get("name") if frame.f_code.co_name == "aware" else None
    what = str(name) if isinstance(name, str) else frame.f_code.co_name
    if isinstance(exc, ValueError) and "naive datetime" in str(exc):
        problem = "a naive datetime for a timestamptz parameter; pass an aware datetime"
    else:
        problem = f"{_problem(exc)} (expected a datetime)" if name else _problem(exc)
    return errors.InvalidInput(f"invalid input: {what}: {problem}")


def exit_error(exc: BaseException | None) -> errors.ChatdbError | None:
    failure = generated_code_error(exc)
    if failure is not None and exc is not None:
        # Raised in `__exit__`, the new error gets `exc` as `__context__`: scrub it.
        errors.chain(failure, exc)
    return failure


_COPY_COLUMNS = re.compile(r"\(([^)]*)\)\s+FROM", re.IGNORECASE)


def _copy_columns(statement: object) -> list[str]:
    found = _COPY_COLUMNS.search(str(statement))
    return [c.strip().strip('"') for c in found.group(1).split(",")] if found else []


class CopyRows:
    """What both COPY wrappers share: which column of a row could not be encoded."""

    def __init__(self, copy: Any, statement: object) -> None:
        self._copy = copy
        self._columns = _copy_columns(statement)
        self.failed_column: str | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._copy, name)

    def _note(self, row: Any, exc: BaseException) -> None:
        index = None
        if isinstance(exc, finite.NonFiniteNumber):
            index = next((i for i, v in enumerate(row) if finite.is_non_finite(v)), None)
        else:
            tx = Transformer(self._copy.cursor)
            index = next((i for i, v in enumerate(row) if not _dumps_cleanly(tx, v)), None)
        if index is not None:
            self.failed_column = (
                self._columns[index] if index < len(self._columns) else f"#{index + 1}"
            )


def copy_failure(timer: StatementTimer, exc: BaseException, rows: CopyRows) -> BaseException:
    if isinstance(exc, psycopg.Error):
        return failure_for(timer, exc, None, None)
    if isinstance(exc, errors.ChatdbError) and not isinstance(exc, errors.InvalidInput):
        return exc
    if not isinstance(exc, Exception):
        return exc
    # Binary COPY encodes each value client-side: a wrong type, an int beyond int4, NaN or a
    # naive datetime fails in Python, after which the COPY is abandoned (nothing loads).
    failure = _input_error(timer, exc, rows.failed_column, "column")
    failure.message += "; nothing was loaded"
    failure.args = (failure.message,)
    timer.log_failure(failure)
    return errors.chain(failure, None)


def mark_untrusted(ctx: StatementContext) -> None:
    if not ctx.trusted:
        ctx.dirty = True
