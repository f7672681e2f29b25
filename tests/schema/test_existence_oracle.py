"""No existence oracle: as chatdb_app, naming another user's row gets exactly the error that
naming a row that does not exist gets (SQLSTATE, constraint and message), also where a
SECURITY DEFINER trigger, which runs before row-level security and sees every row, checks
the reference."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg

from .helpers import APP, acting, insert, new_chat, new_message, new_user

Outcome = tuple[str | None, str | None, str | None]


def outcome(conn: psycopg.Connection, query: str, params: tuple[Any, ...]) -> Outcome:
    """What a caller learns from running `query`: SQLSTATE, constraint and message (or that
    it succeeded)."""
    try:
        with conn.transaction(force_rollback=True):
            conn.execute(query, params)
    except psycopg.Error as exc:
        return exc.sqlstate, exc.diag.constraint_name, exc.diag.message_primary
    return None, None, None


def same_outcome(
    conn: psycopg.Connection, query: str, existing: tuple[Any, ...], missing: tuple[Any, ...]
) -> Outcome:
    seen = outcome(conn, query, existing)
    assert seen == outcome(conn, query, missing), (query, seen)
    assert seen[0] is not None, (query, "accepted")
    return seen


def test_tool_executions_and_optimizations_do_not_reveal_other_users_messages_or_chats(
    conn: psycopg.Connection,
) -> None:
    alice, mallory = new_user(conn), new_user(conn)
    alice_chat = new_chat(conn, alice)
    alice_message = new_message(conn, alice_chat)
    mallory_chat = new_chat(conn, mallory)
    queries = (
        "INSERT INTO tool_executions (chat_id, message_id, tool_name) VALUES (%s, %s, 't')",
        "INSERT INTO context_optimizations (chat_id, message_id, strategy, tokens_before, "
        "tokens_after) VALUES (%s, %s, 'truncate', 2, 1)",
    )
    with acting(conn, APP, mallory):
        for query in queries:
            # Her own chat, someone else's message or none at all.
            state, constraint, _ = same_outcome(
                conn, query, (mallory_chat, alice_message), (mallory_chat, uuid.uuid4())
            )
            assert state == "23514" and constraint and constraint.endswith("_message_chat_check")
            # Someone else's chat (with its real message), or a chat that does not exist.
            assert (
                same_outcome(
                    conn, query, (alice_chat, alice_message), (uuid.uuid4(), uuid.uuid4())
                )[0]
                == "42501"
            )
        tool = insert(conn, "tool_executions", chat_id=mallory_chat, tool_name="t")
        same_outcome(
            conn,
            "UPDATE tool_executions SET message_id = %s WHERE id = %s",
            (alice_message, tool),
            (uuid.uuid4(), tool),
        )


def test_token_burns_do_not_reveal_other_users_companions_or_messages(
    conn: psycopg.Connection,
) -> None:
    alice, mallory = new_user(conn), new_user(conn)
    private = insert(conn, "companions", user_id=alice, name="Private")
    public = insert(conn, "companions", user_id=alice, name="Public", is_public=True)
    alice_reply = insert(
        conn, "companion_messages", companion_id=public, user_id=alice, role="user", content="x"
    )
    burn = (
        "INSERT INTO companion_token_burns (companion_id, user_id, companion_message_id, "
        "ledger_operation_id, credits) VALUES (%s, %s, %s, %s, 1)"
    )
    with acting(conn, APP, mallory):
        assert same_outcome(
            conn, burn, (private, mallory, None, "burn:a"), (uuid.uuid4(), mallory, None, "burn:a")
        )[1] == ("companion_token_burns_companion_check")
        assert same_outcome(
            conn,
            burn,
            (public, mallory, alice_reply, "burn:b"),
            (public, mallory, uuid.uuid4(), "burn:b"),
        )[1] == ("companion_token_burns_companion_message_check")
        # As another user: the policy's error before anything is looked up.
        assert (
            same_outcome(
                conn, burn, (private, alice, None, "burn:c"), (uuid.uuid4(), alice, None, "burn:c")
            )[0]
            == "42501"
        )


def test_group_messages_do_not_reveal_other_users_companions_or_groups(
    conn: psycopg.Connection,
) -> None:
    alice, mallory = new_user(conn), new_user(conn)
    private = insert(conn, "companions", user_id=alice, name="Private")
    alice_group = insert(conn, "group_chats", creator_id=alice, name="Alice's")
    mallory_group = insert(conn, "group_chats", creator_id=mallory, name="Mallory's")
    bot = (
        "INSERT INTO group_messages (group_chat_id, companion_id, is_bot, content) "
        "VALUES (%s, %s, true, 'beep')"
    )
    with acting(conn, APP, mallory):
        assert (
            same_outcome(conn, bot, (mallory_group, private), (mallory_group, uuid.uuid4()))[1]
            == "group_messages_companion_check"
        )
        assert same_outcome(conn, bot, (alice_group, None), (uuid.uuid4(), None))[0] == "42501"


def test_documents_do_not_reveal_other_users_document_ids(conn: psycopg.Connection) -> None:
    alice, mallory = new_user(conn), new_user(conn)
    alice_chat = new_chat(conn, alice)
    doc = insert(conn, "documents", user_id=alice, title="Plan")
    save = "INSERT INTO documents (id, user_id, chat_id, title) VALUES (%s, %s, %s, 'x')"
    with acting(conn, APP, mallory):
        refused = same_outcome(
            conn, save, (doc, mallory, alice_chat), (uuid.uuid4(), mallory, alice_chat)
        )
        assert refused[0] == "42501"
        # Another user's id under her own name gets that very error too: the one any row
        # she may not write gets.
        assert outcome(conn, save, (doc, mallory, None)) == refused
        assert same_outcome(conn, save, (doc, alice, None), (uuid.uuid4(), alice, None)) == refused
        suggestion = (
            "INSERT INTO suggestions (document_id, document_created_at, user_id, original_text, "
            "suggested_text) SELECT %s, now(), %s, 'a', 'b'"
        )
        same_outcome(conn, suggestion, (doc, mallory), (uuid.uuid4(), mallory))


def test_votes_and_reactions_do_not_reveal_other_users_messages(conn: psycopg.Connection) -> None:
    alice, mallory = new_user(conn), new_user(conn)
    message = new_message(conn, new_chat(conn, alice))
    with acting(conn, APP, mallory):
        for query in (
            "INSERT INTO votes (message_id, user_id, direction) VALUES (%s, %s, 'up')",
            "INSERT INTO message_reactions (message_id, user_id, emoji) VALUES (%s, %s, 'x')",
        ):
            assert same_outcome(conn, query, (message, mallory), (uuid.uuid4(), mallory))[0] == (
                "42501"
            )
