"""One user's data, everywhere: invisible to other users and to anonymous readers, fully
visible to its owner, and erased with the user (billing records kept, detached)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

import psycopg
import pytest

from .helpers import APP, acting, count, expect_error, insert, new_chat, new_message, new_user, one


def app_readable_tables(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute(
        """
        SELECT c.relname FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND has_any_column_privilege('chatdb_app', c.oid, 'SELECT')
        ORDER BY 1
        """
    ).fetchall()
    return [r[0] for r in rows]


def seed_everything(conn: psycopg.Connection, owner: uuid.UUID) -> None:
    """One row owned by `owner` in every user-owned table (private where there is a choice)."""
    referred = new_user(conn)
    chat = new_chat(conn, owner)
    message = new_message(conn, chat)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    insert(
        conn,
        "accounts",
        provider="github",
        provider_account_id=str(owner),
        user_id=owner,
        type="oauth",
    )
    insert(
        conn,
        "authenticators",
        credential_id=f"cred-{owner}",
        user_id=owner,
        provider_account_id=f"cred-{owner}",
        credential_public_key="key",
        credential_device_type="singleDevice",
        credential_backed_up=False,
    )
    fingerprint = insert(conn, "fingerprints", visitor_id=str(owner), user_id=owner)
    insert(
        conn,
        "sessions",
        session_token_hash=hashlib.sha256(owner.bytes).digest(),
        user_id=owner,
        expires=t0,
        fingerprint_id=fingerprint,
    )
    insert(conn, "votes", message_id=message, user_id=owner, direction="up")
    insert(conn, "message_reactions", message_id=message, user_id=owner, emoji="x")
    insert(conn, "chat_tags", chat_id=chat, tag="t")
    insert(conn, "streams", chat_id=chat)
    insert(conn, "chat_states", chat_id=chat)
    document = insert(conn, "documents", user_id=owner, chat_id=chat, title="d", created_at=t0)
    insert(
        conn,
        "suggestions",
        document_id=document,
        document_created_at=t0,
        user_id=owner,
        original_text="a",
        suggested_text="b",
    )
    insert(conn, "tool_executions", chat_id=chat, message_id=message, tool_name="search")
    insert(
        conn,
        "context_optimizations",
        chat_id=chat,
        message_id=message,
        strategy="truncate",
        tokens_before=2,
        tokens_after=1,
    )
    insert(
        conn,
        "file_uploads",
        user_id=owner,
        chat_id=chat,
        content_hash=hashlib.sha256(b"f").digest(),
        filename="f",
        content_type="text/plain",
        size_bytes=1,
        storage_key="k",
    )
    insert(
        conn,
        "provider_configs",
        user_id=owner,
        provider="openai",
        is_default=True,
        api_key_ciphertext=b"\x01" * 40,
        api_key_version=1,
    )
    insert(conn, "auto_approval_settings", user_id=owner)
    insert(conn, "usage_logs", user_id=owner, chat_id=chat, provider="openai", model="gpt")
    insert(conn, "daily_usage", user_id=owner)
    insert(conn, "referrals", referrer_id=owner, referred_id=referred)
    subscription = insert(
        conn,
        "subscriptions",
        user_id=owner,
        provider_subscription_id=f"sub_{owner}",
        status="active",
        last_event_at=t0,
    )
    insert(
        conn,
        "payments",
        id=f"pi_{owner}",
        user_id=owner,
        subscription_id=subscription,
        amount_cents=100,
        currency="usd",
        status="succeeded",
        last_event_at=t0,
    )
    insert(
        conn,
        "external_tokens",
        user_id=owner,
        service="github",
        token_ciphertext=b"\x01" * 40,
        token_key_version=1,
    )
    companion = insert(conn, "companions", user_id=owner, name="c")
    reply = insert(
        conn,
        "companion_messages",
        companion_id=companion,
        user_id=owner,
        role="assistant",
        content="x",
    )
    insert(
        conn,
        "companion_token_burns",
        companion_id=companion,
        user_id=owner,
        companion_message_id=reply,
        ledger_operation_id=f"burn:{owner}",
        input_tokens=1000,
        credits=1,
        credits_per_1k_tokens=1,
    )
    group = insert(conn, "group_chats", creator_id=owner, companion_id=companion, name="g")
    insert(conn, "group_messages", group_chat_id=group, sender_id=owner, content="x")


def test_another_user_and_anonymous_see_none_of_a_users_rows(conn: psycopg.Connection) -> None:
    owner = new_user(conn)
    conn.execute("SET LOCAL chatdb.signup_credits = '0'")  # the other user owns nothing at all
    other = new_user(conn)
    seed_everything(conn, owner)
    tables = app_readable_tables(conn)
    assert len(tables) >= 30
    with acting(conn, APP, owner):
        empty_for_owner = [t for t in tables if count(conn, t) == 0]
    assert empty_for_owner == []
    for reader in (other, None):
        with acting(conn, APP, reader):
            leaked = {
                t: n
                for t in tables
                if (n := count(conn, t, "true")) > (1 if t == "users" and reader else 0)
            }
            assert leaked == {}, (reader, leaked)
            if reader:
                assert one(conn, "SELECT id FROM users") == reader


def test_an_empty_app_user_id_reads_as_anonymous_without_errors(conn: psycopg.Connection) -> None:
    # After a transaction-local set_config, a pooled connection's setting reads '' (not NULL).
    owner = new_user(conn)
    seed_everything(conn, owner)
    conn.execute(f"SET LOCAL ROLE {APP}")
    conn.execute("SELECT set_config('app.user_id', '', false)")
    for table in app_readable_tables(conn):
        assert count(conn, table) == 0, table
    conn.execute("RESET ROLE")


def test_deleting_a_user_erases_what_they_own_and_keeps_billing_detached(
    conn: psycopg.Connection,
) -> None:
    owner = new_user(conn)
    seed_everything(conn, owner)
    conn.execute("DELETE FROM users WHERE id = %s", (owner,))
    owned_by_column = {
        "user_id": [
            "accounts",
            "sessions",
            "chats",
            "votes",
            "message_reactions",
            "documents",
            "suggestions",
            "file_uploads",
            "provider_configs",
            "auto_approval_settings",
            "usage_logs",
            "daily_usage",
            "credit_ledger",
            "external_tokens",
            "companions",
            "companion_messages",
            "companion_token_burns",
            "group_chat_members",
        ],
        "referrer_id": ["referrals"],
        "creator_id": ["group_chats"],
        "sender_id": ["group_messages"],
    }
    for column, tables in owned_by_column.items():
        for table in tables:
            assert count(conn, table, f"{column} = %s", (owner,)) == 0, table
    for table in (
        "messages",
        "streams",
        "chat_states",
        "chat_tags",
        "tool_executions",
        "context_optimizations",
    ):
        assert count(conn, table) == count(conn, table, "chat_id IN (SELECT id FROM chats)"), table
    assert (
        one(
            conn,
            "SELECT user_id FROM subscriptions WHERE provider_subscription_id = %s",
            (f"sub_{owner}",),
        )
        is None
    )
    assert one(conn, "SELECT user_id FROM payments WHERE id = %s", (f"pi_{owner}",)) is None
    assert (
        one(conn, "SELECT user_id FROM fingerprints WHERE visitor_id = %s", (str(owner),)) is None
    )


@pytest.mark.parametrize("role", ["chatdb_app", "chatdb_system"])
def test_runtime_roles_cannot_change_the_schema(conn: psycopg.Connection, role: str) -> None:
    with acting(conn, role, new_user(conn)):
        expect_error(conn, "CREATE TABLE public.sneaky (id int)", sqlstate="42501")
        expect_error(conn, "ALTER TABLE chats DISABLE ROW LEVEL SECURITY", sqlstate="42501")
        expect_error(conn, "DROP TABLE messages", sqlstate="42501")
