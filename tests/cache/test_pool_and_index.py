"""One bounded connection pool per cache client, and invalidation by per-mark index sets
(no keyspace SCAN). Tests that count connections or commands use a Redis of their own."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

import redis

from chatdb import AsyncDatabase, Database
from chatdb.cache import ANONYMOUS, AsyncReadCache, ReadCache, load_cache_settings, signed_in

from . import sample_queries as q
from .conftest import Owner, RedisServer


def cache_clients(admin: redis.Redis) -> int:
    return sum(1 for client in admin.client_list() if client.get("name") == "chatdb-cache")


def released(admin: redis.Redis, within_s: float = 5.0) -> bool:
    """Whether the server saw every cache connection close. The server notices a closed
    socket on its next event-loop turn, so under load the count lags close() briefly."""
    deadline = time.monotonic() + within_s
    while cache_clients(admin) != 0:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def command_calls(admin: redis.Redis, command: str) -> int:
    stats = admin.info("commandstats").get(f"cmdstat_{command}")
    return int(stats["calls"]) if stats else 0


def test_short_lived_threads_share_a_bounded_pool_instead_of_a_connection_each(
    database: Database, owner: Owner, own_redis: RedisServer
) -> None:
    admin = own_redis.client()
    settings = load_cache_settings(redis_url=own_redis.url, prefix="pool", max_connections=3)
    with ReadCache(database, settings=settings) as cache:
        cards = cache.cached(q.get_chat_card, tags={"chat": "id"})
        cards(ANONYMOUS, id=owner.public_chat)
        peak = 0
        for _ in range(10):  # 10 waves of 8 threads that read and end
            wave = [
                threading.Thread(target=cards, args=(ANONYMOUS,), kwargs={"id": owner.public_chat})
                for _ in range(8)
            ]
            for thread in wave:
                thread.start()
            for thread in wave:
                thread.join()
            peak = max(peak, cache_clients(admin))
        stats = cache.stats()
        assert stats["errors"] == 0  # no thread waited longer than the timeout for a connection
        assert stats["hits"] == 80
        assert 1 <= peak <= 3
    assert released(admin)  # close() released the pool
    admin.close()


async def test_concurrent_tasks_share_a_bounded_pool(
    async_database: AsyncDatabase, owner: Owner, own_redis: RedisServer
) -> None:
    admin = own_redis.client()
    settings = load_cache_settings(redis_url=own_redis.url, prefix="pool", max_connections=2)
    async with AsyncReadCache(async_database, settings=settings) as cache:
        cards = cache.cached(q.get_chat_card_async, name="GetChatCard", tags={"chat": "id"})
        await cards(ANONYMOUS, id=owner.public_chat)
        for _ in range(5):
            await asyncio.gather(*(cards(ANONYMOUS, id=owner.public_chat) for _ in range(20)))
            assert cache_clients(admin) <= 2
        assert cache.stats()["hits"] == 100
    assert released(admin)
    admin.close()


def test_invalidating_a_tag_removes_exactly_its_entries_without_scanning(
    database: Database, owner: Owner, other_owner: Owner, own_redis: RedisServer
) -> None:
    admin = own_redis.client()
    settings = load_cache_settings(redis_url=own_redis.url, prefix="idx")
    with ReadCache(database, settings=settings) as cache:
        cards = cache.cached(q.get_chat_card, tags={"chat": "id"})
        blobs = cache.cached(q.get_chat_blob, tags={"chat": "id"})
        untagged = cache.cached(q.list_chat_titles_by_user, tags={"user": "user_id"})
        mine, theirs = signed_in(owner.user_id), signed_in(other_owner.user_id)
        gone = [
            cards.key(ANONYMOUS, id=owner.public_chat),
            cards.key(mine, id=owner.public_chat),
            cards.key(theirs, id=owner.public_chat),
            blobs.key(ANONYMOUS, id=owner.public_chat, size=64),
        ]
        kept = [
            cards.key(ANONYMOUS, id=other_owner.public_chat),
            cards.key(mine, id=owner.private_chat),
            untagged.key(mine, user_id=owner.user_id),
        ]
        for scope in (ANONYMOUS, mine, theirs):
            cards(scope, id=owner.public_chat)
        blobs(ANONYMOUS, id=owner.public_chat, size=64)
        cards(ANONYMOUS, id=other_owner.public_chat)
        cards(mine, id=owner.private_chat)
        untagged(mine, user_id=owner.user_id)
        assert admin.exists(*gone, *kept) == 7
        index = cache.keys.index(f"chat={owner.public_chat}")
        assert {m.decode() for m in admin.smembers(index)} == set(gone)
        # Expires after its longest entry (an anonymous one, kept past its TTL for stale-if-error).
        longest = cache.settings.ttl_anonymous_s + cache.settings.stale_if_error_s
        assert 0 < admin.pttl(index) <= (longest + 10) * 1000

        admin.config_resetstat()
        assert cache.invalidate_chat(owner.public_chat) == 4
        assert command_calls(admin, "scan") == 0 and command_calls(admin, "keys") == 0
        assert admin.exists(*gone) == 0
        assert admin.exists(*kept) == 3
        assert not admin.exists(index)
        assert cache.invalidate_chat(owner.public_chat) == 0

        # invalidate_user: every entry read as the user, and those tagged user=<id>.
        assert cache.invalidate_user(owner.user_id) == 2
        assert admin.exists(*kept) == 1  # the other owner's public chat, read anonymously
    admin.close()


def test_a_fill_racing_with_an_invalidation_on_another_thread_is_refused_and_not_indexed(
    database: Database, owner: Owner, own_redis: RedisServer
) -> None:
    """Reader thread: reads the old row, then (paused) stores it. Writer: commits, invalidates.
    The tombstone refuses the late fill; once the window is over, fills are indexed again."""
    admin = own_redis.client()
    settings = load_cache_settings(
        redis_url=own_redis.url, prefix="race", invalidation_window_s=0.3
    )
    read_done, invalidated = threading.Event(), threading.Event()

    def slow_card(conn: object, *, id: uuid.UUID) -> q.ChatCard | None:
        card = q.get_chat_card(conn, id=id)  # type: ignore[arg-type]
        read_done.set()
        assert invalidated.wait(10)
        return card

    with ReadCache(database, settings=settings) as cache:
        racing = cache.cached(
            slow_card, name="GetChatCard", sql=q.GET_CHAT_CARD, tags={"chat": "id"}
        )
        cards = cache.cached(q.get_chat_card, tags={"chat": "id"})
        seen: list[q.ChatCard | None] = []
        reader = threading.Thread(
            target=lambda: seen.append(racing(ANONYMOUS, id=owner.public_chat))
        )
        reader.start()
        assert read_done.wait(10)
        with database.system() as conn:
            conn.execute("UPDATE chats SET title = 'renamed' WHERE id = %s", (owner.public_chat,))
        assert cache.invalidate_chat(owner.public_chat) == 0
        invalidated.set()
        reader.join(10)
        assert seen[0] is not None and seen[0].title == "public chat"
        assert cache.stats()["fills_refused"] == 1
        key = cards.key(ANONYMOUS, id=owner.public_chat)
        index = cache.keys.index(f"chat={owner.public_chat}")
        assert not admin.exists(key) and not admin.exists(index)
        assert cards(ANONYMOUS, id=owner.public_chat).title == "renamed"  # type: ignore[union-attr]

        threading.Event().wait(0.35)  # the window is over: fills are stored and indexed again
        cards(ANONYMOUS, id=owner.public_chat)
        assert admin.sismember(index, key)
        assert cache.invalidate_chat(owner.public_chat) == 1
    admin.close()


async def test_the_async_client_invalidates_by_the_same_index_sets(
    async_database: AsyncDatabase, database: Database, owner: Owner, own_redis: RedisServer
) -> None:
    admin = own_redis.client()
    settings = load_cache_settings(redis_url=own_redis.url, prefix="both")
    with ReadCache(database, settings=settings) as sync_cache:
        sync_cards = sync_cache.cached(q.get_chat_card, tags={"chat": "id"})
        sync_cards(ANONYMOUS, id=owner.public_chat)
        sync_cards(ANONYMOUS, id=owner.private_chat)
        async with AsyncReadCache(async_database, settings=settings) as cache:
            admin.config_resetstat()
            assert await cache.invalidate_chat(owner.public_chat) == 1
            assert command_calls(admin, "scan") == 0
            assert admin.exists(sync_cards.key(ANONYMOUS, id=owner.private_chat))
            assert await cache.invalidate_query("GetChatCard") == 1
    admin.close()
