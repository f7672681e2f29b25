"""`bench_cached_read`, as `make bench` calls it: the harness counts hits and misses right.

Speed itself is claimed only by `make bench` (ratios in one run), never by a timed test.
"""

from __future__ import annotations

from chatdb import Database
from chatdb.cache.bench import bench_cached_read, format_result

from .conftest import SHARED_REDIS_URL


def test_bench_cached_read_reads_each_key_from_postgresql_once(database: Database) -> None:
    result = bench_cached_read(database, redis_url=SHARED_REDIS_URL, reads=200, distinct=20)
    assert result["hits"] + result["misses"] == 200
    # Each distinct key drawn is read from PostgreSQL once, then served from Redis.
    assert 1 <= result["misses"] <= 20
    assert result["hit_rate"] == round(result["hits"] / 200, 4)
    assert result["cached_median_ms"] > 0
    assert result["uncached_median_ms"] > 0
    assert "read cache" in format_result(result)
