from __future__ import annotations

import datetime
import decimal
import uuid

import pytest

from chatdb import AsyncDatabase, Database, Page, errors
from chatdb.queries import messages, models, votes
from chatdb.queries.aio import messages as amessages
from chatdb.queries.enums import MessageRole, VoteDirection
from support.factories import create_chat, import_rows, message_params, sign_up

Cursor = tuple[datetime.datetime, uuid.UUID]


def test_insert_message_and_get_it(database: Database) -> None:
    user = sign_up(database)
    chat = create_chat(database, user.id)
    with database.as_user(user.id) as conn:
        message = messages.insert_message(conn, **message_params(chat.id, "hi"))
        assert message.parts.root[0].text == "hi"
        assert message.cost == decimal.Decimal("0")
        assert messages.get_message_by_id(conn, id=message.id) == message
        assert messages.get_message_by_id(conn, id=uuid.uuid4()) is None


def test_insert_message_retry_with_same_client_request_id_inserts_once(database: Database) -> None:
    user = sign_up(database)
    chat = create_chat(database, user.id)
    with database.as_user(user.id) as conn:
        first = messages.insert_message(
            conn, **message_params(chat.id, "once", client_request_id="req-1")
        )
        again = messages.insert_message(
            conn, **message_params(chat.id, "twice", client_request_id="req-1")
        )
        assert again.id == first.id
        assert again.parts == first.parts
        rows = messages.list_messages_by_chat(
            conn, chat_id=chat.id, before_at=None, before_id=None, page_size=10
        )
    assert len(rows) == 1


def test_insert_message_into_someone_elses_chat_is_refused(database: Database) -> None:
    owner, other = sign_up(database), sign_up(database)
    chat = create_chat(database, owner.id, public=True)
    with pytest.raises(errors.PermissionDenied), database.as_user(other.id) as conn:
        messages.insert_message(conn, **message_params(chat.id))
    with pytest.raises(errors.PermissionDenied), database.anonymous() as conn:
        messages.insert_message(conn, **message_params(chat.id))


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"client_request_id": ""}, errors.CheckViolation),
        ({"provider": "nul\x00"}, errors.InvalidInput),
        ({"provider_metadata": [1]}, errors.CheckViolation),
    ],
)
def test_insert_message_rejects_bad_input(
    database: Database, change: dict[str, object], error: type[Exception]
) -> None:
    user = sign_up(database)
    chat = create_chat(database, user.id)
    with pytest.raises(error), database.as_user(user.id) as conn:
        messages.insert_message(conn, **{**message_params(chat.id), **change})
    with database.as_user(user.id) as conn:
        assert (
            messages.list_messages_by_chat(
                conn, chat_id=chat.id, before_at=None, before_id=None, page_size=1
            )
            == []
        )


USAGE = {
    "input_tokens": 812,
    "output_tokens": 377,
    "cache_read_tokens": 5,
    "cache_write_tokens": 0,
    "cost": decimal.Decimal("0.00642"),
}


def test_message_usage_is_recorded_by_the_system_not_the_app(database: Database) -> None:
    user = sign_up(database)
    chat = create_chat(database, user.id)
    with database.as_user(user.id) as conn:
        message = messages.insert_message(conn, **message_params(chat.id, "answer"))
    assert (message.input_tokens, message.output_tokens, message.cost) == (0, 0, 0)
    with pytest.raises(errors.PermissionDenied), database.as_user(user.id) as conn:
        messages.record_message_usage(conn, id=message.id, **USAGE)
    with database.system() as conn:
        billed = messages.record_message_usage(conn, id=message.id, **USAGE)
    with pytest.raises(errors.NotFoundError), database.system() as conn:
        messages.record_message_usage(conn, id=uuid.uuid4(), **USAGE)
    assert (billed.input_tokens, billed.output_tokens, billed.cache_read_tokens) == (812, 377, 5)
    assert billed.cost == decimal.Decimal("0.00642")


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"input_tokens": -1}, errors.CheckViolation),
        ({"cost": decimal.Decimal("-0.01")}, errors.CheckViolation),
        ({"input_tokens": 2**31}, errors.InvalidInput),
    ],
)
def test_record_message_usage_rejects_bad_input(
    database: Database, change: dict[str, object], error: type[Exception]
) -> None:
    user = sign_up(database)
    chat = create_chat(database, user.id)
    with database.as_user(user.id) as conn:
        message = messages.insert_message(conn, **message_params(chat.id))
    assert message is not None
    with pytest.raises(error), database.system() as conn:
        messages.record_message_usage(conn, id=message.id, **{**USAGE, **change})
    with database.as_user(user.id) as conn:
        stored = messages.get_message_by_id(conn, id=message.id)
    assert stored is not None and stored.cost == 0


def test_injection_text_is_stored_verbatim(database: Database) -> None:
    user = sign_up(database)
    chat = create_chat(database, user.id)
    evil = "'); DELETE FROM messages; --"
    with database.as_user(user.id) as conn:
        message = messages.insert_message(conn, **message_params(chat.id, evil))
        stored = messages.get_message_by_id(conn, id=message.id)
    assert stored is not None
    assert stored.parts.root[0].text == evil


def test_import_messages_copies_rows(database: Database) -> None:
    user = sign_up(database)
    chat = create_chat(database, user.id)
    rows = import_rows(database, chat.id, 4, role=MessageRole.ASSISTANT)
    with database.as_user(user.id) as conn:
        got = messages.get_message_by_id(conn, id=rows[3].id)
    assert got is not None
    assert (got.role, got.input_tokens, got.created_at) == (
        MessageRole.ASSISTANT,
        3,
        rows[3].created_at,
    )
    with database.system() as conn:
        assert messages.import_messages(conn, rows=[]) == 0


def test_import_messages_is_all_or_nothing(database: Database) -> None:
    user = sign_up(database)
    chat = create_chat(database, user.id)
    good = import_rows(database, chat.id, 1)[0]
    bad = good._replace(id=uuid.uuid4(), chat_id=uuid.uuid4())
    with pytest.raises(errors.NotFoundError), database.system() as conn:
        messages.import_messages(conn, rows=[good._replace(id=uuid.uuid4()), bad])
    with database.system() as conn:
        assert (
            len(
                messages.list_messages_by_chat(
                    conn, chat_id=chat.id, before_at=None, before_id=None, page_size=5
                )
            )
            == 1
        )


def _older(
    db: Database, user_id: uuid.UUID, chat_id: uuid.UUID, size: int, cursor: Cursor | None
) -> Page[models.Message, Cursor]:
    with db.as_user(user_id) as conn:
        rows = messages.list_messages_by_chat(
            conn,
            chat_id=chat_id,
            before_at=cursor[0] if cursor else None,
            before_id=cursor[1] if cursor else None,
            page_size=size,
        )
    return Page.from_rows(rows, size, cursor=lambda m: (m.created_at, m.id))


def _newer(
    db: Database, user_id: uuid.UUID, chat_id: uuid.UUID, size: int, cursor: Cursor | None
) -> Page[models.Message, Cursor]:
    with db.as_user(user_id) as conn:
        rows = messages.list_messages_by_chat_after(
            conn,
            chat_id=chat_id,
            after_at=cursor[0] if cursor else None,
            after_id=cursor[1] if cursor else None,
            page_size=size,
        )
    return Page.from_rows(rows, size, cursor=lambda m: (m.created_at, m.id))


def test_list_messages_by_chat_pages_backwards(database: Database) -> None:
    user = sign_up(database)
    chat = create_chat(database, user.id)
    ids = [r.id for r in import_rows(database, chat.id, 5)]
    exact = _older(database, user.id, chat.id, 5, None)
    assert [m.id for m in exact.items] == ids[::-1]
    assert not exact.has_more
    first = _older(database, user.id, chat.id, 2, None)
    assert [m.id for m in first.items] == [ids[4], ids[3]]
    assert first.has_more
    second = _older(database, user.id, chat.id, 2, first.next_cursor)
    third = _older(database, user.id, chat.id, 2, second.next_cursor)
    assert [m.id for m in second.items + third.items] == [ids[2], ids[1], ids[0]]
    assert second.has_more
    assert not third.has_more
    assert _older(database, user.id, create_chat(database, user.id).id, 2, None).items == []


def test_list_messages_by_chat_after_pages_forwards_with_tied_timestamps(
    database: Database,
) -> None:
    user = sign_up(database)
    chat = create_chat(database, user.id)
    same = datetime.datetime(2031, 1, 1, tzinfo=datetime.UTC)
    rows = import_rows(database, chat.id, 1, start=same)
    rows += import_rows(database, chat.id, 1, start=same)
    rows += import_rows(database, chat.id, 1, start=same)
    ids = sorted(r.id for r in rows)
    first = _newer(database, user.id, chat.id, 2, None)
    assert [m.id for m in first.items] == ids[:2]
    assert first.has_more
    second = _newer(database, user.id, chat.id, 2, first.next_cursor)
    assert [m.id for m in second.items] == ids[2:]
    assert not second.has_more
    exact = _newer(database, user.id, chat.id, 3, None)
    assert not exact.has_more
    assert _newer(database, user.id, chat.id, 3, (same, ids[2])).items == []


def test_messages_of_private_chat_invisible_public_readable(database: Database) -> None:
    owner, other = sign_up(database), sign_up(database)
    private, public = create_chat(database, owner.id), create_chat(database, owner.id, public=True)
    import_rows(database, private.id, 2)
    import_rows(database, public.id, 2)
    assert _older(database, other.id, private.id, 5, None).items == []
    assert len(_older(database, other.id, public.id, 5, None).items) == 2
    with database.anonymous() as conn:
        assert (
            len(
                messages.list_messages_by_chat_after(
                    conn, chat_id=public.id, after_at=None, after_id=None, page_size=5
                )
            )
            == 2
        )


def test_delete_messages_after_removes_tail_with_votes(database: Database) -> None:
    owner, voter = sign_up(database), sign_up(database)
    chat = create_chat(database, owner.id, public=True)
    rows = import_rows(database, chat.id, 4, role=MessageRole.ASSISTANT)
    with database.as_user(voter.id) as conn:
        votes.vote_message(
            conn, message_id=rows[3].id, user_id=voter.id, direction=VoteDirection.UP
        )
    with database.as_user(voter.id) as conn:
        assert messages.delete_messages_after(conn, chat_id=chat.id, since=rows[0].created_at) == 0
    with database.as_user(owner.id) as conn:
        assert messages.delete_messages_after(conn, chat_id=chat.id, since=rows[2].created_at) == 2
        assert messages.delete_messages_after(conn, chat_id=chat.id, since=rows[2].created_at) == 0
    left = _older(database, owner.id, chat.id, 10, None)
    assert [m.id for m in left.items] == [rows[1].id, rows[0].id]
    with database.system() as conn:
        assert votes.list_votes_by_chat(conn, chat_id=chat.id) == []


def test_question_and_answer_inserted_in_one_transaction_keep_their_order(
    database: Database,
) -> None:
    user = sign_up(database)
    chat = create_chat(database, user.id)
    with database.as_user(user.id) as conn:
        written = [
            messages.insert_message(
                conn,
                **message_params(
                    chat.id, f"turn {n}", role=MessageRole.USER if n % 2 else MessageRole.ASSISTANT
                ),
            )
            for n in range(6)
        ]
    ids = [m.id for m in written if m is not None]
    assert [m.id for m in _newer(database, user.id, chat.id, 10, None).items] == ids
    assert [m.id for m in _older(database, user.id, chat.id, 10, None).items] == ids[::-1]
    answer = written[1]
    assert answer is not None
    with database.as_user(user.id) as conn:
        # Regenerating the answer deletes it and what follows, never the question before it.
        deleted = messages.delete_messages_after(conn, chat_id=chat.id, since=answer.created_at)
    assert deleted == 5
    assert [m.id for m in _newer(database, user.id, chat.id, 10, None).items] == ids[:1]


def test_count_user_messages_since_counts_only_user_turns_of_that_user(
    database: Database,
) -> None:
    user, other = sign_up(database), sign_up(database)
    a, b = create_chat(database, user.id), create_chat(database, user.id)
    start = datetime.datetime(2032, 1, 1, tzinfo=datetime.UTC)
    import_rows(database, a.id, 3, start=start)
    import_rows(database, b.id, 2, start=start)
    import_rows(database, a.id, 4, start=start, role=MessageRole.ASSISTANT)
    import_rows(database, create_chat(database, other.id).id, 5, start=start)
    with database.as_user(user.id) as conn:
        assert messages.count_user_messages_since(conn, user_id=user.id, since=start) == 5
        later = start + datetime.timedelta(seconds=2)
        assert messages.count_user_messages_since(conn, user_id=user.id, since=later) == 1
        never = start + datetime.timedelta(days=1)
        assert messages.count_user_messages_since(conn, user_id=user.id, since=never) == 0
        assert messages.count_user_messages_since(conn, user_id=other.id, since=start) == 0


def test_naive_datetime_is_refused_before_sending(database: Database) -> None:
    user = sign_up(database)
    with pytest.raises(errors.InvalidInput, match="naive"), database.as_user(user.id) as conn:
        messages.count_user_messages_since(
            conn, user_id=user.id, since=datetime.datetime(2030, 1, 1)
        )


def test_message_reactions(database: Database) -> None:
    owner, other, stranger = sign_up(database), sign_up(database), sign_up(database)
    chat = create_chat(database, owner.id, public=True)
    private = create_chat(database, owner.id)
    message = import_rows(database, chat.id, 1)[0]
    hidden = import_rows(database, private.id, 1)[0]
    with database.as_user(owner.id) as conn:
        assert messages.list_message_reactions(conn, message_id=message.id, user_id=owner.id) == []
        assert (
            messages.add_message_reaction(conn, message_id=message.id, user_id=owner.id, emoji="👍")
            == 1
        )
        assert (
            messages.add_message_reaction(conn, message_id=message.id, user_id=owner.id, emoji="👍")
            == 0
        )
    with database.as_user(other.id) as conn:
        assert (
            messages.add_message_reaction(conn, message_id=message.id, user_id=other.id, emoji="👍")
            == 1
        )
        assert (
            messages.add_message_reaction(conn, message_id=message.id, user_id=other.id, emoji="🎉")
            == 1
        )
        assert (
            messages.remove_message_reaction(
                conn, message_id=message.id, user_id=owner.id, emoji="👍"
            )
            == 0
        )
    with database.as_user(stranger.id) as conn:
        got = messages.list_message_reactions(conn, message_id=message.id, user_id=stranger.id)
    assert [(r.emoji, r.reaction_count, r.reacted) for r in got] == [
        ("👍", 2, False),
        ("🎉", 1, False),
    ]
    with pytest.raises(errors.PermissionDenied), database.as_user(other.id) as conn:
        messages.add_message_reaction(conn, message_id=hidden.id, user_id=other.id, emoji="👀")
    with pytest.raises(errors.PermissionDenied), database.as_user(other.id) as conn:
        messages.add_message_reaction(conn, message_id=message.id, user_id=owner.id, emoji="👀")
    with database.as_user(other.id) as conn:
        assert (
            messages.remove_message_reaction(
                conn, message_id=message.id, user_id=other.id, emoji="🎉"
            )
            == 1
        )


async def test_async_insert_and_list(async_database: AsyncDatabase, database: Database) -> None:
    user = sign_up(database)
    chat = create_chat(database, user.id)
    async with async_database.as_user(user.id) as conn:
        message = await amessages.insert_message(conn, **message_params(chat.id, "async"))
        rows = await amessages.list_messages_by_chat_after(
            conn, chat_id=chat.id, after_at=None, after_id=None, page_size=10
        )
        assert rows == [message]
        assert (
            await amessages.count_user_messages_since(
                conn, user_id=user.id, since=message.created_at
            )
            == 1
        )
