"""Benchmark of the read cache: median latency of a cached read vs the same read from
PostgreSQL, and the hit rate of a skewed workload. `make bench` calls `bench_cached_read`;
`python -m chatdb.cache.bench [--reads N --distinct K]` runs it on DATABASE_URL (migrated) and
REDIS_URL.

The reads are generated queries as the product caches them (`CachedReads`): the page of a
shared public chat that anonymous visitors open (`chats.get_chat_with_recent_messages`, the
chat with its latest 50 messages: the headline, being the read a cache exists for), the bare
public chat row (`chats.get_chat_by_id`) and a public companion's profile
(`companions.get_companion`). The two single-row reads show the floor: a primary-key lookup
costs about as much as a Redis round trip, so caching it gains little. Both sides go through the path an application uses: uncached =
a read-only anonymous transaction running the query (what a miss costs); cached =
`CachedQuery.__call__`, starting from a cold cache, ids drawn from a Zipf-like distribution (a
few popular chats). The two variants alternate call by call (the order flips every
iteration, as in bench/harness.py), so noise from other processes lands on both alike.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import redis

from chatdb.cache import core
from chatdb.cache.core import ANONYMOUS, signed_in
from chatdb.cache.settings import load_cache_settings
from chatdb.cache.sync import CachedQuery, ReadCache
from chatdb.database import Database
from chatdb.queries import chats, companions, usage

DEFAULT_REDIS_URL: Final = "redis://127.0.0.1:6379/0"
# The workload `make bench` judges against the >= 5x target, then the others.
HEADLINE: Final = "usage_dashboard"
PAGE_MESSAGES: Final = 50
# Usage rows per dashboard user: about a month of a busy user's requests.
DASHBOARD_ROWS: Final = 3000
DASHBOARD_USERS: Final = 20
TITLES: Final = {
    "usage_dashboard": f"UsageByProviderModel (30 days, {DASHBOARD_ROWS:,} requests), signed in",
    "public_chat_page": f"GetChatWithRecentMessages ({PAGE_MESSAGES}), public chat, anonymous",
    "public_chat": "GetChatByID, public chat, anonymous",
    "companion": "GetCompanion, public profile, anonymous",
}


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


Call = tuple[core.CacheScope, dict[str, Any]]


def _interleaved(read: CachedQuery[Any, Any], calls: list[Call]) -> tuple[list[float], list[float]]:
    """Latencies (ms) of uncached and cached calls, alternating per iteration."""
    clock = time.perf_counter
    uncached: list[float] = []
    cached: list[float] = []
    variants: list[tuple[Callable[..., Any], list[float]]] = [
        (read.uncached, uncached),
        (read, cached),
    ]
    for n, (scope, kwargs) in enumerate(calls):
        for call, out in variants if n % 2 == 0 else variants[::-1]:
            started = clock()
            value = call(scope, **kwargs)
            out.append((clock() - started) * 1000)
            if not value:
                raise RuntimeError("the benchmark read found no row (RLS or seed data?)")
    return uncached, cached


def bench_cached_read(
    database: Database | None = None,
    *,
    redis_url: str | None = None,
    reads: int = 2000,
    distinct: int = 50,
    seed: int = 7,
) -> dict[str, Any]:
    """Per workload: median/p95 latency (ms) of uncached and cached reads, the speedup of the
    medians and the hit rate; the headline workload's figures also at the top level. Creates
    one user with `distinct` public chats and companions and removes them afterwards; its
    Redis keys live under a prefix of their own, removed afterwards too."""
    own_database = database is None
    db = database or Database()
    url = redis_url or os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    prefix = f"chatdb-bench-{uuid.uuid4().hex[:8]}"
    user_ids, calls = _make_rows(db, distinct)
    cache = ReadCache(db, settings=load_cache_settings(redis_url=url, prefix=prefix))
    workloads: dict[str, dict[str, float]] = {}
    try:
        cache.connection()[0].ping()  # connect the pool, not warm the cache
        reads_: dict[str, CachedQuery[Any, Any]] = {
            "usage_dashboard": cache.cached(
                usage.usage_by_provider_model, tags={"user": "user_id"}
            ),
            "public_chat_page": cache.cached(
                chats.get_chat_with_recent_messages, tags={"chat": "id"}
            ),
            "public_chat": cache.cached(chats.get_chat_by_id, tags={"chat": "id"}),
            "companion": cache.cached(companions.get_companion, tags={"companion": "id"}),
        }
        rng = random.Random(seed)  # noqa: S311 -- a reproducible workload, not a secret
        for key, read in reads_.items():
            choices = calls[key]
            for scope, kwargs in choices[:5]:  # warm the pool and statement cache, not the cache
                read.uncached(scope, **kwargs)
            before = cache.stats()
            weights = [1 / (rank + 1) for rank in range(len(choices))]
            uncached, cached = _interleaved(read, rng.choices(choices, weights=weights, k=reads))
            after = cache.stats()
            hits, misses = after["hits"] - before["hits"], after["misses"] - before["misses"]
            workloads[key] = _summary(uncached, cached, hits, misses, reads, len(choices))
    finally:
        cache.invalidate_all()
        cache.close()
        _remove_prefix(url, prefix)
        with db.system() as conn:
            conn.execute("DELETE FROM users WHERE id = ANY(%s)", (user_ids,))
        if own_database:
            db.close()
    return {
        **workloads[HEADLINE],
        "headline": HEADLINE,
        "workloads": {key: {"title": TITLES[key], **w} for key, w in workloads.items()},
    }


def _summary(
    uncached: list[float], cached: list[float], hits: float, misses: float, reads: int, keys: int
) -> dict[str, float]:
    uncached_median = statistics.median(uncached)
    cached_median = statistics.median(cached)
    looked_up = hits + misses
    return {
        "reads": float(reads),
        "distinct_keys": float(keys),
        "uncached_median_ms": round(uncached_median, 4),
        "uncached_p95_ms": round(_percentile(uncached, 0.95), 4),
        "cached_median_ms": round(cached_median, 4),
        "cached_p95_ms": round(_percentile(cached, 0.95), 4),
        "speedup": round(uncached_median / cached_median, 2),
        "hit_rate": round(hits / looked_up, 4) if looked_up else 0.0,
        "hits": hits,
        "misses": misses,
    }


def format_result(result: dict[str, Any]) -> str:
    """One line per workload for the benchmark report."""
    lines = []
    for key, w in result["workloads"].items():
        target = " (target >= 5x)" if key == result["headline"] else ""
        lines.append(
            f"read cache, {w['title']}: uncached median {w['uncached_median_ms']:.3f} ms "
            f"(p95 {w['uncached_p95_ms']:.3f}), cached {w['cached_median_ms']:.3f} ms "
            f"(p95 {w['cached_p95_ms']:.3f}): {w['speedup']:.1f}x{target}; hit rate "
            f"{w['hit_rate']:.1%} ({w['hits']:.0f} hits, {w['misses']:.0f} misses, "
            f"{w['distinct_keys']:.0f} keys, {w['reads']:.0f} reads)"
        )
    return "\n".join(lines)


def _make_rows(db: Database, distinct: int) -> tuple[list[uuid.UUID], dict[str, list[Call]]]:
    """The benchmark's rows (one owner of `distinct` public chats and companions, and
    dashboard users with a month of usage), and the calls each workload draws from."""
    since = datetime.now(UTC) - timedelta(days=30)
    with db.system() as conn:
        row = conn.execute(
            "INSERT INTO users (email) VALUES (%s) RETURNING id",
            (f"bench-cache-{uuid.uuid4().hex[:12]}@example.com",),
        ).fetchone()
        assert row is not None
        user_id: uuid.UUID = row[0]
        chat_rows = conn.execute(
            """INSERT INTO chats (user_id, title, visibility, model)
               SELECT %(user_id)s, 'bench chat ' || n, 'public', 'gpt-bench'
               FROM generate_series(1, %(n)s) AS n RETURNING id""",
            {"user_id": user_id, "n": distinct},
        ).fetchall()
        chat_ids = [r[0] for r in chat_rows]
        companion_rows = conn.execute(
            """INSERT INTO companions (user_id, name, description, is_public, model, personality)
               SELECT %(user_id)s, 'bench companion ' || n, 'a companion to benchmark', true,
                      'gpt-bench', '{"tone": "friendly", "traits": ["curious", "kind"]}'
               FROM generate_series(1, %(n)s) AS n RETURNING id""",
            {"user_id": user_id, "n": distinct},
        ).fetchall()
        # A realistic shared conversation: alternating turns with a few paragraphs each.
        conn.execute(
            """INSERT INTO messages (chat_id, role, parts, input_tokens, output_tokens,
                                     created_at)
               SELECT c.id, (CASE WHEN n %% 2 = 0 THEN 'user' ELSE 'assistant' END)::message_role,
                      jsonb_build_array(jsonb_build_object(
                          'type', 'text', 'text', repeat('a sentence of a reply. ', 20))),
                      40, 300, now() - make_interval(secs => 60 - n)
               FROM unnest(%(chats)s::uuid[]) AS c (id), generate_series(1, %(n)s) AS n""",
            {"chats": chat_ids, "n": PAGE_MESSAGES},
        )
        dashboard_rows = conn.execute(
            """INSERT INTO users (email)
               SELECT format('bench-cache-dash-%%s-%%s@example.com', n, md5(random()::text))
               FROM generate_series(1, %(n)s) AS n RETURNING id""",
            {"n": min(distinct, DASHBOARD_USERS)},
        ).fetchall()
        dashboard_users = [r[0] for r in dashboard_rows]
        conn.execute(
            """INSERT INTO usage_logs (user_id, provider, model, input_tokens, output_tokens,
                                       cost, created_at)
               SELECT u.id, (ARRAY['openai', 'anthropic', 'google'])[1 + n %% 3],
                      (ARRAY['small', 'large', 'reasoning'])[1 + n %% 3 + n %% 2 - n %% 2],
                      500 + n %% 900, 200 + n %% 700, (n %% 100) / 10000.0,
                      now() - make_interval(mins => n * 14)
               FROM unnest(%(users)s::uuid[]) AS u (id), generate_series(1, %(n)s) AS n""",
            {"users": dashboard_users, "n": DASHBOARD_ROWS},
        )
    return [user_id, *dashboard_users], {
        "usage_dashboard": [
            (signed_in(u), {"user_id": u, "since": since}) for u in dashboard_users
        ],
        "public_chat_page": [
            (ANONYMOUS, {"id": c, "message_limit": PAGE_MESSAGES}) for c in chat_ids
        ],
        "public_chat": [(ANONYMOUS, {"id": c}) for c in chat_ids],
        "companion": [(ANONYMOUS, {"id": r[0]}) for r in companion_rows],
    }


def _remove_prefix(url: str, prefix: str) -> None:
    try:
        client = redis.Redis.from_url(url, socket_timeout=2)
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        for start in range(0, len(keys), 500):
            client.unlink(*keys[start : start + 500])
        client.close()
    except (redis.RedisError, OSError):
        pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m chatdb.cache.bench")
    parser.add_argument("--reads", type=int, default=2000, help="reads per workload")
    parser.add_argument("--distinct", type=int, default=50, help="distinct rows per workload")
    args = parser.parse_args(argv)
    print(format_result(bench_cached_read(reads=args.reads, distinct=args.distinct)))


if __name__ == "__main__":
    main()
