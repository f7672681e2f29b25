"""Benchmark of the read cache: median latency of a cached read vs the same read from
PostgreSQL, and the hit rate of a skewed workload. `make bench` calls `bench_cached_read`;
`python -m chatdb.cache.bench` runs it on DATABASE_URL (migrated) and REDIS_URL.

The read is a shared chat's page (the chat and its latest messages, one statement). Both sides
go through the path an application uses: uncached = a read-only anonymous transaction running
the query (what a miss costs); cached = `CachedQuery.__call__`, starting from a cold cache,
ids drawn from a Zipf-like distribution (a few popular public chats).
"""

from __future__ import annotations

import datetime
import os
import random
import statistics
import time
import uuid
from typing import Any, Final

import psycopg
import redis
from pydantic import BaseModel, ConfigDict, JsonValue

from chatdb.cache.core import ANONYMOUS
from chatdb.cache.settings import load_cache_settings
from chatdb.cache.sync import ReadCache
from chatdb.database import Database

DEFAULT_REDIS_URL: Final = "redis://127.0.0.1:6379/0"


class PageMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    role: str
    parts: JsonValue
    created_at: datetime.datetime


class PublicChatPage(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    title: str
    model: str | None
    updated_at: datetime.datetime
    messages: list[PageMessage]


GET_PUBLIC_CHAT_PAGE: Final = """-- name: GetPublicChatPage :one
SELECT c.id, c.title, c.model, c.updated_at,
       coalesce((
           SELECT json_agg(json_build_object(
                      'id', m.id, 'role', m.role, 'parts', m.parts, 'created_at', m.created_at
                  ) ORDER BY m.created_at, m.id)
           FROM (
               SELECT id, role, parts, created_at FROM messages
               WHERE chat_id = c.id ORDER BY created_at DESC, id DESC LIMIT 50
           ) AS m
       ), '[]'::json) AS messages
FROM chats AS c WHERE c.id = %(id)s"""


def get_public_chat_page(conn: psycopg.Connection[Any], *, id: uuid.UUID) -> PublicChatPage | None:
    """What a shared chat's page shows: the chat and its latest 50 messages, in one
    statement (shaped like a generated query; the benchmark does not depend on which
    db/queries files exist)."""
    row = conn.execute(GET_PUBLIC_CHAT_PAGE, {"id": id}).fetchone()
    if row is None:
        return None
    return PublicChatPage(id=row[0], title=row[1], model=row[2], updated_at=row[3], messages=row[4])


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def bench_cached_read(
    database: Database | None = None,
    *,
    redis_url: str | None = None,
    reads: int = 2000,
    distinct: int = 50,
    messages_per_chat: int = 20,
    seed: int = 7,
) -> dict[str, float]:
    """Median/p95 latency (ms) of uncached and cached reads, the speedup of the medians, and
    the hit rate. Creates one user with `distinct` public chats and removes them afterwards;
    its Redis keys live under a prefix of their own, removed afterwards too."""
    own_database = database is None
    db = database or Database()
    url = redis_url or os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    prefix = f"chatdb-bench-{uuid.uuid4().hex[:8]}"
    user_id, chat_ids = _make_chats(db, distinct, messages_per_chat)
    cache = ReadCache(db, settings=load_cache_settings(redis_url=url, prefix=prefix))
    try:
        summaries = cache.cached(get_public_chat_page, tags={"chat": "id"})
        rng = random.Random(seed)  # noqa: S311 -- a reproducible workload, not a secret
        weights = [1 / (rank + 1) for rank in range(distinct)]
        workload = rng.choices(chat_ids, weights=weights, k=reads)
        for chat_id in chat_ids[:5]:  # warm the pool and the statement cache, not the cache
            summaries.uncached(ANONYMOUS, id=chat_id)

        uncached: list[float] = []
        for chat_id in workload:
            started = time.perf_counter()
            summaries.uncached(ANONYMOUS, id=chat_id)
            uncached.append((time.perf_counter() - started) * 1000)

        cached: list[float] = []
        for chat_id in workload:
            started = time.perf_counter()
            summaries(ANONYMOUS, id=chat_id)
            cached.append((time.perf_counter() - started) * 1000)
        stats = cache.stats()
    finally:
        cache.invalidate_all()
        cache.close()
        _remove_prefix(url, prefix)
        with db.system() as conn:
            conn.execute("DELETE FROM users WHERE id = %s", (user_id,))
        if own_database:
            db.close()
    uncached_median = statistics.median(uncached)
    cached_median = statistics.median(cached)
    return {
        "reads": float(reads),
        "distinct_keys": float(distinct),
        "uncached_median_ms": round(uncached_median, 4),
        "uncached_p95_ms": round(_percentile(uncached, 0.95), 4),
        "cached_median_ms": round(cached_median, 4),
        "cached_p95_ms": round(_percentile(cached, 0.95), 4),
        "speedup": round(uncached_median / cached_median, 2),
        "hit_rate": round(stats["hit_rate"], 4),
        "hits": stats["hits"],
        "misses": stats["misses"],
    }


def format_result(result: dict[str, float]) -> str:
    """Two lines for the benchmark report."""
    return (
        f"read cache: uncached median {result['uncached_median_ms']:.3f} ms "
        f"(p95 {result['uncached_p95_ms']:.3f}), cached median "
        f"{result['cached_median_ms']:.3f} ms (p95 {result['cached_p95_ms']:.3f}): "
        f"{result['speedup']:.1f}x faster (target >= 5x)\n"
        f"read cache: hit rate {result['hit_rate']:.1%} "
        f"({result['hits']:.0f} hits, {result['misses']:.0f} misses over "
        f"{result['distinct_keys']:.0f} keys, {result['reads']:.0f} reads)"
    )


def _make_chats(db: Database, distinct: int, messages: int) -> tuple[uuid.UUID, list[uuid.UUID]]:
    with db.system() as conn:
        row = conn.execute(
            "INSERT INTO users (email) VALUES (%s) RETURNING id",
            (f"bench-cache-{uuid.uuid4().hex[:12]}@example.com",),
        ).fetchone()
        assert row is not None
        user_id: uuid.UUID = row[0]
        rows = conn.execute(
            """INSERT INTO chats (user_id, title, visibility, model)
               SELECT %(user_id)s, 'bench chat ' || n, 'public', 'gpt-bench'
               FROM generate_series(1, %(n)s) AS n RETURNING id""",
            {"user_id": user_id, "n": distinct},
        ).fetchall()
        chat_ids = [r[0] for r in rows]
        conn.execute(
            """INSERT INTO messages (chat_id, role, parts)
               SELECT c, 'user', '[{"type": "text", "text": "hello"}]'::jsonb
               FROM unnest(%(chats)s::uuid[]) AS c, generate_series(1, %(m)s)""",
            {"chats": chat_ids, "m": messages},
        )
    return user_id, chat_ids


def _remove_prefix(url: str, prefix: str) -> None:
    try:
        client = redis.Redis.from_url(url, socket_timeout=2)
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        for start in range(0, len(keys), 500):
            client.unlink(*keys[start : start + 500])
        client.close()
    except (redis.RedisError, OSError):
        pass


def main() -> None:
    print(format_result(bench_cached_read()))


if __name__ == "__main__":
    main()
