"""streams.sql: resumable response streams of a chat, as the chat's owner."""

from __future__ import annotations

import uuid

import pytest

from chatdb import AsyncDatabase, Database, errors
from chatdb.queries import streams
from chatdb.queries.aio import streams as aio_streams
from support.factories import make_chat, make_user


def test_create_streams_and_list_ids_oldest_first(database: Database) -> None:
    user = make_user(database)
    chat = make_chat(database, user)
    chosen = uuid.uuid4()
    with database.as_user(user) as conn:
        first = streams.create_stream(conn, id=None, chat_id=chat)
        second = streams.create_stream(conn, id=chosen, chat_id=chat)
        ids = streams.list_stream_ids_by_chat(conn, chat_id=chat)
    assert second.id == chosen
    assert ids == [first.id, chosen]


def test_list_stream_ids_of_chat_without_streams_is_empty(database: Database) -> None:
    user = make_user(database)
    chat = make_chat(database, user)
    with database.as_user(user) as conn:
        assert streams.list_stream_ids_by_chat(conn, chat_id=chat) == []


def test_create_stream_with_duplicate_id_is_a_conflict(database: Database) -> None:
    user = make_user(database)
    chat = make_chat(database, user)
    stream_id = uuid.uuid4()
    with database.as_user(user) as conn:
        streams.create_stream(conn, id=stream_id, chat_id=chat)
    with pytest.raises(errors.ConflictError), database.as_user(user) as conn:
        streams.create_stream(conn, id=stream_id, chat_id=chat)


def test_other_user_neither_creates_nor_sees_streams(database: Database) -> None:
    owner, other = make_user(database), make_user(database)
    chat = make_chat(database, owner, visibility="public")
    with database.as_user(owner) as conn:
        streams.create_stream(conn, id=None, chat_id=chat)
    with database.as_user(other) as conn:
        assert streams.list_stream_ids_by_chat(conn, chat_id=chat) == []
    with pytest.raises(errors.PermissionDenied), database.as_user(other) as conn:
        streams.create_stream(conn, id=None, chat_id=chat)


async def test_async_create_stream(database: Database, async_database: AsyncDatabase) -> None:
    user = make_user(database)
    chat = make_chat(database, user)
    async with async_database.as_user(user) as conn:
        made = await aio_streams.create_stream(conn, id=None, chat_id=chat)
        ids = await aio_streams.list_stream_ids_by_chat(conn, chat_id=chat)
    assert ids == [made.id]
