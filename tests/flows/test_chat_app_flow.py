"""The chat app's main flow with client-generated ids, as chatdb_app under row-level security:
save a chat and messages with the browser's ids (replays idempotent, conflicts typed), edit a
message's parts, list the sidebar by creation time in both directions, delete all chats."""

from __future__ import annotations

import uuid

import pytest

from chatdb import AsyncDatabase, Database, errors
from chatdb.flows import chats as flow
from chatdb.flows.aio import chats as aflow
from chatdb.queries import chats, messages, votes
from chatdb.queries.enums import ChatVisibility, MessageRole, VoteDirection
from chatdb.types import MessagePart, MessageParts
from support.factories import sign_up


def parts(text: str) -> MessageParts:
    return MessageParts([MessagePart(type="text", text=text)])


def test_save_chat_with_client_id_stores_that_id_and_replay_returns_it_unchanged(
    database: Database,
) -> None:
    user = sign_up(database)
    chat_id = str(uuid.uuid4())  # as the browser sends it
    with database.as_user(user.id) as conn:
        first = flow.save_chat(conn, id=chat_id, user_id=user.id, title="Trip plan")
    with database.as_user(user.id) as conn:
        again = flow.save_chat(conn, id=chat_id, user_id=user.id, title="Trip plan")
    assert str(first.id) == chat_id
    assert again == first  # nothing changed, updated_at included


def test_save_chat_with_id_of_another_users_chat_is_a_conflict_and_reveals_nothing(
    database: Database,
) -> None:
    owner, other = sign_up(database), sign_up(database)
    chat_id = uuid.uuid4()
    with database.as_user(owner.id) as conn:
        flow.save_chat(conn, id=chat_id, user_id=owner.id, title="Private")
    with pytest.raises(errors.ConflictError) as caught, database.as_user(other.id) as conn:
        flow.save_chat(conn, id=chat_id, user_id=other.id, title="Private")
    assert caught.value.constraint == "chats_pkey"
    assert str(chat_id) not in str(caught.value)
    with database.as_user(owner.id) as conn:
        stored = chats.get_chat_by_id(conn, id=chat_id)
    assert stored is not None and stored.user_id == owner.id


def test_save_chat_replay_with_different_content_is_a_conflict(database: Database) -> None:
    user = sign_up(database)
    chat_id = uuid.uuid4()
    with database.as_user(user.id) as conn:
        flow.save_chat(conn, id=chat_id, user_id=user.id, title="One")
    with pytest.raises(errors.ConflictError), database.as_user(user.id) as conn:
        flow.save_chat(conn, id=chat_id, user_id=user.id, title="Two")


@pytest.mark.parametrize("bad", ["not-a-uuid", "", "1234", "00000000-0000-0000-0000-00000000000g"])
def test_save_chat_refuses_an_id_that_is_not_a_uuid_and_writes_nothing(
    database: Database, bad: str
) -> None:
    user = sign_up(database)
    with pytest.raises(errors.InvalidInput) as caught, database.as_user(user.id) as conn:
        flow.save_chat(conn, id=bad, user_id=user.id)
    assert caught.value.column == "id"
    with database.as_user(user.id) as conn:
        assert (
            chats.list_chats_by_user_created_before(
                conn, user_id=user.id, before_at=None, before_id=None, page_size=5
            )
            == []
        )


def test_save_message_with_client_id_is_idempotent_and_conflicts_on_other_content(
    database: Database,
) -> None:
    user = sign_up(database)
    with database.as_user(user.id) as conn:
        chat = flow.save_chat(conn, id=uuid.uuid4(), user_id=user.id)
        message_id = uuid.uuid4()
        new = flow.new_message(id=str(message_id), chat_id=chat.id, role="user", parts=parts("Hi"))
        first = flow.save_message(conn, message=new)
        again = flow.save_message(conn, message=new)
        assert first.id == message_id
        assert again == first
        other_content = flow.new_message(
            id=message_id, chat_id=chat.id, role="user", parts=parts("Hello")
        )
        with pytest.raises(errors.ConflictError) as caught, conn.transaction():
            flow.save_message(conn, message=other_content)
        assert caught.value.constraint == "messages_pkey"
        listed = messages.list_messages_by_chat(
            conn, chat_id=chat.id, before_at=None, before_id=None, page_size=10
        )
    assert [m.id for m in listed] == [message_id]


def test_save_message_with_id_used_in_another_users_chat_is_a_conflict(
    database: Database,
) -> None:
    owner, other = sign_up(database), sign_up(database)
    message_id = uuid.uuid4()
    with database.as_user(owner.id) as conn:
        chat = flow.save_chat(conn, id=uuid.uuid4(), user_id=owner.id)
        flow.save_message(
            conn,
            message=flow.new_message(id=message_id, chat_id=chat.id, role="user", parts=parts("x")),
        )
    with pytest.raises(errors.ConflictError), database.as_user(other.id) as conn:
        mine = flow.save_chat(conn, id=uuid.uuid4(), user_id=other.id)
        flow.save_message(
            conn,
            message=flow.new_message(id=message_id, chat_id=mine.id, role="user", parts=parts("x")),
        )


def test_save_message_into_another_users_chat_is_refused(database: Database) -> None:
    owner, other = sign_up(database), sign_up(database)
    with database.as_user(owner.id) as conn:
        chat = flow.save_chat(conn, id=uuid.uuid4(), user_id=owner.id)
    with pytest.raises(errors.PermissionDenied), database.as_user(other.id) as conn:
        flow.save_message(
            conn,
            message=flow.new_message(
                id=uuid.uuid4(), chat_id=chat.id, role="user", parts=parts("x")
            ),
        )


def test_new_message_refuses_unknown_role_and_bad_id() -> None:
    with pytest.raises(errors.InvalidInput):
        flow.new_message(id=uuid.uuid4(), chat_id=uuid.uuid4(), role="robot", parts=parts("x"))
    with pytest.raises(errors.InvalidInput):
        flow.new_message(id="nope", chat_id=uuid.uuid4(), role="user", parts=parts("x"))


def test_update_message_parts_edits_in_place_keeping_order_and_moving_updated_at(
    database: Database,
) -> None:
    user = sign_up(database)
    with database.as_user(user.id) as conn:
        chat = flow.save_chat(conn, id=uuid.uuid4(), user_id=user.id)
        stored = flow.save_messages(
            conn,
            messages=[
                flow.new_message(id=uuid.uuid4(), chat_id=chat.id, role="user", parts=parts("a")),
                flow.new_message(
                    id=uuid.uuid4(), chat_id=chat.id, role="assistant", parts=parts("b")
                ),
            ],
        )
    with database.as_user(user.id) as conn:
        edited = messages.update_message_parts(conn, id=stored[0].id, parts=parts("a, edited"))
    assert edited is not None
    assert edited.parts == parts("a, edited")
    assert edited.created_at == stored[0].created_at
    assert edited.updated_at > stored[0].updated_at
    other = sign_up(database)
    with database.as_user(other.id) as conn:
        assert messages.update_message_parts(conn, id=stored[0].id, parts=parts("hijack")) is None


def _make_chats(database: Database, user_id: uuid.UUID, count: int) -> list[uuid.UUID]:
    """`count` chats created one after another; their ids, oldest first."""
    ids = []
    for n in range(count):
        with database.as_user(user_id) as conn:
            ids.append(flow.save_chat(conn, id=uuid.uuid4(), user_id=user_id, title=f"c{n}").id)
    return ids


def test_sidebar_lists_by_creation_time_in_both_directions_with_has_more(
    database: Database,
) -> None:
    user = sign_up(database)
    oldest_first = _make_chats(database, user.id, 5)
    newest_first = list(reversed(oldest_first))
    with database.as_user(user.id) as conn:
        # Renaming the oldest chat must not move it (ListChatsByUser's updated_at order would).
        chats.update_chat_title(conn, id=oldest_first[0], user_id=user.id, title="renamed")
        first = flow.list_chats_by_creation(conn, user_id=user.id, limit=2)
        down = flow.list_chats_by_creation(
            conn, user_id=user.id, limit=2, ending_before=first.chats[-1].id
        )
        last = flow.list_chats_by_creation(
            conn, user_id=user.id, limit=2, ending_before=down.chats[-1].id
        )
        up = flow.list_chats_by_creation(
            conn, user_id=user.id, limit=2, starting_after=oldest_first[0]
        )
        top = flow.list_chats_by_creation(
            conn, user_id=user.id, limit=2, starting_after=up.chats[0].id
        )
    assert [c.id for c in first.chats] == newest_first[:2] and first.has_more
    assert [c.id for c in down.chats] == newest_first[2:4] and down.has_more
    assert [c.id for c in last.chats] == newest_first[4:] and not last.has_more
    assert [c.id for c in up.chats] == [oldest_first[2], oldest_first[1]] and up.has_more
    assert [c.id for c in top.chats] == [oldest_first[4], oldest_first[3]] and not top.has_more


def test_sidebar_cursor_of_another_users_chat_is_not_found(database: Database) -> None:
    owner, other = sign_up(database), sign_up(database)
    (theirs,) = _make_chats(database, owner.id, 1)
    with pytest.raises(errors.NotFoundError), database.as_user(other.id) as conn:
        flow.list_chats_by_creation(conn, user_id=other.id, limit=5, ending_before=theirs)


@pytest.mark.parametrize(
    ("limit", "after", "before"),
    [(0, None, None), (10_000, None, None), (5, uuid.uuid4(), uuid.uuid4()), (5, "x", None)],
)
def test_sidebar_refuses_bad_paging_arguments(
    database: Database, limit: int, after: object, before: object
) -> None:
    user = sign_up(database)
    with pytest.raises(errors.InvalidInput), database.as_user(user.id) as conn:
        flow.list_chats_by_creation(
            conn,
            user_id=user.id,
            limit=limit,
            starting_after=after,  # type: ignore[arg-type]
            ending_before=before,  # type: ignore[arg-type]
        )


def test_delete_chats_by_user_removes_every_chat_with_its_messages_and_votes_only_for_them(
    database: Database,
) -> None:
    user, bystander = sign_up(database), sign_up(database)
    with database.as_user(bystander.id) as conn:
        kept = flow.save_chat(conn, id=uuid.uuid4(), user_id=bystander.id)
    # The bystander's chats are out of reach: passing their id inside as_user() is refused
    # (signed_in_user()), not answered with 0.
    with pytest.raises(errors.PermissionDenied), database.as_user(user.id) as conn:
        chats.delete_chats_by_user(conn, user_id=bystander.id)
    with database.as_user(user.id) as conn:
        for _ in range(3):
            chat = flow.save_chat(conn, id=uuid.uuid4(), user_id=user.id)
            message = flow.save_message(
                conn,
                message=flow.new_message(
                    id=uuid.uuid4(), chat_id=chat.id, role=MessageRole.ASSISTANT, parts=parts("a")
                ),
            )
            votes.vote_message(
                conn, message_id=message.id, user_id=user.id, direction=VoteDirection.UP
            )
        assert chats.delete_chats_by_user(conn, user_id=user.id) == 3
        assert (
            chats.list_chats_by_user(
                conn, user_id=user.id, before_at=None, before_id=None, page_size=5
            )
            == []
        )
        assert messages.get_message_by_id(conn, id=message.id) is None
    with database.system() as conn:
        left = conn.execute("SELECT count(*) FROM votes WHERE user_id = %s", (user.id,)).fetchone()
    assert left == (0,)
    with database.as_user(bystander.id) as conn:
        assert chats.get_chat_by_id(conn, id=kept.id) is not None


async def test_async_chat_app_flow_matches_the_sync_one(
    async_database: AsyncDatabase, database: Database
) -> None:
    user = sign_up(database)
    chat_id, message_id = uuid.uuid4(), uuid.uuid4()
    async with async_database.as_user(user.id) as conn:
        chat = await aflow.save_chat(
            conn, id=chat_id, user_id=user.id, visibility=ChatVisibility.PUBLIC
        )
        assert (
            await aflow.save_chat(
                conn, id=chat_id, user_id=user.id, visibility=ChatVisibility.PUBLIC
            )
            == chat
        )
        new = flow.new_message(id=message_id, chat_id=chat.id, role="user", parts=parts("hi"))
        saved = await aflow.save_messages(conn, messages=[new])
        assert await aflow.save_message(conn, message=new) == saved[0]
        page = await aflow.list_chats_by_creation(conn, user_id=user.id, limit=1)
        assert [c.id for c in page.chats] == [chat_id] and not page.has_more
        with pytest.raises(errors.NotFoundError):
            await aflow.list_chats_by_creation(
                conn, user_id=user.id, limit=1, starting_after=uuid.uuid4()
            )
    other = sign_up(database)
    async with async_database.as_user(other.id) as conn:
        with pytest.raises(errors.ConflictError):
            await aflow.save_chat(
                conn, id=chat_id, user_id=other.id, visibility=ChatVisibility.PUBLIC
            )


def test_chat_rows_created_in_one_transaction_still_page_by_id(database: Database) -> None:
    # Chats created in one transaction share created_at (now()); (created_at, id) still orders
    # them totally, so no chat is skipped or repeated between pages.
    user = sign_up(database)
    with database.as_user(user.id) as conn:
        ids = [flow.save_chat(conn, id=uuid.uuid4(), user_id=user.id).id for _ in range(4)]
    seen: list[uuid.UUID] = []
    cursor: uuid.UUID | None = None
    with database.as_user(user.id) as conn:
        while True:
            page = flow.list_chats_by_creation(conn, user_id=user.id, limit=1, ending_before=cursor)
            seen += [c.id for c in page.chats]
            if not page.has_more:
                break
            cursor = page.chats[-1].id
    assert sorted(seen) == sorted(ids) and len(seen) == 4
