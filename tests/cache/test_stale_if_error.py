"""Stale-if-error: while PostgreSQL is down, an anonymous read is answered from a cache entry
past its TTL (kept CHATDB_CACHE_STALE_IF_ERROR_S longer); while it is up, such an entry is a
plain miss. Signed-in reads and reads with no entry still fail with `DatabaseUnavailable`.

The database is a server of the module's own that the tests stop (pools with live
connections lose them, as in an outage), or a URL nothing listens on; Redis is the machine's
shared one under a prefix of the test's own.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Iterator
from typing import Any, Final

import psycopg
import pytest
import redis

from chatdb import AsyncDatabase, Database, errors
from chatdb.cache import ANONYMOUS, AsyncReadCache, ReadCache, load_cache_settings, signed_in
from chatdb.cache.settings import CacheSettings
from support.logins import logins
from support.servers import TempCluster, free_port, prepare_chatdb

from . import sample_queries as q
from .conftest import SHARED_REDIS_URL, Owner

GET_NOTE: Final = "-- name: GetNote :one\nSELECT body FROM notes WHERE id = %(id)s"
STALE_AFTER_S: Final = 1.1  # past the 1 s TTL of these tests


def get_note(conn: psycopg.Connection[Any], *, id: int) -> str | None:
    row = conn.execute(GET_NOTE, {"id": id}).fetchone()
    return None if row is None else str(row[0])


async def get_note_async(conn: psycopg.AsyncConnection[Any], *, id: int) -> str | None:
    cur = await conn.execute(GET_NOTE, {"id": id})
    row = await cur.fetchone()
    return None if row is None else str(row[0])


@pytest.fixture(scope="module")
def cluster() -> Iterator[TempCluster]:
    """A server these tests stop; chatdb's roles and a `notes` table the app role may read."""
    with TempCluster(name="stale") as server:
        prepare_chatdb(server.url(), migrate=False)
        server.psql(
            "CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL);"
            "GRANT SELECT ON notes TO chatdb_app, chatdb_system;",
            dbname="chatdb",
        )
        yield server


@pytest.fixture
def notes_url(cluster: TempCluster) -> str:
    if not cluster.is_running():
        cluster.start()
    cluster.psql(
        "TRUNCATE notes; INSERT INTO notes VALUES (1, 'first'), (2, 'second')", dbname="chatdb"
    )
    return cluster.url("chatdb")


def settings(prefix: str, **overrides: Any) -> CacheSettings:
    values: dict[str, Any] = {
        "redis_url": SHARED_REDIS_URL,
        "prefix": prefix,
        "ttl_anonymous_s": 1,
        "ttl_user_s": 1,
        "stale_if_error_s": 60,
    }
    return load_cache_settings(**(values | overrides))


FAST_FAILURE: Final = {
    "pool_min_size": 1,
    "pool_max_size": 2,
    "pool_timeout_s": 3,
    "connect_timeout_s": 1,
    "max_retries": 1,
    "retry_delay_ms": 10,
}


def test_a_stale_anonymous_entry_is_served_only_while_postgresql_is_stopped(
    cluster: TempCluster,
    notes_url: str,
    prefix: str,
    shared_redis: redis.Redis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="chatdb.cache")
    reader = signed_in(uuid.uuid4())
    with (
        Database(**logins(notes_url), **FAST_FAILURE) as db,
        ReadCache(db, settings=settings(prefix)) as cache,
    ):
        notes = cache.cached(get_note, name="GetNote", sql=GET_NOTE)
        assert notes(ANONYMOUS, id=1) == "first"
        assert notes(reader, id=1) == "first"
        cluster.psql("UPDATE notes SET body = 'edited' WHERE id = 1", dbname="chatdb")
        time.sleep(STALE_AFTER_S)
        # Up: past its TTL the entry is a miss, whatever is kept for an outage.
        assert notes(ANONYMOUS, id=1) == "edited"
        assert cache.stats()["stale_served"] == 0
        time.sleep(STALE_AFTER_S)
        assert shared_redis.exists(notes.key(ANONYMOUS, id=1)) == 1  # stale, still kept

        cluster.stop()
        assert notes(ANONYMOUS, id=1) == "edited"  # the last value read, served stale
        assert cache.stats()["stale_served"] == 1
        with pytest.raises(errors.DatabaseUnavailable):
            notes(reader, id=1)  # a user's entry is never kept past its TTL
        with pytest.raises(errors.DatabaseUnavailable):
            notes(ANONYMOUS, id=2)  # nothing cached: the error, not a guess
        with pytest.raises(errors.DatabaseUnavailable):
            notes.get_many(ANONYMOUS, [{"id": 1}, {"id": 2}])  # all or nothing

        cluster.start()
        cluster.psql("UPDATE notes SET body = 'after' WHERE id = 1", dbname="chatdb")
        # Back up: once the pool reconnects, PostgreSQL answers again (stale until then).
        deadline = time.monotonic() + 15
        while notes(ANONYMOUS, id=1) != "after":
            assert time.monotonic() < deadline, "the pool did not reconnect"
            time.sleep(0.1)
    stale = [r for r in caplog.records if getattr(r, "event", "") == "cache_stale_served"]
    assert len(stale) == 1 and "GetNote" in stale[0].getMessage()
    assert "edited" not in stale[0].getMessage()


async def test_the_async_cache_serves_a_stale_anonymous_entry_while_postgresql_is_stopped(
    cluster: TempCluster, notes_url: str, prefix: str
) -> None:
    async with (
        AsyncDatabase(**logins(notes_url), **FAST_FAILURE) as db,
        AsyncReadCache(db, settings=settings(prefix)) as cache,
    ):
        notes = cache.cached(get_note_async, name="GetNote", sql=GET_NOTE)
        assert await notes(ANONYMOUS, id=2) == "second"
        await asyncio.sleep(STALE_AFTER_S)
        cluster.stop()
        assert await notes(ANONYMOUS, id=2) == "second"
        assert cache.stats()["stale_served"] == 1
        with pytest.raises(errors.DatabaseUnavailable):
            await notes(ANONYMOUS, id=1)


def test_stale_if_error_zero_keeps_nothing_past_the_ttl(
    cluster: TempCluster, notes_url: str, prefix: str
) -> None:
    with (
        Database(**logins(notes_url), **FAST_FAILURE) as db,
        ReadCache(db, settings=settings(prefix, stale_if_error_s=0)) as cache,
    ):
        notes = cache.cached(get_note, name="GetNote", sql=GET_NOTE)
        assert notes(ANONYMOUS, id=1) == "first"
        time.sleep(STALE_AFTER_S)
        cluster.stop()
        with pytest.raises(errors.DatabaseUnavailable):
            notes(ANONYMOUS, id=1)


def test_a_public_chat_is_served_stale_to_anonymous_readers_when_the_database_is_unreachable(
    database: Database, owner: Owner, prefix: str
) -> None:
    """The product's schema: a public chat read anonymously (row-level security) is cached
    by a working process; another process whose database is unreachable serves it stale."""
    with ReadCache(database, settings=settings(prefix)) as up:
        cards = up.cached(q.get_chat_card, tags={"chat": "id"})
        card = cards(ANONYMOUS, id=owner.public_chat)
        assert card is not None and card.title == "public chat"
        assert cards(signed_in(owner.user_id), id=owner.private_chat) is not None
    time.sleep(STALE_AFTER_S)
    unreachable = f"postgresql://chatdb@127.0.0.1:{free_port()}/chatdb"
    with (
        Database(unreachable, **FAST_FAILURE) as down_db,
        ReadCache(down_db, settings=settings(prefix)) as down,
    ):
        down_cards = down.cached(q.get_chat_card, tags={"chat": "id"})
        assert down_cards(ANONYMOUS, id=owner.public_chat) == card
        with pytest.raises(errors.DatabaseUnavailable):
            down_cards(signed_in(owner.user_id), id=owner.private_chat)
