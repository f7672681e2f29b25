"""References foreign keys alone would let chatdb_app point at another user's rows (FK checks
ignore RLS): a tool execution or context optimization on another chat's message, a token burn
for another user's private companion or message, a group bot message as another user's
private companion. Each is refused with a named constraint; the legitimate row is accepted."""

from __future__ import annotations

import psycopg

from .helpers import APP, acting, count, expect_error, insert, new_chat, new_message, new_user

TOOL = "INSERT INTO tool_executions (chat_id, message_id, tool_name) VALUES (%s, %s, 'search')"
OPTIMIZATION = (
    "INSERT INTO context_optimizations (chat_id, message_id, strategy, tokens_before, tokens_after)"
    " VALUES (%s, %s, 'truncate', 10, 5)"
)
BURN = (
    "INSERT INTO companion_token_burns (companion_id, user_id, companion_message_id,"
    " ledger_operation_id, input_tokens, credits, credits_per_1k_tokens)"
    " VALUES (%s, %s, %s, %s, 1000, 1, 1)"
)
BOT = (
    "INSERT INTO group_messages (group_chat_id, companion_id, is_bot, content)"
    " VALUES (%s, %s, true, 'beep')"
)


def test_tool_executions_and_optimizations_reference_only_messages_of_their_chat(
    conn: psycopg.Connection,
) -> None:
    alice, bob = new_user(conn), new_user(conn)
    alice_message = new_message(conn, new_chat(conn, alice))
    bob_chat, bob_other_chat = new_chat(conn, bob), new_chat(conn, bob)
    bob_message, bob_other_message = new_message(conn, bob_chat), new_message(conn, bob_other_chat)
    with acting(conn, APP, bob):
        for table, query in (("tool_executions", TOOL), ("context_optimizations", OPTIMIZATION)):
            for message in (alice_message, bob_other_message):
                expect_error(
                    conn, query, (bob_chat, message), constraint=f"{table}_message_chat_check"
                )
            conn.execute(query, (bob_chat, bob_message))
            conn.execute(query, (bob_chat, None))
        expect_error(
            conn,
            "UPDATE tool_executions SET message_id = %s WHERE chat_id = %s",
            (alice_message, bob_chat),
            constraint="tool_executions_message_chat_check",
        )
    # Alice deleting her message cascades into nobody else's rows.
    conn.execute("DELETE FROM messages WHERE id = %s", (alice_message,))
    assert count(conn, "tool_executions", "chat_id = %s", (bob_chat,)) == 2


def test_token_burns_reference_only_own_or_public_companions_and_own_messages(
    conn: psycopg.Connection,
) -> None:
    alice, bob = new_user(conn), new_user(conn)
    private = insert(conn, "companions", user_id=alice, name="Private")
    public = insert(conn, "companions", user_id=alice, name="Public", is_public=True)
    alice_reply = insert(
        conn,
        "companion_messages",
        companion_id=public,
        user_id=alice,
        role="assistant",
        content="x",
    )
    bob_reply = insert(
        conn, "companion_messages", companion_id=public, user_id=bob, role="assistant", content="y"
    )
    with acting(conn, APP, bob):
        expect_error(
            conn,
            BURN,
            (private, bob, None, "burn:private"),
            constraint="companion_token_burns_companion_check",
        )
        expect_error(
            conn,
            BURN,
            (public, bob, alice_reply, "burn:alices-reply"),
            constraint="companion_token_burns_companion_message_check",
        )
        conn.execute(BURN, (public, bob, bob_reply, "burn:ok"))
    conn.execute("DELETE FROM companions WHERE id = %s", (private,))
    assert count(conn, "companion_token_burns", "user_id = %s", (bob,)) == 1


def test_group_bot_messages_name_only_the_groups_a_public_or_the_senders_companion(
    conn: psycopg.Connection,
) -> None:
    alice, bob = new_user(conn), new_user(conn)
    alice_private = insert(conn, "companions", user_id=alice, name="Private")
    bob_bot = insert(conn, "companions", user_id=bob, name="Bot")
    group = insert(conn, "group_chats", creator_id=bob, name="Team", companion_id=bob_bot)
    insert(conn, "group_chat_members", group_chat_id=group, user_id=alice)
    with acting(conn, APP, bob):
        expect_error(conn, BOT, (group, alice_private), constraint="group_messages_companion_check")
        conn.execute(BOT, (group, bob_bot))
    with acting(conn, APP, alice):
        # A member posts the group bot's reply although the bot is Bob's private companion.
        conn.execute(BOT, (group, bob_bot))
    assert count(conn, "group_messages", "group_chat_id = %s", (group,)) == 2
