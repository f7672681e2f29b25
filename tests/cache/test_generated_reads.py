"""The product's cached reads over the real generated queries (chatdb.cache.reads)."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import AsyncIterator

import pytest

from chatdb import AsyncDatabase, Database
from chatdb.cache import ANONYMOUS, AsyncReadCache, ReadCache, load_cache_settings, signed_in
from chatdb.cache.reads import AsyncCachedReads, CachedReads

from .conftest import SHARED_REDIS_URL, Owner


@pytest.fixture
def reads(cache: ReadCache) -> CachedReads:
    return CachedReads(cache)


@pytest.fixture
def companion(database: Database, owner: Owner) -> uuid.UUID:
    with database.system() as conn:
        row = conn.execute(
            "INSERT INTO companions (user_id, name, is_public) VALUES (%s, 'Ada', true) "
            "RETURNING id",
            (owner.user_id,),
        ).fetchone()
        assert row is not None
    companion_id: uuid.UUID = row[0]
    return companion_id


def test_public_chat_by_id_is_cached_for_anonymous_readers_and_invalidated_on_rename(
    reads: CachedReads, owner: Owner, database: Database
) -> None:
    chat = reads.chat(ANONYMOUS, id=owner.public_chat)
    assert chat is not None and chat.title == "public chat"
    assert reads.chat(ANONYMOUS, id=owner.private_chat) is None
    with database.system() as conn:
        conn.execute("UPDATE chats SET title = 'renamed' WHERE id = %s", (owner.public_chat,))
    assert reads.chat(ANONYMOUS, id=owner.public_chat) == chat  # cached
    reads.cache.invalidate_chat(owner.public_chat)
    assert reads.chat(ANONYMOUS, id=owner.public_chat).title == "renamed"  # type: ignore[union-attr]
    stats = reads.cache.stats()
    assert stats["hits"] == 1


def test_chat_page_and_companion_profile_round_trip_through_redis(
    reads: CachedReads, owner: Owner, companion: uuid.UUID
) -> None:
    page = reads.chat_page(ANONYMOUS, id=owner.public_chat, message_limit=50)
    assert len(page) == 1 and page[0].message is None
    assert reads.chat_page(ANONYMOUS, id=owner.public_chat, message_limit=50) == page
    profile = reads.companion(signed_in(owner.user_id), id=companion)
    assert profile is not None and profile.name == "Ada"
    assert reads.companion(ANONYMOUS, id=companion) == profile  # public: same row
    assert reads.companion(signed_in(owner.user_id), id=companion) == profile
    assert reads.cache.stats()["hits"] == 2
    assert reads.cache.invalidate_companion(companion) == 2


def test_usage_dashboard_is_cached_per_user(
    reads: CachedReads, owner: Owner, other_owner: Owner, database: Database
) -> None:
    with database.system() as conn:
        conn.execute(
            "INSERT INTO usage_logs (user_id, provider, model, input_tokens, output_tokens) "
            "VALUES (%s, 'openai', 'gpt', 10, 20)",
            (owner.user_id,),
        )
    since = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    mine = reads.usage_by_provider_model(
        signed_in(owner.user_id), user_id=owner.user_id, since=since
    )
    assert [(r.provider, r.input_tokens) for r in mine] == [("openai", 10)]
    # Another user asking for the same user id reads as themselves: RLS gives them nothing.
    theirs = reads.usage_by_provider_model(
        signed_in(other_owner.user_id), user_id=owner.user_id, since=since
    )
    assert theirs == []
    # Both entries are about the owner (tag user=<owner>): both go.
    assert reads.cache.invalidate_user(owner.user_id) == 2


@pytest.fixture
async def async_reads(
    async_database: AsyncDatabase, prefix: str
) -> AsyncIterator[AsyncCachedReads]:
    settings = load_cache_settings(redis_url=SHARED_REDIS_URL, prefix=prefix)
    async with AsyncReadCache(async_database, settings=settings) as cache:
        yield AsyncCachedReads(cache)


async def test_async_reads_share_entries_with_sync_reads(
    async_reads: AsyncCachedReads, reads: CachedReads, owner: Owner
) -> None:
    chat = reads.chat(ANONYMOUS, id=owner.public_chat)
    assert await async_reads.chat(ANONYMOUS, id=owner.public_chat) == chat
    assert async_reads.cache.stats()["hits"] == 1
