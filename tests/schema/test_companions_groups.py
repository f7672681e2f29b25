"""Companions, their conversations and token burns; group chats with members and messages
(RLS through is_group_member); the reversible jsonb data migration of companion configs."""

from __future__ import annotations

import json
import re
import uuid

import psycopg
import pytest

from chatdb_tools import migrations

from .helpers import APP, MIGRATOR, acting, count, expect_error, insert, new_user, one

DATA_MIGRATION = "20261123001300_companion_tool_approval_config.sql"


def new_companion(conn: psycopg.Connection, user: uuid.UUID, **values: object) -> uuid.UUID:
    companion: uuid.UUID = insert(
        conn, "companions", user_id=user, name=values.pop("name", "Sage"), **values
    )
    return companion


def new_group(conn: psycopg.Connection, creator: uuid.UUID, **values: object) -> uuid.UUID:
    group: uuid.UUID = insert(
        conn, "group_chats", creator_id=creator, name=values.pop("name", "Team"), **values
    )
    return group


@pytest.mark.parametrize(
    ("columns", "constraint"),
    [
        ({"name": ""}, "companions_name_check"),
        ({"personality": "[]"}, "companions_config_check"),
        ({"tool_config": "true"}, "companions_config_check"),
        ({"version": 0}, "companions_version_check"),
    ],
)
def test_companions_are_checked(
    conn: psycopg.Connection, columns: dict[str, object], constraint: str
) -> None:
    values = {"user_id": new_user(conn), "name": "Sage", **columns}
    expect_error(
        conn,
        f"INSERT INTO companions ({', '.join(values)}) VALUES ({', '.join(['%s'] * len(values))})",
        tuple(values.values()),
        constraint=constraint,
    )


def test_companion_config_updates_are_optimistic_on_version(conn: psycopg.Connection) -> None:
    user = new_user(conn)
    companion = new_companion(conn, user, tool_access=["search"])
    update = (
        "UPDATE companions SET personality = %s, version = version + 1 "
        "WHERE id = %s AND version = %s RETURNING version"
    )
    with acting(conn, APP, user):
        assert conn.execute(update, ('{"tone": "warm"}', companion, 1)).fetchall() == [(2,)]
        assert conn.execute(update, ('{"tone": "cold"}', companion, 1)).fetchall() == []
    assert (
        one(conn, "SELECT personality->>'tone' FROM companions WHERE id = %s", (companion,))
        == "warm"
    )


def test_companion_conversations_are_private_and_only_with_visible_companions(
    conn: psycopg.Connection,
) -> None:
    alice, bob = new_user(conn), new_user(conn)
    public = new_companion(conn, bob, is_public=True)
    private = new_companion(conn, bob)
    insert(
        conn, "companion_messages", companion_id=public, user_id=bob, role="user", content="mine"
    )
    with acting(conn, APP, alice):
        assert conn.execute("SELECT id FROM companions").fetchall() == [(public,)]
        insert(
            conn,
            "companion_messages",
            companion_id=public,
            user_id=alice,
            role="user",
            content="hello",
        )
        assert count(conn, "companion_messages") == 1
        expect_error(
            conn,
            "INSERT INTO companion_messages (companion_id, user_id, role, content) VALUES (%s, %s, 'user', 'x')",
            (private, alice),
            sqlstate="42501",
        )
        assert (
            conn.execute(
                "UPDATE companions SET name = 'mine now' WHERE id = %s", (public,)
            ).rowcount
            == 0
        )
    expect_error(
        conn,
        "INSERT INTO companion_messages (companion_id, user_id, role, content, input_tokens) "
        "VALUES (%s, %s, 'user', 'x', -1)",
        (public, alice),
        constraint="companion_messages_tokens_check",
    )
    expect_error(
        conn,
        "INSERT INTO companion_messages (companion_id, user_id, role, content, metadata) "
        "VALUES (%s, %s, 'user', 'x', '[]')",
        (public, alice),
        constraint="companion_messages_metadata_check",
    )


def test_token_burns_are_recorded_once_per_ledger_operation(conn: psycopg.Connection) -> None:
    user = new_user(conn)
    companion = new_companion(conn, user)
    reply = insert(
        conn,
        "companion_messages",
        companion_id=companion,
        user_id=user,
        role="assistant",
        content="hi",
    )
    with acting(conn, APP, user):
        insert(
            conn,
            "companion_token_burns",
            companion_id=companion,
            user_id=user,
            companion_message_id=reply,
            ledger_operation_id="burn:1",
            input_tokens=300,
            output_tokens=200,
            credits="0.5",
            credits_per_1k_tokens="1",
        )
        expect_error(
            conn,
            "INSERT INTO companion_token_burns (companion_id, user_id, ledger_operation_id,"
            " input_tokens, credits, credits_per_1k_tokens) VALUES (%s, %s, 'burn:1', 1000, 1, 1)",
            (companion, user),
            constraint="companion_token_burns_ledger_operation_id_key",
        )
        expect_error(
            conn,
            "INSERT INTO companion_token_burns (companion_id, user_id, ledger_operation_id,"
            " credits, credits_per_1k_tokens) VALUES (%s, %s, 'burn:2', 0, 1)",
            (companion, user),
            constraint="companion_token_burns_credits_check",
        )
        expect_error(
            conn,
            "INSERT INTO companion_token_burns (companion_id, user_id, ledger_operation_id, credits,"
            " input_tokens, output_tokens, credits_per_1k_tokens)"
            " VALUES (%s, %s, 'burn:3', 1, 1001, -1, 1)",
            (companion, user),
            constraint="companion_token_burns_tokens_check",
        )
    conn.execute("DELETE FROM companion_messages WHERE id = %s", (reply,))
    assert (
        one(
            conn,
            "SELECT companion_message_id FROM companion_token_burns WHERE ledger_operation_id = 'burn:1'",
        )
        is None
    )


def test_the_group_creator_becomes_its_owner_member(conn: psycopg.Connection) -> None:
    creator = new_user(conn)
    with acting(conn, APP, creator):
        group = new_group(conn, creator)
        assert conn.execute(
            "SELECT user_id, role FROM group_chat_members WHERE group_chat_id = %s", (group,)
        ).fetchall() == [(creator, "owner")]


def test_group_members_read_the_group_and_its_messages_outsiders_nothing(
    conn: psycopg.Connection,
) -> None:
    creator, member, outsider = new_user(conn), new_user(conn), new_user(conn)
    group = new_group(conn, creator)
    insert(conn, "group_chat_members", group_chat_id=group, user_id=member)
    insert(conn, "group_messages", group_chat_id=group, sender_id=creator, content="welcome")
    with acting(conn, APP, member):
        assert conn.execute("SELECT id FROM group_chats").fetchall() == [(group,)]
        assert count(conn, "group_chat_members") == 2
        assert conn.execute("SELECT content FROM group_messages").fetchall() == [("welcome",)]
        insert(conn, "group_messages", group_chat_id=group, sender_id=member, content="hi all")
        insert(conn, "group_messages", group_chat_id=group, is_bot=True, content="beep")
        expect_error(
            conn,
            "INSERT INTO group_messages (group_chat_id, sender_id, content) VALUES (%s, %s, 'fake')",
            (group, creator),
            sqlstate="42501",
        )
        # Members cannot manage membership or edit others' messages.
        expect_error(
            conn,
            "INSERT INTO group_chat_members (group_chat_id, user_id) VALUES (%s, %s)",
            (group, outsider),
            sqlstate="42501",
        )
        assert (
            conn.execute(
                "UPDATE group_messages SET content = 'edited' WHERE sender_id = %s", (creator,)
            ).rowcount
            == 0
        )
    with acting(conn, APP, outsider):
        for table in ("group_chats", "group_chat_members", "group_messages"):
            assert count(conn, table) == 0, table
        expect_error(
            conn,
            "INSERT INTO group_messages (group_chat_id, sender_id, content) VALUES (%s, %s, 'hi')",
            (group, outsider),
            sqlstate="42501",
        )
    with acting(conn, APP, creator):
        insert(conn, "group_chat_members", group_chat_id=group, user_id=outsider)
    with acting(conn, APP, outsider):
        assert count(conn, "group_messages") == 3
        # A member may leave.
        assert (
            conn.execute("DELETE FROM group_chat_members WHERE user_id = %s", (outsider,)).rowcount
            == 1
        )
        assert count(conn, "group_messages") == 0


def test_group_message_checks_and_cascades(conn: psycopg.Connection) -> None:
    creator, member = new_user(conn), new_user(conn)
    companion = new_companion(conn, creator)
    group = new_group(conn, creator, companion_id=companion)
    insert(conn, "group_chat_members", group_chat_id=group, user_id=member)
    expect_error(
        conn,
        "INSERT INTO group_chat_members (group_chat_id, user_id) VALUES (%s, %s)",
        (group, member),
        constraint="group_chat_members_pkey",
    )
    expect_error(
        conn,
        "INSERT INTO group_messages (group_chat_id, content) VALUES (%s, 'anonymous human')",
        (group,),
        constraint="group_messages_sender_check",
    )
    expect_error(
        conn,
        "INSERT INTO group_messages (group_chat_id, sender_id, content, metadata) VALUES (%s, %s, 'x', '1')",
        (group, member),
        constraint="group_messages_metadata_check",
    )
    expect_error(
        conn,
        "INSERT INTO group_chats (creator_id, name) VALUES (%s, '')",
        (creator,),
        constraint="group_chats_name_check",
    )
    insert(conn, "group_messages", group_chat_id=group, sender_id=member, content="bye")
    insert(
        conn,
        "group_messages",
        group_chat_id=group,
        is_bot=True,
        companion_id=companion,
        content="beep",
    )
    conn.execute("DELETE FROM users WHERE id = %s", (member,))
    assert count(conn, "group_messages", "group_chat_id = %s", (group,)) == 1
    conn.execute("DELETE FROM companions WHERE id = %s", (companion,))
    assert one(conn, "SELECT companion_id FROM group_chats WHERE id = %s", (group,)) is None
    conn.execute("DELETE FROM users WHERE id = %s", (creator,))
    assert count(conn, "group_messages", "group_chat_id = %s", (group,)) == 0


def sections(name: str) -> tuple[str, str]:
    text = (migrations.migrations_dir() / name).read_text()
    up, down = re.split(
        r"^-- migrate:down.*$", text.split("-- migrate:up", 1)[1], flags=re.MULTILINE
    )
    return up, down


def test_companion_config_data_migration_is_reversible(conn: psycopg.Connection) -> None:
    up, down = sections(DATA_MIGRATION)
    user = new_user(conn)
    configs = {
        "auto": {"auto_approve": True, "max_cost": 0.5},
        "manual": {"auto_approve": False},
        "untouched": {"other": 1},
    }
    ids = {
        key: new_companion(conn, user, tool_config=json.dumps(value))
        for key, value in configs.items()
    }

    def state() -> dict[str, tuple[object, int]]:
        return {
            key: (
                one(conn, "SELECT tool_config FROM companions WHERE id = %s", (cid,)),
                one(conn, "SELECT version FROM companions WHERE id = %s", (cid,)),
            )
            for key, cid in ids.items()
        }

    # Rows written in the old shape, as if they predated the migration: up, again, then down.
    with acting(conn, MIGRATOR):
        conn.execute(up)
    assert state() == {
        "auto": ({"approval": {"mode": "auto"}, "max_cost": 0.5}, 2),
        "manual": ({"approval": {"mode": "manual"}}, 2),
        "untouched": ({"other": 1}, 1),
    }
    with acting(conn, MIGRATOR):
        conn.execute(up)  # idempotent: nothing has the old shape any more
    assert state()["auto"][1] == 2
    with acting(conn, MIGRATOR):
        conn.execute(down)
    assert state() == {
        "auto": ({"auto_approve": True, "max_cost": 0.5}, 3),
        "manual": ({"auto_approve": False}, 3),
        "untouched": ({"other": 1}, 1),
    }
