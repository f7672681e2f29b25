"""Chats, messages and what hangs off them: constraints, cascades and row-level security
(owner, public chats, anonymous readers)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from .helpers import APP, acting, count, expect_error, insert, new_chat, new_message, new_user, one


@pytest.mark.parametrize(
    ("statement", "constraint"),
    [
        ("INSERT INTO chats (user_id, title) VALUES (%(u)s, '')", "chats_title_check"),
        (
            "INSERT INTO chats (user_id, context_window) VALUES (%(u)s, 0)",
            "chats_context_window_check",
        ),
        ("INSERT INTO chats (user_id, metadata) VALUES (%(u)s, '[]')", "chats_metadata_check"),
        ("INSERT INTO chats (user_id) VALUES (gen_random_uuid())", "chats_user_id_fkey"),
        (
            "INSERT INTO messages (chat_id, role, parts) VALUES (%(c)s, 'user', '{}')",
            "messages_parts_check",
        ),
        (
            "INSERT INTO messages (chat_id, role, attachments) VALUES (%(c)s, 'user', '\"x\"')",
            "messages_attachments_check",
        ),
        (
            "INSERT INTO messages (chat_id, role, output_tokens) VALUES (%(c)s, 'assistant', -1)",
            "messages_tokens_check",
        ),
        (
            "INSERT INTO messages (chat_id, role, cache_read_tokens) VALUES (%(c)s, 'assistant', -1)",
            "messages_tokens_check",
        ),
        (
            "INSERT INTO messages (chat_id, role, cost) VALUES (%(c)s, 'assistant', -0.01)",
            "messages_cost_check",
        ),
        (
            "INSERT INTO messages (chat_id, role, client_request_id) VALUES (%(c)s, 'user', '')",
            "messages_client_request_id_check",
        ),
        (
            "INSERT INTO messages (chat_id, role, provider_metadata) VALUES (%(c)s, 'user', '1')",
            "messages_provider_metadata_check",
        ),
        (
            "INSERT INTO message_reactions (message_id, user_id, emoji) VALUES (%(m)s, %(u)s, '')",
            "message_reactions_emoji_check",
        ),
        ("INSERT INTO chat_tags (chat_id, tag) VALUES (%(c)s, 'Work')", "chat_tags_tag_check"),
        (
            "INSERT INTO chat_states (chat_id, state) VALUES (%(c)s, '[]')",
            "chat_states_state_check",
        ),
        (
            "INSERT INTO chat_states (chat_id, version) VALUES (%(c)s, 0)",
            "chat_states_version_check",
        ),
        ("INSERT INTO documents (user_id, title) VALUES (%(u)s, '')", "documents_title_check"),
    ],
)
def test_chat_rows_are_checked(conn: psycopg.Connection, statement: str, constraint: str) -> None:
    user = new_user(conn)
    chat = new_chat(conn, user)
    message = new_message(conn, chat)
    expect_error(conn, statement, {"u": user, "c": chat, "m": message}, constraint=constraint)


def test_a_good_chat_with_messages_votes_tags_state_and_stream(conn: psycopg.Connection) -> None:
    user = new_user(conn)
    chat = new_chat(
        conn, user, system_prompt="Be brief", context_window=128000, provider="openai", model="gpt"
    )
    assert (
        one(conn, "SELECT title || '/' || visibility FROM chats WHERE id = %s", (chat,))
        == "New Chat/private"
    )
    message = new_message(
        conn,
        chat,
        role="assistant",
        parts='[{"type": "text", "text": "hi"}]',
        input_tokens=3,
        output_tokens=5,
        cost="0.00001234",
        client_request_id="req-1",
    )
    insert(conn, "votes", message_id=message, user_id=user, direction="up")
    insert(conn, "message_reactions", message_id=message, user_id=user, emoji="👍")
    insert(conn, "chat_tags", chat_id=chat, tag="work")
    insert(conn, "chat_states", chat_id=chat, state='{"step": 1}')
    insert(conn, "streams", chat_id=chat)
    expect_error(
        conn,
        "INSERT INTO chat_tags (chat_id, tag) VALUES (%s, 'work')",
        (chat,),
        constraint="chat_tags_pkey",
    )
    expect_error(
        conn,
        "INSERT INTO chat_states (chat_id) VALUES (%s)",
        (chat,),
        constraint="chat_states_pkey",
    )
    expect_error(
        conn,
        "INSERT INTO message_reactions (message_id, user_id, emoji) VALUES (%s, %s, '👍')",
        (message, user),
        constraint="message_reactions_pkey",
    )


def test_client_request_id_is_unique_per_chat_only(conn: psycopg.Connection) -> None:
    user = new_user(conn)
    chat, other_chat = new_chat(conn, user), new_chat(conn, user)
    new_message(conn, chat, client_request_id="req-1")
    new_message(conn, other_chat, client_request_id="req-1")
    new_message(conn, chat)  # NULLs never collide
    new_message(conn, chat)
    expect_error(
        conn,
        "INSERT INTO messages (chat_id, role, client_request_id) VALUES (%s, 'user', 'req-1')",
        (chat,),
        constraint="messages_chat_id_client_request_id_key",
    )
    # A retried send is an upsert on that key.
    again = conn.execute(
        "INSERT INTO messages (chat_id, role, client_request_id) VALUES (%s, 'user', 'req-1') "
        "ON CONFLICT (chat_id, client_request_id) DO NOTHING RETURNING id",
        (chat,),
    ).fetchall()
    assert again == []


def test_one_vote_per_user_and_message_flips_on_upsert(conn: psycopg.Connection) -> None:
    user = new_user(conn)
    message = new_message(conn, new_chat(conn, user))
    vote = (
        "INSERT INTO votes (message_id, user_id, direction) VALUES (%s, %s, %s) "
        "ON CONFLICT (message_id, user_id) DO UPDATE SET direction = EXCLUDED.direction RETURNING direction"
    )
    assert one(conn, vote, (message, user, "up")) == "up"
    assert one(conn, vote, (message, user, "down")) == "down"
    assert count(conn, "votes", "message_id = %s", (message,)) == 1
    expect_error(
        conn,
        "INSERT INTO votes (message_id, user_id, direction) VALUES (%s, %s, 'up')",
        (message, user),
        constraint="votes_pkey",
    )


def test_deleting_a_chat_deletes_everything_in_it(conn: psycopg.Connection) -> None:
    user = new_user(conn)
    chat = new_chat(conn, user)
    message = new_message(conn, chat)
    insert(conn, "votes", message_id=message, user_id=user, direction="down")
    insert(conn, "message_reactions", message_id=message, user_id=user, emoji="x")
    insert(conn, "chat_tags", chat_id=chat, tag="t")
    insert(conn, "chat_states", chat_id=chat)
    insert(conn, "streams", chat_id=chat)
    insert(conn, "tool_executions", chat_id=chat, message_id=message, tool_name="search")
    insert(
        conn,
        "context_optimizations",
        chat_id=chat,
        strategy="truncate",
        tokens_before=10,
        tokens_after=5,
    )
    document = insert(conn, "documents", user_id=user, chat_id=chat, title="Doc")
    upload = insert(
        conn,
        "file_uploads",
        user_id=user,
        chat_id=chat,
        content_hash=hashlib.sha256(b"f").digest(),
        filename="f.txt",
        content_type="text/plain",
        size_bytes=1,
        storage_key="k",
    )
    conn.execute("DELETE FROM chats WHERE id = %s", (chat,))
    for table in (
        "messages",
        "chat_tags",
        "chat_states",
        "streams",
        "tool_executions",
        "context_optimizations",
    ):
        assert count(conn, table, "chat_id = %s", (chat,)) == 0, table
    assert count(conn, "votes", "message_id = %s", (message,)) == 0
    assert count(conn, "message_reactions", "message_id = %s", (message,)) == 0
    # Documents and uploads belong to the user and stay, detached from the chat.
    assert one(conn, "SELECT chat_id FROM documents WHERE id = %s", (document,)) is None
    assert one(conn, "SELECT chat_id FROM file_uploads WHERE id = %s", (upload,)) is None


def test_deleting_messages_after_a_time_takes_their_votes(conn: psycopg.Connection) -> None:
    user = new_user(conn)
    chat = new_chat(conn, user)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    ids = [new_message(conn, chat, created_at=t0 + timedelta(minutes=i)) for i in range(4)]
    for message in ids:
        insert(conn, "votes", message_id=message, user_id=user, direction="up")
    deleted = conn.execute(
        "DELETE FROM messages WHERE chat_id = %s AND created_at >= %s",
        (chat, t0 + timedelta(minutes=2)),
    ).rowcount
    assert deleted == 2
    assert count(conn, "votes", "user_id = %s", (user,)) == 2


def test_documents_are_versioned_and_suggestions_follow_their_version(
    conn: psycopg.Connection,
) -> None:
    user = new_user(conn)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    doc = insert(conn, "documents", user_id=user, title="Plan", kind="code", created_at=t0)
    insert(
        conn,
        "documents",
        id=doc,
        user_id=user,
        title="Plan",
        kind="code",
        created_at=t0 + timedelta(hours=1),
    )
    expect_error(
        conn,
        "INSERT INTO documents (id, user_id, title, created_at) VALUES (%s, %s, 'x', %s)",
        (doc, user, t0),
        constraint="documents_pkey",
    )
    expect_error(
        conn,
        "INSERT INTO documents (user_id, title, kind) VALUES (%s, 'x', 'video')",
        (user,),
        sqlstate="22P02",
    )
    for version in (t0, t0 + timedelta(hours=1)):
        insert(
            conn,
            "suggestions",
            document_id=doc,
            document_created_at=version,
            user_id=user,
            original_text="a",
            suggested_text="b",
        )
    expect_error(
        conn,
        "INSERT INTO suggestions (document_id, document_created_at, user_id, original_text, suggested_text) "
        "VALUES (%s, %s, %s, 'a', 'b')",
        (doc, t0 + timedelta(hours=2), user),
        constraint="suggestions_document_id_document_created_at_fkey",
    )
    # Deleting the versions strictly after t0 takes their suggestions with them.
    assert (
        conn.execute("DELETE FROM documents WHERE id = %s AND created_at > %s", (doc, t0)).rowcount
        == 1
    )
    assert count(conn, "suggestions", "document_id = %s", (doc,)) == 1


def test_owner_sees_only_own_chats_and_messages(conn: psycopg.Connection) -> None:
    alice, bob = new_user(conn), new_user(conn)
    a_chat, b_chat = new_chat(conn, alice), new_chat(conn, bob)
    new_message(conn, a_chat)
    new_message(conn, b_chat)
    with acting(conn, APP, alice):
        assert conn.execute("SELECT id FROM chats").fetchall() == [(a_chat,)]
        assert conn.execute("SELECT chat_id FROM messages").fetchall() == [(a_chat,)]
        assert conn.execute("UPDATE chats SET title = 'x' WHERE id = %s", (b_chat,)).rowcount == 0
        assert conn.execute("DELETE FROM messages WHERE chat_id = %s", (b_chat,)).rowcount == 0
        expect_error(conn, "INSERT INTO chats (user_id) VALUES (%s)", (bob,), sqlstate="42501")
        expect_error(
            conn,
            "INSERT INTO messages (chat_id, role) VALUES (%s, 'user')",
            (b_chat,),
            sqlstate="42501",
        )
        expect_error(
            conn, "UPDATE chats SET user_id = %s WHERE id = %s", (bob, a_chat), sqlstate="42501"
        )
        new_chat(conn, alice)
        new_message(conn, a_chat)
    assert count(conn, "messages", "chat_id = %s", (b_chat,)) == 1


def test_public_chats_and_their_messages_are_readable_by_anyone_even_anonymous(
    conn: psycopg.Connection,
) -> None:
    alice, bob = new_user(conn), new_user(conn)
    public, private = new_chat(conn, alice, visibility="public"), new_chat(conn, alice)
    public_message = new_message(conn, public)
    new_message(conn, private)
    insert(conn, "message_reactions", message_id=public_message, user_id=alice, emoji="x")
    for reader in (bob, None):
        with acting(conn, APP, reader):
            assert conn.execute("SELECT id FROM chats").fetchall() == [(public,)]
            assert conn.execute("SELECT id FROM messages").fetchall() == [(public_message,)]
            assert count(conn, "message_reactions") == 1
            # Readable is not writable.
            assert (
                conn.execute("UPDATE chats SET title = 'defaced' WHERE id = %s", (public,)).rowcount
                == 0
            )
            assert (
                conn.execute("DELETE FROM messages WHERE id = %s", (public_message,)).rowcount == 0
            )
            expect_error(
                conn,
                "INSERT INTO messages (chat_id, role) VALUES (%s, 'user')",
                (public,),
                sqlstate="42501",
            )
    with acting(conn, APP, bob):
        # Bob may vote and react on a public message he can read, but not on a private one.
        insert(conn, "votes", message_id=public_message, user_id=bob, direction="up")
    with acting(conn, APP, None):
        expect_error(
            conn,
            "INSERT INTO votes (message_id, user_id, direction) VALUES (%s, %s, 'up')",
            (public_message, bob),
            sqlstate="42501",
        )


def test_votes_only_on_readable_messages(conn: psycopg.Connection) -> None:
    alice, bob = new_user(conn), new_user(conn)
    private_message = new_message(conn, new_chat(conn, alice))
    with acting(conn, APP, bob):
        expect_error(
            conn,
            "INSERT INTO votes (message_id, user_id, direction) VALUES (%s, %s, 'up')",
            (private_message, bob),
            sqlstate="42501",
        )
        expect_error(
            conn,
            "INSERT INTO message_reactions (message_id, user_id, emoji) VALUES (%s, %s, 'x')",
            (private_message, bob),
            sqlstate="42501",
        )


def test_chat_owned_tables_are_private_to_the_chat_owner(conn: psycopg.Connection) -> None:
    alice, bob = new_user(conn), new_user(conn)
    chat = new_chat(conn, alice, visibility="public")
    message = new_message(conn, chat)
    insert(conn, "chat_tags", chat_id=chat, tag="t")
    insert(conn, "chat_states", chat_id=chat)
    insert(conn, "streams", chat_id=chat)
    insert(conn, "tool_executions", chat_id=chat, message_id=message, tool_name="search")
    insert(
        conn,
        "context_optimizations",
        chat_id=chat,
        strategy="truncate",
        tokens_before=10,
        tokens_after=5,
    )
    tables = ("chat_tags", "chat_states", "streams", "tool_executions", "context_optimizations")
    with acting(conn, APP, bob):
        for table in tables:
            assert count(conn, table) == 0, table
        expect_error(conn, "INSERT INTO streams (chat_id) VALUES (%s)", (chat,), sqlstate="42501")
    with acting(conn, APP, alice):
        for table in tables:
            assert count(conn, table) == 1, table


def test_documents_and_suggestions_are_private_and_bound_to_own_chats(
    conn: psycopg.Connection,
) -> None:
    alice, bob = new_user(conn), new_user(conn)
    bob_chat = new_chat(conn, bob, visibility="public")
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    doc = insert(conn, "documents", user_id=alice, title="Mine", created_at=t0)
    with acting(conn, APP, bob):
        assert count(conn, "documents") == 0
        # Bob cannot hang a suggestion on Alice's document version, nor a document on a chat
        # that is merely readable to him.
        expect_error(
            conn,
            "INSERT INTO suggestions (document_id, document_created_at, user_id, original_text, suggested_text) "
            "VALUES (%s, %s, %s, 'a', 'b')",
            (doc, t0, bob),
            sqlstate="42501",
        )
    with acting(conn, APP, alice):
        expect_error(
            conn,
            "INSERT INTO documents (user_id, chat_id, title) VALUES (%s, %s, 'x')",
            (alice, bob_chat),
            sqlstate="42501",
        )
        insert(
            conn,
            "suggestions",
            document_id=doc,
            document_created_at=t0,
            user_id=alice,
            original_text="a",
            suggested_text="b",
        )
        assert count(conn, "documents") == 1
