"""Connections for one benchmark cell, opened lazily and closed together.

One cell = one workload at one concurrency. Each backend opens one connection per client:
raw psycopg and the generated code called directly share the same plain psycopg connections
(never at the same time: variants run in turn), `chatdb.Database` has its own pool, SQLAlchemy
its own engine, asyncpg its own connections. Every connection is to the same database.
"""

from __future__ import annotations

import re
from contextlib import AbstractAsyncContextManager, AbstractContextManager, ExitStack
from typing import Any

import psycopg

from chatdb import AsyncDatabase, Database

# psycopg's named placeholders, for rewriting a generated statement into asyncpg's `$n`.
_NAMED = re.compile(r"%\((\w+)\)s")


def to_dollar(sql: str) -> tuple[str, list[str]]:
    """`%(name)s` -> `$n` (first appearance order), `%%` -> `%`; and the parameter names."""
    names: list[str] = []

    def sub(m: re.Match[str]) -> str:
        if m.group(1) not in names:
            names.append(m.group(1))
        return f"${names.index(m.group(1)) + 1}"

    return _NAMED.sub(sub, sql).replace("%%", "%"), names


def _settings(clients: int) -> dict[str, Any]:
    return {"pool_min_size": clients, "pool_max_size": clients, "pool_timeout_s": 60.0}


class SyncBackends:
    def __init__(self, url: str, clients: int) -> None:
        self.url = url
        self.clients = clients
        self._psycopg: list[psycopg.Connection[Any]] | None = None
        self._database: Database | None = None
        self._engine: Any = None
        self._stack = ExitStack()

    @property
    def psycopg(self) -> list[psycopg.Connection[Any]]:
        """Plain psycopg connections with psycopg's default settings (stdlib json loads)."""
        if self._psycopg is None:
            self._psycopg = [psycopg.connect(self.url) for _ in range(self.clients)]
            for conn in self._psycopg:
                self._stack.callback(conn.close)
        return self._psycopg

    @property
    def database(self) -> Database:
        if self._database is None:
            self._database = Database(self.url, **_settings(self.clients))
            self._database.pool.wait(timeout=60)
            self._stack.callback(self._database.close)
        return self._database

    @property
    def engine(self) -> Any:
        if self._engine is None:
            from sqlalchemy import create_engine

            from bench.sa_models import engine_url

            self._engine = create_engine(
                engine_url(self.url), pool_size=self.clients, max_overflow=0
            )
            self._stack.callback(self._engine.dispose)
        return self._engine

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> SyncBackends:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncBackends:
    def __init__(self, url: str, clients: int) -> None:
        self.url = url
        self.clients = clients
        self.psycopg: list[psycopg.AsyncConnection[Any]] = []
        self.database: AsyncDatabase | None = None
        self.asyncpg: list[Any] = []

    async def open(self, *, want_asyncpg: bool, asyncpg_json: bool = False) -> None:
        self.psycopg = [
            await psycopg.AsyncConnection.connect(self.url) for _ in range(self.clients)
        ]
        self.database = AsyncDatabase(self.url, **_settings(self.clients))
        await self.database.open()
        await self.database.pool.wait(timeout=60)
        if want_asyncpg:
            import asyncpg

            self.asyncpg = [await asyncpg.connect(self.url) for _ in range(self.clients)]

    async def close(self) -> None:
        for conn in self.psycopg:
            await conn.close()
        if self.database is not None:
            await self.database.close()
        for conn in self.asyncpg:
            await conn.close()


SyncUnit = AbstractContextManager[Any]
AsyncUnit = AbstractAsyncContextManager[Any]
