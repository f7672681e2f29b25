"""The read-through cache against the machine's Redis and the shared PostgreSQL clone."""

from __future__ import annotations

import re
import time
import uuid

import pytest
import redis

from chatdb import Database
from chatdb.cache import ANONYMOUS, SYSTEM, ReadCache, core, load_cache_settings, signed_in
from chatdb.errors import ConfigError

from . import sample_queries as q
from .conftest import SHARED_REDIS_URL, Owner


def test_second_read_is_served_from_redis_without_postgresql(
    cache: ReadCache, owner: Owner
) -> None:
    cards = cache.cached(q.get_chat_card, tags={"chat": "id"})
    before = q.CALLS["GetChatCard"]
    first = cards(ANONYMOUS, id=owner.public_chat)
    second = cards(ANONYMOUS, id=owner.public_chat)
    assert first is not None and first.title == "public chat"
    assert second == first
    assert q.CALLS["GetChatCard"] == before + 1
    stats = cache.stats()
    assert (stats["hits"], stats["misses"], stats["fills"]) == (1, 1, 1)


def test_keys_are_namespaced_versioned_and_name_query_scope_and_tags(
    cache: ReadCache, owner: Owner, prefix: str
) -> None:
    cards = cache.cached(q.get_chat_card, tags={"chat": "id"})
    key = cards.key(signed_in(owner.user_id), id=owner.public_chat)
    assert re.fullmatch(
        rf"{prefix}:v1:[0-9a-f]{{12}}:GetChatCard:u={owner.user_id}:,chat={owner.public_chat},:[0-9a-f]{{32}}",
        key,
    )
    assert cards.key(ANONYMOUS, id=owner.public_chat).split(":")[4] == "anon"
    assert cards.key(SYSTEM, id=owner.public_chat).split(":")[4] == "system"


def test_bumping_the_cache_version_changes_every_key(
    database: Database, cache: ReadCache, owner: Owner, prefix: str
) -> None:
    bumped = ReadCache(
        database,
        settings=load_cache_settings(redis_url=SHARED_REDIS_URL, prefix=prefix, version="2"),
    )
    old = cache.cached(q.get_chat_card).key(ANONYMOUS, id=owner.public_chat)
    new = bumped.cached(q.get_chat_card).key(ANONYMOUS, id=owner.public_chat)
    bumped.close()
    assert old != new
    assert old.split(":")[3:] == new.split(":")[3:]  # only the shape part differs


def fresh_for_ms(redis_client: redis.Redis, key: str) -> int:
    """How long a stamped (stale-if-error) entry stays fresh from now."""
    _, fresh_until = core.unstamp(redis_client.get(key) or b"")
    assert fresh_until is not None
    return fresh_until - int(time.time() * 1000)


def test_anonymous_entries_live_300_s_and_signed_in_entries_60_s(
    cache: ReadCache, owner: Owner, shared_redis: redis.Redis
) -> None:
    cards = cache.cached(q.get_chat_card, tags={"chat": "id"})
    cards(ANONYMOUS, id=owner.public_chat)
    cards(signed_in(owner.user_id), id=owner.public_chat)
    anonymous_key = cards.key(ANONYMOUS, id=owner.public_chat)
    anonymous_ttl = shared_redis.pttl(anonymous_key)
    user_ttl = shared_redis.pttl(cards.key(signed_in(owner.user_id), id=owner.public_chat))
    # Fresh for 300 s, then kept CHATDB_CACHE_STALE_IF_ERROR_S (3600) for a database outage.
    assert 295_000 < fresh_for_ms(shared_redis, anonymous_key) <= 300_000
    assert 3_895_000 < anonymous_ttl <= 3_900_000
    assert 55_000 < user_ttl <= 60_000  # never kept stale


def test_ttl_s_caps_the_scope_ttl(
    cache: ReadCache, owner: Owner, shared_redis: redis.Redis
) -> None:
    cards = cache.cached(q.get_chat_card, ttl_s=10)
    cards(ANONYMOUS, id=owner.public_chat)
    cards(signed_in(owner.user_id), id=owner.public_chat)
    assert 0 < fresh_for_ms(shared_redis, cards.key(ANONYMOUS, id=owner.public_chat)) <= 10_000
    assert (
        0 < shared_redis.pttl(cards.key(signed_in(owner.user_id), id=owner.public_chat)) <= 10_000
    )


def test_a_users_private_data_is_never_served_to_another_user_or_anonymous(
    cache: ReadCache, owner: Owner, other_owner: Owner
) -> None:
    cards = cache.cached(q.get_chat_card, tags={"chat": "id"})
    mine = cards(signed_in(owner.user_id), id=owner.private_chat)
    assert mine is not None and mine.title == "private chat"
    # Same query, same argument, already cached for the owner: others still get what row-level
    # security lets them see (nothing), read as themselves and cached under their own keys.
    assert cards(signed_in(other_owner.user_id), id=owner.private_chat) is None
    assert cards(ANONYMOUS, id=owner.private_chat) is None
    assert cards(signed_in(other_owner.user_id), id=owner.private_chat) is None  # now a hit
    assert cards(signed_in(owner.user_id), id=owner.private_chat) == mine


def test_invalidate_chat_removes_its_entries_in_every_scope_and_keeps_others(
    cache: ReadCache, owner: Owner, other_owner: Owner, database: Database
) -> None:
    cards = cache.cached(q.get_chat_card, tags={"chat": "id"})
    for scope in (ANONYMOUS, signed_in(owner.user_id), signed_in(other_owner.user_id)):
        cards(scope, id=owner.public_chat)
    cards(ANONYMOUS, id=other_owner.public_chat)
    with database.system() as conn:
        conn.execute("UPDATE chats SET title = 'renamed' WHERE id = %s", (owner.public_chat,))
    assert cards(ANONYMOUS, id=owner.public_chat).title == "public chat"  # type: ignore[union-attr]

    assert cache.invalidate_chat(owner.public_chat) == 3

    before = q.CALLS["GetChatCard"]
    assert cards(ANONYMOUS, id=owner.public_chat).title == "renamed"  # type: ignore[union-attr]
    assert cards(ANONYMOUS, id=other_owner.public_chat) is not None
    assert q.CALLS["GetChatCard"] == before + 1  # the other chat was still cached


def test_a_private_chat_made_public_is_visible_anonymously_after_invalidation(
    cache: ReadCache, owner: Owner, database: Database
) -> None:
    cards = cache.cached(q.get_chat_card, tags={"chat": "id"})
    assert cards(ANONYMOUS, id=owner.private_chat) is None  # a cached "not visible"
    with database.system() as conn:
        conn.execute("UPDATE chats SET visibility = 'public' WHERE id = %s", (owner.private_chat,))
    cache.invalidate_chat(owner.private_chat)
    assert cards(ANONYMOUS, id=owner.private_chat) is not None


def test_invalidate_user_removes_entries_read_as_that_user_only(
    cache: ReadCache, owner: Owner, other_owner: Owner
) -> None:
    titles = cache.cached(q.list_chat_titles_by_user, tags={"user": "user_id"})
    mine = titles(signed_in(owner.user_id), user_id=owner.user_id)
    assert mine == ["private chat", "public chat"]
    titles(signed_in(other_owner.user_id), user_id=other_owner.user_id)
    removed = cache.invalidate_user(owner.user_id)
    assert removed == 1
    before = q.CALLS["ListChatTitlesByUser"]
    titles(signed_in(other_owner.user_id), user_id=other_owner.user_id)
    assert q.CALLS["ListChatTitlesByUser"] == before
    titles(signed_in(owner.user_id), user_id=owner.user_id)
    assert q.CALLS["ListChatTitlesByUser"] == before + 1


def test_invalidate_query_and_all(cache: ReadCache, owner: Owner) -> None:
    cards = cache.cached(q.get_chat_card, tags={"chat": "id"})
    titles = cache.cached(q.list_chat_titles_by_user)
    cards(ANONYMOUS, id=owner.public_chat)
    titles(signed_in(owner.user_id), user_id=owner.user_id)
    assert cache.invalidate_query(cards) == 1
    assert cache.invalidate_query("GetChatCard") == 0
    # Within the invalidation window the next read comes from the primary and is not stored.
    cards(ANONYMOUS, id=owner.public_chat)
    assert cache.invalidate_all() == 1


def test_a_fill_racing_with_an_invalidation_is_not_stored(
    cache: ReadCache, owner: Owner, database: Database
) -> None:
    """The classic read-through race: a reader reads the old row, a writer changes it and
    invalidates, then the reader stores the old row. The tombstone refuses that store."""

    def read_then_writer_commits(conn: object, *, id: uuid.UUID) -> q.ChatCard | None:
        card = q.get_chat_card(conn, id=id)  # type: ignore[arg-type]
        with database.system() as writer:
            writer.execute("UPDATE chats SET title = 'new' WHERE id = %s", (id,))
        cache.invalidate_chat(id)
        return card

    racing = cache.cached(
        read_then_writer_commits, name="GetChatCard", sql=q.GET_CHAT_CARD, tags={"chat": "id"}
    )
    assert racing(ANONYMOUS, id=owner.public_chat).title == "public chat"  # type: ignore[union-attr]
    assert cache.stats()["fills_refused"] == 1
    cards = cache.cached(q.get_chat_card, tags={"chat": "id"})
    assert cards(ANONYMOUS, id=owner.public_chat).title == "new"  # type: ignore[union-attr]
    # Inside the invalidation window, reads go to the primary and are not stored either.
    assert cache.stats()["fills"] == 0


def test_get_many_reads_hits_in_one_mget_and_misses_in_one_transaction(
    cache: ReadCache, owner: Owner, other_owner: Owner
) -> None:
    cards = cache.cached(q.get_chat_card, tags={"chat": "id"})
    cards(ANONYMOUS, id=owner.public_chat)
    ids = [owner.public_chat, other_owner.public_chat, owner.private_chat, uuid.uuid4()]
    before = q.CALLS["GetChatCard"]
    results = cards.get_many(ANONYMOUS, [{"id": chat} for chat in ids])
    assert [r.id if r else None for r in results] == [
        owner.public_chat,
        other_owner.public_chat,
        None,
        None,
    ]
    assert q.CALLS["GetChatCard"] == before + 3
    again = cards.get_many(ANONYMOUS, [{"id": chat} for chat in ids])
    assert again == results
    assert q.CALLS["GetChatCard"] == before + 3


def test_a_multi_megabyte_value_is_chunked_and_read_back_whole(
    cache: ReadCache, owner: Owner, shared_redis: redis.Redis, prefix: str
) -> None:
    blobs = cache.cached(q.get_chat_blob, tags={"chat": "id"})
    size = 3 * 1024 * 1024
    value = blobs(ANONYMOUS, id=owner.public_chat, size=size)
    assert value is not None and len(value) == size
    key = blobs.key(ANONYMOUS, id=owner.public_chat, size=size)
    chunk_keys = sorted(shared_redis.scan_iter(match=f"{key}#*", count=1000))
    assert len(chunk_keys) == 7  # 3 MiB + JSON quotes in 512 KiB chunks
    assert len(shared_redis.get(key) or b"") < 200  # the manifest
    before = q.CALLS["GetChatBlob"]
    assert blobs(ANONYMOUS, id=owner.public_chat, size=size) == value
    assert q.CALLS["GetChatBlob"] == before

    # A lost chunk makes the entry a miss, refilled under a new generation.
    shared_redis.unlink(chunk_keys[3])
    assert blobs(ANONYMOUS, id=owner.public_chat, size=size) == value
    assert q.CALLS["GetChatBlob"] == before + 1
    assert blobs(ANONYMOUS, id=owner.public_chat, size=size) == value
    assert q.CALLS["GetChatBlob"] == before + 1

    # Invalidation takes the chunks with the manifest.
    cache.invalidate_chat(owner.public_chat)
    assert list(shared_redis.scan_iter(match=f"{prefix}:*#*", count=1000)) == []


def test_values_above_the_maximum_are_not_cached(
    database: Database, owner: Owner, prefix: str
) -> None:
    settings = load_cache_settings(
        redis_url=SHARED_REDIS_URL, prefix=prefix, max_value_bytes=64 * 1024
    )
    with ReadCache(database, settings=settings) as cache:
        blobs = cache.cached(q.get_chat_blob)
        before = q.CALLS["GetChatBlob"]
        blobs(ANONYMOUS, id=owner.public_chat, size=128 * 1024)
        blobs(ANONYMOUS, id=owner.public_chat, size=128 * 1024)
        assert q.CALLS["GetChatBlob"] == before + 2


def test_a_corrupt_entry_is_a_miss_and_is_replaced(
    cache: ReadCache, owner: Owner, shared_redis: redis.Redis
) -> None:
    cards = cache.cached(q.get_chat_card, tags={"chat": "id"})
    key = cards.key(ANONYMOUS, id=owner.public_chat)
    shared_redis.set(key, b"\x01{not json", px=60_000)
    assert cards(ANONYMOUS, id=owner.public_chat) is not None
    body, _ = core.unstamp(shared_redis.get(key) or b"")
    assert body.startswith(b'\x01{"id"')


def test_critical_queries_and_writes_are_refused(cache: ReadCache) -> None:
    with pytest.raises(ConfigError, match=r"GetCreditBalance is never cached.*credit"):
        cache.cached(q.get_credit_balance)
    with pytest.raises(ConfigError, match=r"GetUserProfile is never cached.*sessions"):
        cache.cached(q.get_user_profile)
    with pytest.raises(ConfigError, match="RenameChat is :execrows"):
        cache.cached(q.rename_chat)
    with pytest.raises(ConfigError, match="does not take"):
        cache.cached(q.get_chat_card, tags={"chat": "chat_id"})


def test_a_function_that_is_not_a_generated_query_needs_a_name(cache: ReadCache) -> None:
    def anything(conn: object, *, id: int) -> int:
        return id

    with pytest.raises(ConfigError, match="cannot tell which query"):
        cache.cached(anything)
    assert cache.cached(anything, name="Anything").spec.name == "Anything"


def test_positional_arguments_are_refused(cache: ReadCache, owner: Owner) -> None:
    cards = cache.cached(q.get_chat_card)
    with pytest.raises(TypeError, match="by keyword"):
        cards(ANONYMOUS, owner.public_chat)  # type: ignore[call-arg]


def test_without_redis_url_the_cache_passes_every_read_through(
    database: Database, owner: Owner
) -> None:
    with ReadCache(database, settings=load_cache_settings(redis_url="")) as cache:
        assert not cache.enabled
        cards = cache.cached(q.get_chat_card, tags={"chat": "id"})
        before = q.CALLS["GetChatCard"]
        assert cards(ANONYMOUS, id=owner.public_chat) is not None
        assert cards(ANONYMOUS, id=owner.public_chat) is not None
        assert q.CALLS["GetChatCard"] == before + 2
        assert cache.invalidate_chat(owner.public_chat) == 0
        assert cache.stats()["bypassed"] == 2


def test_threads_share_one_cache_with_a_connection_each(cache: ReadCache, owner: Owner) -> None:
    from concurrent.futures import ThreadPoolExecutor

    cards = cache.cached(q.get_chat_card, tags={"chat": "id"})
    scopes = [ANONYMOUS, signed_in(owner.user_id)]

    def read(n: int) -> tuple[str | None, str | None]:
        public = cards(scopes[n % 2], id=owner.public_chat)
        private = cards(scopes[n % 2], id=owner.private_chat)
        return (public.title if public else None, private.title if private else None)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(read, range(200)))
    assert set(results[0::2]) == {("public chat", None)}
    assert set(results[1::2]) == {("public chat", "private chat")}
    assert cache.stats()["errors"] == 0
