"""Updating a companion through chatdb.flows.companions drops its cached reads once the change
is committed, for every reader (issue 18: the invalidation existed, nothing called it)."""

from __future__ import annotations

import uuid

from chatdb import AsyncDatabase, Database
from chatdb.cache import ANONYMOUS, AsyncReadCache, ReadCache, load_cache_settings, signed_in
from chatdb.cache.reads import AsyncCachedReads, CachedReads
from chatdb.flows.aio import companions as acompanions
from chatdb.flows.companions import update_companion_config

from .conftest import SHARED_REDIS_URL, Owner


def public_companion(database: Database, owner: Owner) -> uuid.UUID:
    with database.system() as conn:
        row = conn.execute(
            "INSERT INTO companions (user_id, name, is_public, model) "
            "VALUES (%s, 'Ada', true, 'small') RETURNING id",
            (owner.user_id,),
        ).fetchone()
    assert row is not None
    companion_id: uuid.UUID = row[0]
    return companion_id


def test_update_companion_config_invalidates_cached_profile_for_every_reader(
    cache: ReadCache, database: Database, owner: Owner
) -> None:
    reads = CachedReads(cache)
    companion = public_companion(database, owner)
    before = reads.companion(ANONYMOUS, id=companion)
    assert before is not None and before.model == "small"
    assert reads.companion(signed_in(owner.user_id), id=companion) == before
    updated = update_companion_config(
        database, cache=cache, user_id=owner.user_id, id=companion,
        expected_version=before.version, model="large",
    )  # fmt: skip
    assert updated is not None and updated.model == "large"
    assert reads.companion(ANONYMOUS, id=companion).model == "large"  # type: ignore[union-attr]
    assert reads.companion(signed_in(owner.user_id), id=companion).model == "large"  # type: ignore[union-attr]


def test_stale_version_changes_nothing_and_keeps_the_cache(
    cache: ReadCache, database: Database, owner: Owner
) -> None:
    reads = CachedReads(cache)
    companion = public_companion(database, owner)
    before = reads.companion(ANONYMOUS, id=companion)
    assert before is not None
    stale = update_companion_config(
        database, cache=cache, user_id=owner.user_id, id=companion,
        expected_version=before.version + 5, model="large",
    )  # fmt: skip
    assert stale is None
    hits = cache.stats()["hits"]
    assert reads.companion(ANONYMOUS, id=companion) == before
    assert cache.stats()["hits"] == hits + 1


async def test_async_update_companion_config_invalidates(
    async_database: AsyncDatabase, database: Database, owner: Owner, prefix: str
) -> None:
    settings = load_cache_settings(redis_url=SHARED_REDIS_URL, prefix=prefix)
    async with AsyncReadCache(async_database, settings=settings) as cache:
        reads = AsyncCachedReads(cache)
        companion = public_companion(database, owner)
        before = await reads.companion(ANONYMOUS, id=companion)
        assert before is not None
        await acompanions.update_companion_config(
            async_database, cache=cache, user_id=owner.user_id, id=companion,
            expected_version=before.version, model="large",
        )  # fmt: skip
        after = await reads.companion(ANONYMOUS, id=companion)
    assert after is not None and after.model == "large"
