# Generated from src/chatdb/aio/cursors.py by tools/async_to_sync.py. DO NOT EDIT:
# edit the async source, then run `make sync-twins` (also part of `make generate`).
"""Cursor and connection classes that log every statement by name and translate its errors.

They are installed on pooled connections by `Database`, so generated query
functions (which only see a psycopg connection) get logging and typed errors for free; what
happens around each statement is in `chatdb.statements`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
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


class _Copy(CopyRows):
    def write_row(self, row: Any) -> None:
        try:
            self._copy.write_row(row)
        except Exception as exc:
            self._note(row, exc)
            raise


class Cursor(psycopg.Cursor[_ROW]):
    __slots__ = ()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        super().__exit__(exc_type, exc_val, exc_tb)
        failure = exit_error(exc_val)
        if failure is not None:
            raise failure

    def execute(
        self,
        query: Query,
        params: Params | None = None,
        *,
        prepare: bool | None = None,
        binary: bool | None = None,
    ) -> Cursor:
        timer = StatementTimer(self._conn, query)
        ctx = trusting(self._conn, query)
        try:
            super().execute(cast(Any, query), params, prepare=prepare, binary=binary)
        except Exception as exc:
            failure = failure_for(timer, exc, self, params)
        else:
            timer.done(self.rowcount)
            return self
        finally:
            ctx.trusted = False
        raise failure

    def executemany(
        self, query: Query, params_seq: Iterable[Params], *, returning: bool = False
    ) -> None:
        timer = StatementTimer(self._conn, query)
        ctx = trusting(self._conn, query)
        try:
            super().executemany(query, params_seq, returning=returning)
        except Exception as exc:
            failure = failure_for(timer, exc, self, None)
        else:
            timer.done(self.rowcount)
            return
        finally:
            ctx.trusted = False
        raise failure

    @contextmanager
    def copy(
        self, statement: Query, params: Params | None = None, *, writer: Any = None
    ) -> Iterator[psycopg.Copy]:
        timer = StatementTimer(self._conn, statement)
        failure: BaseException | None = None
        rows: _Copy | None = None
        try:
            with super().copy(statement, params, writer=writer) as copy:
                rows = _Copy(copy, statement)
                yield cast(psycopg.Copy, rows)
        except Exception as exc:
            failure = copy_failure(timer, exc, rows or _Copy(None, statement))
        if failure is not None:
            raise failure
        timer.done(self.rowcount)


class ServerCursor(psycopg.ServerCursor[_ROW]):
    __slots__ = ()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        super().__exit__(exc_type, exc_val, exc_tb)
        failure = exit_error(exc_val)
        if failure is not None:
            raise failure

    def execute(
        self,
        query: Query,
        params: Params | None = None,
        *,
        binary: bool | None = None,
        **kwargs: Any,
    ) -> ServerCursor:
        timer = StatementTimer(self._conn, query)
        try:
            super().execute(cast(Any, query), params, binary=binary, **kwargs)
        except Exception as exc:
            failure = failure_for(timer, exc, self, params)
        else:
            timer.done(None)
            return self
        raise failure


class Connection(psycopg.Connection[_ROW]):
    """A psycopg connection that knows who runs its current transaction, and whether anything
    but generated statements ran on it since its session was last reset."""

    chatdb_context: StatementContext

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chatdb_context = StatementContext()
        self.cursor_factory = Cursor
        self.server_cursor_factory = ServerCursor
        finite.install(self)

    def _start_query(self) -> PQGen[None]:
        # Every cursor of every class starts each query here (psycopg's BaseCursor calls it),
        # so a statement not vouched for by our cursors marks the session dirty.
        mark_untrusted(self.chatdb_context)
        return super()._start_query()
