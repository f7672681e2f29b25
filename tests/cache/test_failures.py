"""Redis down, killed, paused or slow: reads fall back to PostgreSQL, never raise, warn once,
and the circuit breaker stops paying the timeout. Each test uses a Redis of its own."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from chatdb import Database
from chatdb.cache import ANONYMOUS, ReadCache, load_cache_settings

from . import sample_queries as q
from .conftest import Owner, RedisServer


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "chatdb.cache" and r.levelno == logging.WARNING]


def make_cache(database: Database, url: str, **overrides: object) -> ReadCache:
    settings = load_cache_settings(redis_url=url, prefix="chatdb-fail", **overrides)
    return ReadCache(database, settings=settings)


def test_a_closed_port_falls_back_to_postgresql_with_one_warning_and_an_open_breaker(
    database: Database, owner: Owner, closed_port_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="chatdb.cache")
    with make_cache(database, closed_port_url) as cache:
        cards = cache.cached(q.get_chat_card, tags={"chat": "id"})
        for _ in range(20):
            card = cards(ANONYMOUS, id=owner.public_chat)
            assert card is not None and card.title == "public chat"
        stats = cache.stats()
        assert stats["errors"] == 2  # CHATDB_CACHE_BREAKER_FAILURES, then Redis is skipped
        assert stats["bypassed"] == 18
        assert stats["breaker_open"] == 1
        assert cache.invalidate_chat(owner.public_chat) is None  # queued, not raised
        assert stats["hits"] == 0
    records = warnings_of(caplog)
    assert len(records) == 1
    message = records[0].getMessage()
    assert "Redis cache unavailable (ConnectionError during read)" in message
    assert str(owner.public_chat) not in message


def test_redis_killed_mid_test_falls_back_then_recovers_after_the_cooldown(
    database: Database, owner: Owner, own_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="chatdb.cache")
    with make_cache(database, own_redis.url, breaker_cooldown_s=0.3) as cache:
        cards = cache.cached(q.get_chat_card, tags={"chat": "id"})
        cards(ANONYMOUS, id=owner.public_chat)
        cards(ANONYMOUS, id=owner.public_chat)
        assert cache.stats()["hits"] == 1

        own_redis.kill()
        for _ in range(10):
            assert cards(ANONYMOUS, id=owner.public_chat) is not None
        assert cache.stats()["breaker_open"] == 1
        assert len(warnings_of(caplog)) == 1

        own_redis.start()  # same port, empty
        time.sleep(0.35)
        cards(ANONYMOUS, id=owner.public_chat)  # the probe: a miss, stored again
        cards(ANONYMOUS, id=owner.public_chat)
        stats = cache.stats()
        assert stats["breaker_open"] == 0
        assert stats["hits"] == 2
    assert any(r.getMessage() == "Redis cache reachable again" for r in caplog.records)


def test_a_paused_redis_costs_one_timeout_then_the_breaker_skips_it(
    database: Database, owner: Owner, own_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="chatdb.cache")
    admin = own_redis.client()
    with make_cache(database, own_redis.url, breaker_failures=1, breaker_cooldown_s=30) as cache:
        cards = cache.cached(q.get_chat_card, tags={"chat": "id"})
        cards(ANONYMOUS, id=owner.public_chat)
        admin.execute_command("CLIENT", "PAUSE", "3000", "ALL")
        try:
            started = time.perf_counter()
            assert cards(ANONYMOUS, id=owner.public_chat) is not None
            first = time.perf_counter() - started
            started = time.perf_counter()
            for _ in range(10):
                assert cards(ANONYMOUS, id=owner.public_chat) is not None
            next_ten = time.perf_counter() - started
        finally:
            admin.execute_command("CLIENT", "UNPAUSE")
            admin.close()
    assert 0.09 < first < 0.6  # CHATDB_CACHE_TIMEOUT_MS (100 ms) + the PostgreSQL read
    assert next_ten < 0.5  # no timeout paid: the breaker is open
    assert len(warnings_of(caplog)) == 1
    assert "TimeoutError" in warnings_of(caplog)[0].getMessage()


def test_a_slow_redis_command_times_out_and_the_read_comes_from_postgresql(
    database: Database, owner: Owner, own_redis: RedisServer
) -> None:
    admin = own_redis.client()
    with make_cache(database, own_redis.url, timeout_ms=50) as cache:
        cards = cache.cached(q.get_chat_card, tags={"chat": "id"})
        cards(ANONYMOUS, id=owner.public_chat)
        sleeper = threading.Thread(target=admin.execute_command, args=("DEBUG", "SLEEP", "1"))
        sleeper.start()
        time.sleep(0.1)
        try:
            started = time.perf_counter()
            card = cards(ANONYMOUS, id=owner.public_chat)
            elapsed = time.perf_counter() - started
        finally:
            sleeper.join()
            admin.close()
        assert card is not None and card.title == "public chat"
        assert elapsed < 0.5
        assert cache.stats()["errors"] == 1


def test_an_invalidation_that_failed_is_replayed_before_the_cache_is_read_again(
    database: Database, owner: Owner, own_redis: RedisServer
) -> None:
    admin = own_redis.client()
    with make_cache(database, own_redis.url, breaker_failures=1, breaker_cooldown_s=0.2) as cache:
        cards = cache.cached(q.get_chat_card, tags={"chat": "id"})
        cards(ANONYMOUS, id=owner.public_chat)
        with database.system() as conn:
            conn.execute("UPDATE chats SET title = 'changed' WHERE id = %s", (owner.public_chat,))
        admin.execute_command("CLIENT", "PAUSE", "500", "ALL")
        assert cache.invalidate_chat(owner.public_chat) is None
        assert cache.stats()["pending_invalidations"] == 1
        time.sleep(0.6)  # pause over, cooldown over; the stale entry is still in Redis
        assert admin.dbsize() >= 1
        card = cards(ANONYMOUS, id=owner.public_chat)
        assert card is not None and card.title == "changed"
        assert cache.stats()["pending_invalidations"] == 0
    admin.close()
