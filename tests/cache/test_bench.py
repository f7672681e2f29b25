"""`bench_cached_read`, as `make bench` calls it: the harness alternates the variants and counts
hits and misses right, per workload.

Speed itself is claimed only by `make bench` (ratios in one run), never by a timed test.
"""

from __future__ import annotations

from chatdb import Database
from chatdb.cache.bench import bench_cached_read, format_result

from .conftest import SHARED_REDIS_URL


def test_bench_cached_read_reads_each_key_from_postgresql_once_per_workload(
    database: Database,
) -> None:
    result = bench_cached_read(database, redis_url=SHARED_REDIS_URL, reads=200, distinct=20)
    assert set(result["workloads"]) == {
        "usage_dashboard",
        "public_chat_page",
        "public_chat",
        "companion",
    }
    for workload in result["workloads"].values():
        assert workload["hits"] + workload["misses"] == 200
        # Each distinct key drawn is read from PostgreSQL once, then served from Redis.
        assert 1 <= workload["misses"] <= workload["distinct_keys"] <= 20
        assert workload["hit_rate"] == round(workload["hits"] / 200, 4)
        assert workload["cached_median_ms"] > 0
        assert workload["uncached_median_ms"] > 0
    assert result["headline"] == "usage_dashboard"
    assert result["speedup"] == result["workloads"]["usage_dashboard"]["speedup"]
    text = format_result(result)
    assert "UsageByProviderModel" in text and "GetChatWithRecentMessages" in text
    assert "GetChatByID" in text and "GetCompanion" in text and "hit rate" in text
