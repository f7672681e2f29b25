"""Runs the per-call workloads: binds each variant to its backend's unit of work and times it."""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from bench.backends import AsyncBackends, SyncBackends
from bench.harness import AsyncVariant, Cell, Progress, SyncVariant, run_async, run_sync
from bench.workloads import Spec, Workload


def available(module: str | None) -> bool:
    return module is None or importlib.util.find_spec(module) is not None


def _sync_unit(b: SyncBackends, spec: Spec) -> Any:
    make, kind = spec.make, spec.backend

    @contextmanager
    def unit(k: int) -> Iterator[Any]:
        if kind == "psycopg":
            conn = b.psycopg[k]
            with conn.transaction():
                yield make(conn)
        elif kind == "psycopg/call":
            yield make(b.psycopg[k])
        elif kind == "database":
            with b.database.system() as conn:
                yield make(conn)
        elif kind == "database/call":
            yield make(b.database)
        elif kind == "sa-core":
            with b.engine.begin() as c:
                yield make(c)
        elif kind == "sa-orm":
            from sqlalchemy.orm import Session

            with Session(b.engine) as s, s.begin():
                yield make(s)
        else:
            raise ValueError(kind)

    return unit


def _async_unit(b: AsyncBackends, spec: Spec, pg_json: list[Any]) -> Any:
    make, kind = spec.make, spec.backend

    @asynccontextmanager
    async def unit(k: int) -> AsyncIterator[Any]:
        if kind == "apsycopg":
            conn = b.psycopg[k]
            async with conn.transaction():
                yield make(conn)
        elif kind == "apsycopg/call":
            yield make(b.psycopg[k])
        elif kind == "adatabase":
            assert b.database is not None
            async with b.database.system() as conn:
                yield make(conn)
        elif kind == "adatabase/call":
            yield make(b.database)
        elif kind in ("asyncpg", "asyncpg-json"):
            conn = (b.asyncpg if kind == "asyncpg" else pg_json)[k]
            async with conn.transaction():
                yield make(conn)
        else:
            raise ValueError(kind)

    return unit


def run_sync_cell(
    url: str, w: Workload, clients: int, rounds: int, calls: int, progress: Progress
) -> Cell:
    specs = [s for s in w.sync if available(s.needs)]
    skipped = {
        s.name: f"skipped: {s.needs} not installed" for s in w.sync if not available(s.needs)
    }
    with SyncBackends(url, clients) as b:
        # Opened here, before any client thread starts (lazy opening from 8 threads would race).
        kinds = {s.backend.split("/")[0] for s in specs}
        if "psycopg" in kinds:
            _ = b.psycopg
        if "database" in kinds:
            _ = b.database
        if kinds & {"sa-core", "sa-orm"}:
            _ = b.engine
        variants = [SyncVariant(s.name, _sync_unit(b, s)) for s in specs]
        stats = run_sync(variants, clients=clients, rounds=rounds, calls=calls, progress=progress)
    return Cell(w.key, "sync", clients, stats, skipped)


async def _run_async_cell(
    url: str, w: Workload, clients: int, rounds: int, calls: int, progress: Progress
) -> Cell:
    specs = [s for s in w.aio if available(s.needs)]
    skipped = {s.name: f"skipped: {s.needs} not installed" for s in w.aio if not available(s.needs)}
    b = AsyncBackends(url, clients)
    pg_json: list[Any] = []
    try:
        await b.open(want_asyncpg=any(s.backend.startswith("asyncpg") for s in specs))
        if any(s.backend == "asyncpg-json" for s in specs):
            import asyncpg
            import orjson

            for _ in range(clients):
                conn = await asyncpg.connect(url)
                for typ in ("json", "jsonb"):
                    await conn.set_type_codec(
                        typ,
                        encoder=lambda v: orjson.dumps(v).decode(),
                        decoder=orjson.loads,
                        schema="pg_catalog",
                    )
                pg_json.append(conn)
        variants = [AsyncVariant(s.name, _async_unit(b, s, pg_json)) for s in specs]
        stats = await run_async(
            variants, clients=clients, rounds=rounds, calls=calls, progress=progress
        )
    finally:
        for conn in pg_json:
            await conn.close()
        await b.close()
    return Cell(w.key, "async", clients, stats, skipped)


def run_async_cell(
    url: str, w: Workload, clients: int, rounds: int, calls: int, progress: Progress
) -> Cell:
    return asyncio.run(_run_async_cell(url, w, clients, rounds, calls, progress))
