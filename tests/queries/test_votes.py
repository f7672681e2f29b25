from __future__ import annotations

import uuid

import pytest

from chatdb import AsyncDatabase, Database, errors
from chatdb.queries import votes
from chatdb.queries.aio import votes as avotes
from chatdb.queries.enums import MessageRole, VoteDirection
from support.factories import create_chat, import_rows, sign_up

UP, DOWN = VoteDirection.UP, VoteDirection.DOWN


def test_vote_message_inserts_then_flips(database: Database) -> None:
    user = sign_up(database)
    chat = create_chat(database, user.id)
    message = import_rows(database, chat.id, 1, role=MessageRole.ASSISTANT)[0]
    with database.as_user(user.id) as conn:
        first = votes.vote_message(conn, message_id=message.id, user_id=user.id, direction=UP)
        assert first.direction is UP
        flipped = votes.vote_message(conn, message_id=message.id, user_id=user.id, direction=DOWN)
        assert (flipped.direction, flipped.created_at) == (DOWN, first.created_at)
        assert votes.list_votes_by_chat(conn, chat_id=chat.id) == [flipped]


def test_vote_on_unreadable_or_missing_message_is_refused(database: Database) -> None:
    owner, other = sign_up(database), sign_up(database)
    message = import_rows(database, create_chat(database, owner.id).id, 1)[0]
    with pytest.raises(errors.PermissionDenied), database.as_user(other.id) as conn:
        votes.vote_message(conn, message_id=message.id, user_id=other.id, direction=UP)
    with pytest.raises(errors.PermissionDenied), database.as_user(other.id) as conn:
        votes.vote_message(conn, message_id=message.id, user_id=owner.id, direction=UP)
    with pytest.raises(errors.NotFoundError), database.system() as conn:
        votes.vote_message(conn, message_id=uuid.uuid4(), user_id=owner.id, direction=UP)


def test_vote_messages_batch_upserts_each(database: Database) -> None:
    user = sign_up(database)
    chat = create_chat(database, user.id)
    rows = import_rows(database, chat.id, 3, role=MessageRole.ASSISTANT)
    with database.as_user(user.id) as conn:
        votes.vote_messages(conn, params=[])
        assert votes.list_votes_by_chat(conn, chat_id=chat.id) == []
        votes.vote_messages(
            conn,
            params=[
                votes.VoteMessagesParams(message_id=rows[0].id, user_id=user.id, direction=UP),
                votes.VoteMessagesParams(message_id=rows[1].id, user_id=user.id, direction=UP),
                votes.VoteMessagesParams(message_id=rows[0].id, user_id=user.id, direction=DOWN),
            ],
        )
        got = votes.list_votes_by_chat(conn, chat_id=chat.id)
    assert [(v.message_id, v.direction) for v in got] == [(rows[0].id, DOWN), (rows[1].id, UP)]


def test_vote_messages_batch_is_all_or_nothing(database: Database) -> None:
    user = sign_up(database)
    chat = create_chat(database, user.id)
    message = import_rows(database, chat.id, 1)[0]
    # The missing message fails the votes policy (it must be readable) before the FK check.
    with pytest.raises(errors.PermissionDenied), database.as_user(user.id) as conn:
        votes.vote_messages(
            conn,
            params=[
                votes.VoteMessagesParams(message_id=message.id, user_id=user.id, direction=UP),
                votes.VoteMessagesParams(message_id=uuid.uuid4(), user_id=user.id, direction=UP),
            ],
        )
    with database.as_user(user.id) as conn:
        assert votes.list_votes_by_chat(conn, chat_id=chat.id) == []


def test_list_votes_by_chat_shows_own_votes_to_app_and_all_to_system(database: Database) -> None:
    owner, other = sign_up(database), sign_up(database)
    chat = create_chat(database, owner.id, public=True)
    rows = import_rows(database, chat.id, 2, role=MessageRole.ASSISTANT)
    with database.as_user(owner.id) as conn:
        votes.vote_message(conn, message_id=rows[1].id, user_id=owner.id, direction=UP)
    with database.as_user(other.id) as conn:
        votes.vote_message(conn, message_id=rows[0].id, user_id=other.id, direction=DOWN)
        assert [v.user_id for v in votes.list_votes_by_chat(conn, chat_id=chat.id)] == [other.id]
    with pytest.raises(errors.PermissionDenied), database.as_user(other.id) as conn:
        votes.delete_vote(conn, message_id=rows[1].id, user_id=owner.id)
    with database.system() as conn:
        got = votes.list_votes_by_chat(conn, chat_id=chat.id)
        assert [v.message_id for v in got] == [rows[0].id, rows[1].id]
        assert votes.list_votes_by_chat(conn, chat_id=uuid.uuid4()) == []
    with database.as_user(owner.id) as conn:
        assert votes.delete_vote(conn, message_id=rows[1].id, user_id=owner.id) == 1
        assert votes.delete_vote(conn, message_id=rows[1].id, user_id=owner.id) == 0


async def test_async_vote_flip(async_database: AsyncDatabase, database: Database) -> None:
    user = sign_up(database)
    chat = create_chat(database, user.id)
    message = import_rows(database, chat.id, 1, role=MessageRole.ASSISTANT)[0]
    async with async_database.as_user(user.id) as conn:
        await avotes.vote_messages(
            conn,
            params=[votes.VoteMessagesParams(message_id=message.id, user_id=user.id, direction=UP)],
        )
        vote = await avotes.vote_message(
            conn, message_id=message.id, user_id=user.id, direction=DOWN
        )
        assert await avotes.list_votes_by_chat(conn, chat_id=chat.id) == [vote]
