"""Cursor and connection classes that log every statement by name and translate its errors.

They are installed on pooled connections by `Database`/`AsyncDatabase`, so generated query
functions (which only see a psycopg connection) get logging and typed errors for free.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, NoReturn, cast

import psycopg
from psycopg.abc import Params, PQGen, Query

from chatdb import errors, logs
from chatdb.session_state import leaves_session_clean

_ROW = Any


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


def _done(conn: Any, query: object, start: float, rows: int | None) -> None:
    """A statement succeeded: log it when its record would be written (slow, or DEBUG on)."""
    duration_ms = (_clock() - start) * 1000
    ctx = _context(conn)
    if duration_ms < ctx.slow_ms and not _sql_logger.isEnabledFor(_DEBUG):
        return
    logs.log_statement(
        name=logs.statement_name(query),
        duration_ms=duration_ms,
        rows=rows,
        error=None,
        role=ctx.role,
        user_id=ctx.user_id,
        slow_ms=ctx.slow_ms,
    )


def _trusting(conn: Any, query: object) -> StatementContext:
    """The connection's context, trusting `query` to leave the session clean if it does."""
    ctx = _context(conn)
    if ctx is not _NO_CONTEXT:
        ctx.trusted = leaves_session_clean(query)
        if not ctx.trusted:
            ctx.dirty = True  # also without the _start_query hook below (a psycopg upgrade)
    return ctx


def _raise(conn: Any, query: object, start: float, exc: BaseException) -> NoReturn:
    """A statement failed: translate the error, log it, raise chatdb's (or the original)."""
    duration_ms = (_clock() - start) * 1000
    name = logs.statement_name(query)
    translated = errors.translate(exc, statement=name)
    ctx = _context(conn)
    logs.log_statement(
        name=name,
        duration_ms=duration_ms,
        rows=None,
        error=translated,
        role=ctx.role,
        user_id=ctx.user_id,
        slow_ms=ctx.slow_ms,
    )
    if translated is exc:
        raise exc
    raise translated from exc


class Cursor(psycopg.Cursor[_ROW]):
    __slots__ = ()

    def execute(
        self,
        query: Query,
        params: Params | None = None,
        *,
        prepare: bool | None = None,
        binary: bool | None = None,
    ) -> Cursor:
        start = _clock()
        ctx = _trusting(self._conn, query)
        try:
            super().execute(cast(Any, query), params, prepare=prepare, binary=binary)
        except psycopg.Error as exc:
            _raise(self._conn, query, start, exc)
        finally:
            ctx.trusted = False
        _done(self._conn, query, start, self.rowcount)
        return self

    def executemany(
        self, query: Query, params_seq: Iterable[Params], *, returning: bool = False
    ) -> None:
        start = _clock()
        ctx = _trusting(self._conn, query)
        try:
            super().executemany(query, params_seq, returning=returning)
        except psycopg.Error as exc:
            _raise(self._conn, query, start, exc)
        finally:
            ctx.trusted = False
        _done(self._conn, query, start, self.rowcount)

    @contextmanager
    def copy(
        self, statement: Query, params: Params | None = None, *, writer: Any = None
    ) -> Iterator[psycopg.Copy]:
        start = _clock()
        try:
            with super().copy(statement, params, writer=writer) as copy:
                yield copy
        except psycopg.Error as exc:
            _raise(self._conn, statement, start, exc)
        except _COPY_ENCODING_ERRORS as exc:
            # Binary COPY encodes each value client-side: a wrong type, an int beyond int4 or a
            # naive datetime fails in Python, after which the COPY is abandoned (nothing loads).
            raise _copy_input_error(exc) from exc
        _done(self._conn, statement, start, self.rowcount)


_COPY_ENCODING_ERRORS = (TypeError, ValueError, OverflowError, AttributeError)


def _copy_input_error(exc: BaseException) -> errors.InvalidInput:
    return errors.InvalidInput(
        f"a row cannot be encoded for COPY ({type(exc).__name__}); nothing was loaded"
    )


class ServerCursor(psycopg.ServerCursor[_ROW]):
    __slots__ = ()

    def execute(
        self,
        query: Query,
        params: Params | None = None,
        *,
        binary: bool | None = None,
        **kwargs: Any,
    ) -> ServerCursor:
        start = _clock()
        try:
            super().execute(cast(Any, query), params, binary=binary, **kwargs)
        except psycopg.Error as exc:
            _raise(self._conn, query, start, exc)
        _done(self._conn, query, start, None)
        return self


class AsyncCursor(psycopg.AsyncCursor[_ROW]):
    __slots__ = ()

    async def execute(
        self,
        query: Query,
        params: Params | None = None,
        *,
        prepare: bool | None = None,
        binary: bool | None = None,
    ) -> AsyncCursor:
        start = _clock()
        ctx = _trusting(self._conn, query)
        try:
            await super().execute(cast(Any, query), params, prepare=prepare, binary=binary)
        except psycopg.Error as exc:
            _raise(self._conn, query, start, exc)
        finally:
            ctx.trusted = False
        _done(self._conn, query, start, self.rowcount)
        return self

    async def executemany(
        self, query: Query, params_seq: Iterable[Params], *, returning: bool = False
    ) -> None:
        start = _clock()
        ctx = _trusting(self._conn, query)
        try:
            await super().executemany(query, params_seq, returning=returning)
        except psycopg.Error as exc:
            _raise(self._conn, query, start, exc)
        finally:
            ctx.trusted = False
        _done(self._conn, query, start, self.rowcount)

    @asynccontextmanager
    async def copy(
        self, statement: Query, params: Params | None = None, *, writer: Any = None
    ) -> AsyncIterator[psycopg.AsyncCopy]:
        start = _clock()
        try:
            async with super().copy(statement, params, writer=writer) as copy:
                yield copy
        except psycopg.Error as exc:
            _raise(self._conn, statement, start, exc)
        except _COPY_ENCODING_ERRORS as exc:
            raise _copy_input_error(exc) from exc
        _done(self._conn, statement, start, self.rowcount)


class AsyncServerCursor(psycopg.AsyncServerCursor[_ROW]):
    __slots__ = ()

    async def execute(
        self,
        query: Query,
        params: Params | None = None,
        *,
        binary: bool | None = None,
        **kwargs: Any,
    ) -> AsyncServerCursor:
        start = _clock()
        try:
            await super().execute(cast(Any, query), params, binary=binary, **kwargs)
        except psycopg.Error as exc:
            _raise(self._conn, query, start, exc)
        _done(self._conn, query, start, None)
        return self


class Connection(psycopg.Connection[_ROW]):
    """A psycopg connection that knows who runs its current transaction, and whether anything
    but generated statements ran on it since its session was last reset."""

    chatdb_context: StatementContext

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chatdb_context = StatementContext()
        self.cursor_factory = Cursor
        self.server_cursor_factory = ServerCursor

    def _start_query(self) -> PQGen[None]:
        # Every cursor of every class starts each query here (psycopg's BaseCursor calls it),
        # so a statement not vouched for by our cursors marks the session dirty.
        _mark_untrusted(self.chatdb_context)
        return super()._start_query()


class AsyncConnection(psycopg.AsyncConnection[_ROW]):
    """The asyncio twin of `Connection`."""

    chatdb_context: StatementContext

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chatdb_context = StatementContext()
        self.cursor_factory = AsyncCursor
        self.server_cursor_factory = AsyncServerCursor

    def _start_query(self) -> PQGen[None]:
        _mark_untrusted(self.chatdb_context)
        return super()._start_query()


def _mark_untrusted(ctx: StatementContext) -> None:
    if not ctx.trusted:
        ctx.dirty = True
