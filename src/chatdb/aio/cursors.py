"""Cursor and connection classes that log every statement by name and translate its errors.

They are installed on pooled connections by `AsyncDatabase`, so generated query
functions (which only see a psycopg connection) get logging and typed errors for free; what
happens around each statement is in `chatdb.statements`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, cast

import psycopg
from psycopg.abc import Params, PQGen, Query

from chatdb import finite
from chatdb.statements import (
    CopyRows,
    StatementContext,
    StatementTimer,
    copy_failure,
    exit_error,
    failure_for,
    mark_untrusted,
    trusting,
)

_ROW = Any


class _AsyncCopy(CopyRows):
    async def write_row(self, row: Any) -> None:
        try:
            await self._copy.write_row(row)
        except Exception as exc:
            self._note(row, exc)
            raise


class AsyncCursor(psycopg.AsyncCursor[_ROW]):
    __slots__ = ()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        await super().__aexit__(exc_type, exc_val, exc_tb)
        failure = exit_error(exc_val)
        if failure is not None:
            raise failure

    async def execute(
        self,
        query: Query,
        params: Params | None = None,
        *,
        prepare: bool | None = None,
        binary: bool | None = None,
    ) -> AsyncCursor:
        timer = StatementTimer(self._conn, query)
        ctx = trusting(self._conn, query)
        try:
            await super().execute(cast(Any, query), params, prepare=prepare, binary=binary)
        except Exception as exc:
            failure = failure_for(timer, exc, self, params)
        else:
            timer.done(self.rowcount)
            return self
        finally:
            ctx.trusted = False
        raise failure

    async def executemany(
        self, query: Query, params_seq: Iterable[Params], *, returning: bool = False
    ) -> None:
        timer = StatementTimer(self._conn, query)
        ctx = trusting(self._conn, query)
        try:
            await super().executemany(query, params_seq, returning=returning)
        except Exception as exc:
            failure = failure_for(timer, exc, self, None)
        else:
            timer.done(self.rowcount)
            return
        finally:
            ctx.trusted = False
        raise failure

    @asynccontextmanager
    async def copy(
        self, statement: Query, params: Params | None = None, *, writer: Any = None
    ) -> AsyncIterator[psycopg.AsyncCopy]:
        timer = StatementTimer(self._conn, statement)
        failure: BaseException | None = None
        rows: _AsyncCopy | None = None
        try:
            async with super().copy(statement, params, writer=writer) as copy:
                rows = _AsyncCopy(copy, statement)
                yield cast(psycopg.AsyncCopy, rows)
        except Exception as exc:
            failure = copy_failure(timer, exc, rows or _AsyncCopy(None, statement))
        if failure is not None:
            raise failure
        timer.done(self.rowcount)


class AsyncServerCursor(psycopg.AsyncServerCursor[_ROW]):
    __slots__ = ()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        await super().__aexit__(exc_type, exc_val, exc_tb)
        failure = exit_error(exc_val)
        if failure is not None:
            raise failure

    async def execute(
        self,
        query: Query,
        params: Params | None = None,
        *,
        binary: bool | None = None,
        **kwargs: Any,
    ) -> AsyncServerCursor:
        timer = StatementTimer(self._conn, query)
        try:
            await super().execute(cast(Any, query), params, binary=binary, **kwargs)
        except Exception as exc:
            failure = failure_for(timer, exc, self, params)
        else:
            timer.done(None)
            return self
        raise failure


class AsyncConnection(psycopg.AsyncConnection[_ROW]):
    """A psycopg connection that knows who runs its current transaction, and whether anything
    but generated statements ran on it since its session was last reset."""

    chatdb_context: StatementContext

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chatdb_context = StatementContext()
        self.cursor_factory = AsyncCursor
        self.server_cursor_factory = AsyncServerCursor
        finite.install(self)

    def _start_query(self) -> PQGen[None]:
        # Every cursor of every class starts each query here (psycopg's BaseCursor calls it),
        # so a statement not vouched for by our cursors marks the session dirty.
        mark_untrusted(self.chatdb_context)
        return super()._start_query()
