"""groups.sql: group chats, membership and messages; members read, non-members see nothing."""

from __future__ import annotations

import datetime
import uuid

import pytest

from chatdb import AsyncDatabase, Database, Page, errors
from chatdb.queries import groups, models
from chatdb.queries.aio import groups as aio_groups
from chatdb.queries.enums import GroupMemberRole as Role
from support.factories import make_user


def new_group(db: Database, creator: uuid.UUID, name: str = "Team") -> models.GroupChat:
    with db.as_user(creator) as conn:
        return groups.create_group_chat(
            conn, creator_id=creator, companion_id=None, name=name, description=None
        )


def add(
    db: Database, actor: uuid.UUID, group: uuid.UUID, user: uuid.UUID
) -> models.GroupChatMember | None:
    with db.as_user(actor) as conn:
        return groups.add_group_member(conn, group_chat_id=group, user_id=user, role=None)


def post(db: Database, user: uuid.UUID, group: uuid.UUID, text: str) -> models.GroupMessage:
    with db.as_user(user) as conn:
        return groups.insert_group_message(
            conn,
            group_chat_id=group,
            sender_id=user,
            companion_id=None,
            is_bot=False,
            content=text,
            metadata={},
        )


def read(
    db: Database,
    user: uuid.UUID,
    group: uuid.UUID,
    limit: int,
    cursor: tuple[datetime.datetime, uuid.UUID] | None = None,
) -> Page[models.GroupMessage, tuple[datetime.datetime, uuid.UUID]]:
    with db.as_user(user) as conn:
        rows = groups.list_group_messages(
            conn,
            group_chat_id=group,
            before_created_at=cursor[0] if cursor else None,
            before_id=cursor[1] if cursor else None,
            page_size=limit,
        )
    return Page.from_rows(rows, limit, cursor=lambda m: (m.created_at, m.id))


def test_create_group_chat_makes_creator_the_owner(database: Database) -> None:
    creator = make_user(database)
    group = new_group(database, creator)
    with database.as_user(creator) as conn:
        mine = groups.list_group_chats_by_member(conn, user_id=creator)
    assert [(g.id, g.role) for g in mine] == [(group.id, Role.OWNER)]


def test_list_group_chats_by_member_empty_and_after_joining(database: Database) -> None:
    creator, member = make_user(database), make_user(database)
    with database.as_user(member) as conn:
        assert groups.list_group_chats_by_member(conn, user_id=member) == []
    group = new_group(database, creator)
    added = add(database, creator, group.id, member)
    assert added is not None and added.role == Role.MEMBER
    with database.as_user(member) as conn:
        joined = groups.list_group_chats_by_member(conn, user_id=member)
    assert [(g.id, g.name, g.role) for g in joined] == [(group.id, "Team", Role.MEMBER)]


def test_add_group_member_twice_returns_no_row_and_keeps_the_role(database: Database) -> None:
    creator, member = make_user(database), make_user(database)
    group = new_group(database, creator)
    with database.as_user(creator) as conn:
        first = groups.add_group_member(
            conn, group_chat_id=group.id, user_id=member, role=Role.ADMIN
        )
        again = groups.add_group_member(conn, group_chat_id=group.id, user_id=member, role=None)
        owner_again = groups.add_group_member(
            conn, group_chat_id=group.id, user_id=creator, role=Role.MEMBER
        )
    assert first is not None and first.role == Role.ADMIN
    assert again is None and owner_again is None


def test_only_the_creator_adds_members(database: Database) -> None:
    creator, member, outsider = make_user(database), make_user(database), make_user(database)
    group = new_group(database, creator)
    add(database, creator, group.id, member)
    with pytest.raises(errors.PermissionDenied):
        add(database, member, group.id, outsider)
    with pytest.raises(errors.PermissionDenied):
        add(database, outsider, group.id, outsider)


def test_members_read_group_messages_non_members_see_nothing(database: Database) -> None:
    creator, member, outsider = make_user(database), make_user(database), make_user(database)
    group = new_group(database, creator)
    add(database, creator, group.id, member)
    posted = [
        post(database, u, group.id, f"m{i}") for i, u in enumerate([creator, member, creator])
    ]
    with database.as_user(member) as conn:
        groups.insert_group_message(
            conn,
            group_chat_id=group.id,
            sender_id=None,
            companion_id=None,
            is_bot=True,
            content="beep",
            metadata={},
        )
    page = read(database, member, group.id, 10)
    assert [m.content for m in page.items] == ["beep", "m2", "m1", "m0"] and not page.has_more
    assert read(database, outsider, group.id, 10).items == []
    with database.as_user(outsider) as conn:
        assert groups.list_group_chats_by_member(conn, user_id=member) == []
    with pytest.raises(errors.PermissionDenied):
        post(database, outsider, group.id, "let me in")
    assert len(posted) == 3


def test_list_group_messages_keyset_boundaries(database: Database) -> None:
    creator = make_user(database)
    group = new_group(database, creator)
    assert read(database, creator, group.id, 2).items == []
    with database.as_user(creator) as conn:  # one transaction: equal created_at, id decides
        for i in range(4):
            groups.insert_group_message(
                conn,
                group_chat_id=group.id,
                sender_id=creator,
                companion_id=None,
                is_bot=False,
                content=f"m{i}",
                metadata={},
            )
    first = read(database, creator, group.id, 2)
    second = read(database, creator, group.id, 2, first.next_cursor)
    assert first.has_more and len(first) == 2
    assert not second.has_more and len(second) == 2  # exactly limit rows left
    assert len({m.id for m in first.items + second.items}) == 4
    assert not read(database, creator, group.id, 4).has_more
    assert read(database, creator, group.id, 3).has_more


def test_remove_group_member_by_creator_or_self_not_the_owner(database: Database) -> None:
    creator, a, b, outsider = (make_user(database) for _ in range(4))
    group = new_group(database, creator)
    add(database, creator, group.id, a)
    add(database, creator, group.id, b)
    with database.as_user(outsider) as conn:
        assert groups.remove_group_member(conn, group_chat_id=group.id, user_id=a) == 0
    with database.as_user(a) as conn:
        assert groups.remove_group_member(conn, group_chat_id=group.id, user_id=b) == 0
        assert groups.remove_group_member(conn, group_chat_id=group.id, user_id=a) == 1
    with database.as_user(creator) as conn:
        assert groups.remove_group_member(conn, group_chat_id=group.id, user_id=b) == 1
        assert groups.remove_group_member(conn, group_chat_id=group.id, user_id=b) == 0
        assert groups.remove_group_member(conn, group_chat_id=group.id, user_id=creator) == 0
    # A removed member no longer reads the group.
    post(database, creator, group.id, "after")
    assert read(database, a, group.id, 10).items == []


def test_create_group_chat_with_empty_name_is_refused(database: Database) -> None:
    creator = make_user(database)
    with pytest.raises(errors.CheckViolation) as info:
        new_group(database, creator, name="")
    assert info.value.constraint == "group_chats_name_check"


async def test_async_group_round_trip(database: Database, async_database: AsyncDatabase) -> None:
    creator = make_user(database)
    async with async_database.as_user(creator) as conn:
        group = await aio_groups.create_group_chat(
            conn, creator_id=creator, companion_id=None, name="Async", description="d"
        )
        msg = await aio_groups.insert_group_message(
            conn,
            group_chat_id=group.id,
            sender_id=creator,
            companion_id=None,
            is_bot=False,
            content="hi",
            metadata={},
        )
        listed = await aio_groups.list_group_messages(
            conn, group_chat_id=group.id, before_created_at=None, before_id=None, page_size=3
        )
    assert [m.id for m in listed] == [msg.id]
