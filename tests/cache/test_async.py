"""The asyncio twin: same keys and behaviour as the sync client."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from chatdb import AsyncDatabase, Database
from chatdb.cache import ANONYMOUS, AsyncReadCache, ReadCache, load_cache_settings, signed_in

from . import sample_queries as q
from .conftest import SHARED_REDIS_URL, Owner


@pytest.fixture
async def async_cache(async_database: AsyncDatabase, prefix: str) -> AsyncIterator[AsyncReadCache]:
    settings = load_cache_settings(redis_url=SHARED_REDIS_URL, prefix=prefix)
    async with AsyncReadCache(async_database, settings=settings) as cache:
        yield cache


async def test_async_read_through_hit_scope_and_invalidation(
    async_cache: AsyncReadCache, owner: Owner, other_owner: Owner
) -> None:
    cards = async_cache.cached(q.get_chat_card_async, name="GetChatCard", tags={"chat": "id"})
    before = q.CALLS["GetChatCard"]
    first = await cards(ANONYMOUS, id=owner.public_chat)
    assert first is not None and first.title == "public chat"
    assert await cards(ANONYMOUS, id=owner.public_chat) == first
    assert q.CALLS["GetChatCard"] == before + 1
    assert await cards(signed_in(other_owner.user_id), id=owner.private_chat) is None
    assert (await cards(signed_in(owner.user_id), id=owner.private_chat)) is not None
    assert await async_cache.invalidate_chat(owner.public_chat) == 1
    assert await async_cache.invalidate_user(owner.user_id) == 1


async def test_async_get_many_keeps_order_and_reads_misses_once(
    async_cache: AsyncReadCache, owner: Owner, other_owner: Owner
) -> None:
    cards = async_cache.cached(q.get_chat_card_async, name="GetChatCard", tags={"chat": "id"})
    ids = [other_owner.public_chat, owner.public_chat, owner.private_chat]
    before = q.CALLS["GetChatCard"]
    results = await cards.get_many(ANONYMOUS, [{"id": chat} for chat in ids])
    assert [r.id if r else None for r in results] == [ids[0], ids[1], None]
    assert await cards.get_many(ANONYMOUS, [{"id": chat} for chat in ids]) == results
    assert q.CALLS["GetChatCard"] == before + 3
    assert async_cache.stats()["hit_rate"] == 0.5


async def test_entries_written_by_the_sync_client_are_read_by_the_async_one(
    database: Database, async_cache: AsyncReadCache, owner: Owner, prefix: str
) -> None:
    settings = load_cache_settings(redis_url=SHARED_REDIS_URL, prefix=prefix)
    with ReadCache(database, settings=settings) as sync_cache:
        sync_cards = sync_cache.cached(q.get_chat_card, tags={"chat": "id"})
        expected = sync_cards(ANONYMOUS, id=owner.public_chat)
    cards = async_cache.cached(
        q.get_chat_card_async, name="GetChatCard", sql=q.GET_CHAT_CARD, tags={"chat": "id"}
    )
    assert cards.key(ANONYMOUS, id=owner.public_chat) == sync_cards.key(
        ANONYMOUS, id=owner.public_chat
    )
    before = q.CALLS["GetChatCard"]
    assert await cards(ANONYMOUS, id=owner.public_chat) == expected
    assert q.CALLS["GetChatCard"] == before


async def test_async_redis_down_falls_back_with_one_warning(
    async_database: AsyncDatabase,
    owner: Owner,
    closed_port_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="chatdb.cache")
    settings = load_cache_settings(redis_url=closed_port_url, prefix="chatdb-fail")
    async with AsyncReadCache(async_database, settings=settings) as cache:
        cards = cache.cached(q.get_chat_card_async, name="GetChatCard")
        for _ in range(5):
            assert (await cards(ANONYMOUS, id=owner.public_chat)) is not None
        assert await cache.invalidate_chat(owner.public_chat) is None
        assert cache.stats()["errors"] == 2
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1
