from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from typing import Any

import psycopg
import pydantic
import pytest

from chatdb import AsyncDatabase, Database, Page, errors
from chatdb.queries import chats, messages, models
from chatdb.queries.aio import chats as achats
from chatdb.queries.enums import ChatVisibility
from chatdb.types import ChatState
from support.factories import create_chat, import_rows, sign_up


def test_create_chat_applies_defaults(database: Database) -> None:
    user = sign_up(database)
    chat = create_chat(database, user.id)
    assert (chat.title, chat.visibility, chat.metadata) == ("New Chat", ChatVisibility.PRIVATE, {})


def test_create_chat_for_another_user_is_refused(database: Database) -> None:
    me, other = sign_up(database), sign_up(database)
    with pytest.raises(errors.PermissionDenied), database.as_user(me.id) as conn:
        chats.create_chat(
            conn,
            user_id=other.id,
            title=None,
            visibility=None,
            provider=None,
            model=None,
            system_prompt=None,
            context_window=None,
            metadata=None,
        )


@pytest.mark.parametrize(
    ("title", "metadata", "error"),
    [
        ("", None, errors.CheckViolation),
        ("t" * 501, None, errors.CheckViolation),
        ("nul\x00", None, errors.InvalidInput),
        (None, [1, 2], errors.CheckViolation),
    ],
)
def test_create_chat_rejects_bad_input_and_writes_nothing(
    database: Database, title: str | None, metadata: list[int] | None, error: type[Exception]
) -> None:
    user = sign_up(database)
    with pytest.raises(error), database.as_user(user.id) as conn:
        chats.create_chat(
            conn,
            user_id=user.id,
            title=title,
            visibility=None,
            provider=None,
            model=None,
            system_prompt=None,
            context_window=None,
            metadata=metadata,
        )
    with database.as_user(user.id) as conn:
        assert (
            chats.list_chats_by_user(
                conn, user_id=user.id, before_at=None, before_id=None, page_size=10
            )
            == []
        )


def test_get_chat_by_id_private_vs_public(database: Database) -> None:
    owner, other = sign_up(database), sign_up(database)
    private = create_chat(database, owner.id)
    public = create_chat(database, owner.id, public=True)
    with database.as_user(owner.id) as conn:
        assert chats.get_chat_by_id(conn, id=private.id) == private
    with database.as_user(other.id) as conn:
        assert chats.get_chat_by_id(conn, id=private.id) is None
        assert chats.get_chat_by_id(conn, id=public.id) == public
        assert chats.get_chat_by_id(conn, id=uuid.uuid4()) is None
    with database.anonymous() as conn:
        assert chats.get_chat_by_id(conn, id=public.id) == public
        assert chats.get_chat_by_id(conn, id=private.id) is None


def _page(
    db: Database, user_id: uuid.UUID, size: int, cursor: tuple[datetime.datetime, uuid.UUID] | None
) -> Page[models.Chat, tuple[datetime.datetime, uuid.UUID]]:
    with db.as_user(user_id) as conn:
        rows = chats.list_chats_by_user(
            conn,
            user_id=user_id,
            before_at=cursor[0] if cursor else None,
            before_id=cursor[1] if cursor else None,
            page_size=size,
        )
    return Page.from_rows(rows, size, cursor=lambda c: (c.updated_at, c.id))


def test_list_chats_by_user_keyset_pages_newest_first(database: Database) -> None:
    user = sign_up(database)
    made = [create_chat(database, user.id, title=f"chat {i}") for i in range(3)]
    newest_first = [c.id for c in reversed(made)]

    exact = _page(database, user.id, 3, None)
    assert [c.id for c in exact.items] == newest_first
    assert not exact.has_more

    first = _page(database, user.id, 2, None)
    assert [c.id for c in first.items] == newest_first[:2]
    assert first.has_more
    second = _page(database, user.id, 2, first.next_cursor)
    assert [c.id for c in second.items] == newest_first[2:]
    assert not second.has_more
    assert second.next_cursor is None

    assert _page(database, sign_up(database).id, 2, None).items == []


def test_list_chats_by_user_same_updated_at_breaks_ties_by_id(database: Database) -> None:
    user = sign_up(database)
    with database.as_user(user.id) as conn:
        made = [
            chats.create_chat(
                conn,
                user_id=user.id,
                title=None,
                visibility=None,
                provider=None,
                model=None,
                system_prompt=None,
                context_window=None,
                metadata=None,
            )
            for _ in range(3)
        ]
    ids = sorted((c.id for c in made if c is not None), reverse=True)
    first = _page(database, user.id, 1, None)
    second = _page(database, user.id, 1, first.next_cursor)
    third = _page(database, user.id, 1, second.next_cursor)
    assert [first.items[0].id, second.items[0].id, third.items[0].id] == ids
    assert not third.has_more


def test_list_chats_by_user_of_another_user_is_refused(database: Database) -> None:
    owner, other = sign_up(database), sign_up(database)
    create_chat(database, owner.id, public=True)
    # Public chats are readable by link, but listing someone else's chats inside as_user()
    # is refused (signed_in_user()), not answered with whatever RLS happens to show.
    with pytest.raises(errors.PermissionDenied), database.as_user(other.id) as conn:
        chats.list_chats_by_user(conn, user_id=owner.id, page_size=10)


def test_update_title_visibility_and_settings_only_by_owner(database: Database) -> None:
    owner, other = sign_up(database), sign_up(database)
    chat = create_chat(database, owner.id)
    with database.as_user(other.id) as conn:
        assert chats.update_chat_title(conn, id=chat.id, user_id=other.id, title="x") is None
    with database.as_user(owner.id) as conn:
        renamed = chats.update_chat_title(conn, id=chat.id, user_id=owner.id, title="Renamed")
        assert renamed is not None
        assert renamed.title == "Renamed"
        shared = chats.update_chat_visibility(
            conn, id=chat.id, user_id=owner.id, visibility=ChatVisibility.PUBLIC
        )
        assert shared is not None
        assert shared.visibility is ChatVisibility.PUBLIC
        tuned = chats.update_chat_settings(
            conn,
            id=chat.id,
            user_id=owner.id,
            provider="openai",
            model=None,
            system_prompt=None,
            context_window=8000,
            metadata={"pinned": True},
        )
        assert tuned is not None
        assert (tuned.provider, tuned.model, tuned.context_window, tuned.metadata) == (
            "openai",
            None,
            8000,
            {"pinned": True},
        )
        assert tuned.title == "Renamed"


def test_update_chat_title_rejects_empty(database: Database) -> None:
    user = sign_up(database)
    chat = create_chat(database, user.id)
    with pytest.raises(errors.CheckViolation), database.as_user(user.id) as conn:
        chats.update_chat_title(conn, id=chat.id, user_id=user.id, title="")


def test_update_chat_timestamp_moves_chat_to_top(database: Database) -> None:
    user = sign_up(database)
    old, new = create_chat(database, user.id), create_chat(database, user.id)
    assert [c.id for c in _page(database, user.id, 5, None).items] == [new.id, old.id]
    with database.as_user(user.id) as conn:
        assert chats.update_chat_timestamp(conn, id=old.id, user_id=user.id) == 1
    assert [c.id for c in _page(database, user.id, 5, None).items] == [old.id, new.id]


def test_delete_chat_removes_it_and_its_messages(database: Database) -> None:
    user = sign_up(database)
    chat = create_chat(database, user.id)
    rows = import_rows(database, chat.id, 2)
    with database.as_user(user.id) as conn:
        assert chats.delete_chat(conn, id=chat.id, user_id=user.id) == 1
        assert chats.delete_chat(conn, id=chat.id, user_id=user.id) == 0
    with database.system() as conn:
        assert messages.get_message_by_id(conn, id=rows[0].id) is None


def test_get_chat_with_recent_messages_returns_last_n_in_order(database: Database) -> None:
    user = sign_up(database)
    chat = create_chat(database, user.id)
    rows = import_rows(database, chat.id, 5)
    with database.as_user(user.id) as conn:
        recent = chats.get_chat_with_recent_messages(conn, id=chat.id, message_limit=3)
    assert [r.chat.id for r in recent] == [chat.id] * 3
    assert [r.message.id for r in recent if r.message] == [r.id for r in rows[2:]]


def test_get_chat_with_recent_messages_empty_chat_and_unreadable_chat(database: Database) -> None:
    owner, other = sign_up(database), sign_up(database)
    chat = create_chat(database, owner.id)
    with database.as_user(owner.id) as conn:
        recent = chats.get_chat_with_recent_messages(conn, id=chat.id, message_limit=10)
    assert len(recent) == 1
    assert recent[0].chat == chat
    assert recent[0].message is None
    with database.as_user(other.id) as conn:
        assert chats.get_chat_with_recent_messages(conn, id=chat.id, message_limit=10) == []


def test_chat_tags_are_lowercase_deduplicated_and_private(database: Database) -> None:
    owner, other = sign_up(database), sign_up(database)
    chat = create_chat(database, owner.id, public=True)
    with database.as_user(owner.id) as conn:
        assert chats.list_chat_tags(conn, chat_id=chat.id) == []
        assert chats.add_chat_tag(conn, chat_id=chat.id, tag="Work") == 1
        assert chats.add_chat_tag(conn, chat_id=chat.id, tag="work") == 0
        assert chats.add_chat_tag(conn, chat_id=chat.id, tag="ideas") == 1
        assert chats.list_chat_tags(conn, chat_id=chat.id) == ["ideas", "work"]
    with database.as_user(other.id) as conn:
        assert chats.list_chat_tags(conn, chat_id=chat.id) == []
        assert chats.remove_chat_tag(conn, chat_id=chat.id, tag="work") == 0
    with pytest.raises(errors.PermissionDenied), database.as_user(other.id) as conn:
        chats.add_chat_tag(conn, chat_id=chat.id, tag="spam")
    with pytest.raises(errors.CheckViolation), database.as_user(owner.id) as conn:
        chats.add_chat_tag(conn, chat_id=chat.id, tag="x" * 51)
    with database.as_user(owner.id) as conn:
        assert chats.remove_chat_tag(conn, chat_id=chat.id, tag="WORK") == 1
        assert chats.list_chat_tags(conn, chat_id=chat.id) == ["ideas"]


def test_chat_state_optimistic_upsert(database: Database) -> None:
    owner, other = sign_up(database), sign_up(database)
    chat = create_chat(database, owner.id)
    with database.as_user(owner.id) as conn:
        assert chats.get_chat_state(conn, chat_id=chat.id) is None
        created = chats.upsert_chat_state(
            conn, chat_id=chat.id, state=ChatState(data={"step": 1}), expected_version=None
        )
        assert created is not None
        assert (created.version, created.state.data) == (1, {"step": 1})
        # Create-only when no version is given: an existing state is not overwritten.
        assert (
            chats.upsert_chat_state(
                conn, chat_id=chat.id, state=ChatState(data={"x": 0}), expected_version=None
            )
            is None
        )
        saved = chats.upsert_chat_state(
            conn, chat_id=chat.id, state=ChatState(data={"step": 2}), expected_version=1
        )
        assert saved is not None
        assert (saved.version, saved.state.data) == (2, {"step": 2})
        stale = chats.upsert_chat_state(
            conn, chat_id=chat.id, state=ChatState(data={"step": 9}), expected_version=1
        )
        assert stale is None
        assert chats.get_chat_state(conn, chat_id=chat.id) == saved
    with database.as_user(other.id) as conn:
        assert chats.get_chat_state(conn, chat_id=chat.id) is None
    # Another user can neither replace the state (it is invisible to them: no row) nor
    # create one on a chat they do not own (the policy refuses it).
    with database.as_user(other.id) as conn:
        assert (
            chats.upsert_chat_state(
                conn, chat_id=chat.id, state=ChatState(data={}), expected_version=2
            )
            is None
        )
    with pytest.raises(errors.PermissionDenied), database.as_user(other.id) as conn:
        chats.upsert_chat_state(
            conn, chat_id=chat.id, state=ChatState(data={}), expected_version=None
        )
    with database.as_user(owner.id) as conn:
        assert chats.get_chat_state(conn, chat_id=chat.id) == saved


def test_chat_state_with_an_expected_version_never_creates_a_state(database: Database) -> None:
    owner = sign_up(database)
    chat = create_chat(database, owner.id)
    with database.as_user(owner.id) as conn:
        for version in (1, 7, -1):
            assert (
                chats.upsert_chat_state(
                    conn,
                    chat_id=chat.id,
                    state=ChatState(data={"v": version}),
                    expected_version=version,
                )
                is None
            )
        assert chats.get_chat_state(conn, chat_id=chat.id) is None


def test_chat_state_refuses_nan_instead_of_storing_null(database: Database) -> None:
    owner = sign_up(database)
    chat = create_chat(database, owner.id)
    with pytest.raises(pydantic.ValidationError):
        ChatState(data={"score": float("nan")})  # a typed field refuses it at once
    sneaky = ChatState.model_validate({"data": {}, "score": float("inf")})  # an open field
    with pytest.raises(errors.InvalidInput), database.as_user(owner.id) as conn:
        chats.upsert_chat_state(conn, chat_id=chat.id, state=sneaky, expected_version=None)
    with database.as_user(owner.id) as conn:
        assert chats.get_chat_state(conn, chat_id=chat.id) is None


async def test_async_create_and_list_chats(
    async_database: AsyncDatabase, database: Database
) -> None:
    user = sign_up(database)
    async with async_database.as_user(user.id) as conn:
        chat = await achats.create_chat(
            conn,
            user_id=user.id,
            title="Async",
            visibility=None,
            provider=None,
            model=None,
            system_prompt=None,
            context_window=None,
            metadata={"a": 1},
        )
        rows = await achats.list_chats_by_user(
            conn, user_id=user.id, before_at=None, before_id=None, page_size=5
        )
    assert rows == [chat]


def _imported(user_id: uuid.UUID, n: int, **changes: object) -> chats.ImportChatsParams:
    opened = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(days=n)
    row = chats.ImportChatsParams(
        id=uuid.uuid4(),
        user_id=user_id,
        title=f"Imported {n}",
        visibility=ChatVisibility.PRIVATE,
        provider="openai",
        model="gpt-4o",
        context_window=None,
        metadata={"source": "export.json"},
        created_at=opened,
        updated_at=opened + datetime.timedelta(hours=n),
    )
    return row._replace(**changes)  # type: ignore[arg-type]


def test_import_chats_keeps_their_history_and_lists_by_last_activity(database: Database) -> None:
    user = sign_up(database)
    rows = [_imported(user.id, n) for n in range(3)]
    with database.system() as conn:
        assert chats.import_chats(conn, rows=rows) == 3
        assert chats.import_chats(conn, rows=[]) == 0
    with database.as_user(user.id) as conn:
        listed = chats.list_chats_by_user(
            conn, user_id=user.id, before_at=None, before_id=None, page_size=10
        )
    assert [c.id for c in listed] == [r.id for r in reversed(rows)]
    assert [(c.created_at, c.updated_at) for c in listed] == [
        (r.created_at, r.updated_at) for r in reversed(rows)
    ]


def test_import_chats_is_all_or_nothing_and_not_for_the_app_role(database: Database) -> None:
    user = sign_up(database)
    good, bad = _imported(user.id, 1), _imported(user.id, 2, title="")  # chats_title_check
    with pytest.raises(errors.CheckViolation), database.system() as conn:
        chats.import_chats(conn, rows=[good, bad])
    # PostgreSQL refuses COPY FROM to a role under row-level security (0A000): imports are
    # the system role's.
    with pytest.raises(errors.PermissionDenied):  # no INSERT privilege: COPY is the system's
        with database.as_user(user.id) as conn:
            chats.import_chats(conn, rows=[good])
    with database.as_user(user.id) as conn:
        assert chats.get_chat_by_id(conn, id=good.id) is None


def test_another_users_id_inside_as_user_is_refused_not_silently_empty(database: Database) -> None:
    owner, other = sign_up(database), sign_up(database)
    chat = create_chat(database, owner.id)
    calls: list[Callable[[psycopg.Connection[Any]], object]] = [
        lambda c: chats.update_chat_title(c, id=chat.id, user_id=owner.id, title="x"),
        lambda c: chats.update_chat_visibility(
            c, id=chat.id, user_id=owner.id, visibility=ChatVisibility.PUBLIC
        ),
        lambda c: chats.update_chat_timestamp(c, id=chat.id, user_id=owner.id),
        lambda c: chats.delete_chat(c, id=chat.id, user_id=owner.id),
        lambda c: chats.list_chats_by_user(c, user_id=owner.id, page_size=10),
        lambda c: chats.create_chat(c, user_id=owner.id),
    ]
    for call in calls:
        with pytest.raises(errors.PermissionDenied), database.as_user(other.id) as conn:
            call(conn)
    with database.system() as conn:  # no signed-in user: the system role acts for anyone
        assert chats.get_chat_by_id(conn, id=chat.id) is not None
        assert chats.update_chat_timestamp(conn, id=chat.id, user_id=owner.id) == 1
