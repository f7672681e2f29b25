from __future__ import annotations

import datetime
import json
import uuid
from decimal import Decimal
from typing import Any

import psycopg

from chatdb import Database
from chatdb.flows.auth import hash_password, hash_token, new_token
from chatdb.flows.privacy import erase_user, export_user_data
from chatdb.queries import auth, chats, usage, votes
from chatdb.queries.enums import MessageRole, VoteDirection
from support.factories import create_chat, import_rows, sign_up

NOW = datetime.datetime.now(datetime.UTC)
SECRET_MARKERS = (b"SECRET-ACCESS", b"SECRET-API-KEY", b"SECRET-EXTERNAL")


def _one(conn: psycopg.Connection[Any], query: str, params: dict[str, Any]) -> Any:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return row[0]


def populate(db: Database, user_id: uuid.UUID, other_id: uuid.UUID) -> dict[str, Any]:
    """One row in every table a user can own (setup as chatdb_system, plain SQL for tables
    whose queries live in other files)."""
    chat = create_chat(db, user_id, title="Mine")
    message = import_rows(db, chat.id, 2, role=MessageRole.ASSISTANT)[1]
    other_chat = create_chat(db, other_id, public=True)
    other_message = import_rows(db, other_chat.id, 1)[0]
    with db.as_user(user_id) as conn:
        chats.add_chat_tag(conn, chat_id=chat.id, tag="keep")
        votes.vote_message(conn, message_id=message.id, user_id=user_id, direction=VoteDirection.UP)
        votes.vote_message(
            conn, message_id=other_message.id, user_id=user_id, direction=VoteDirection.DOWN
        )
    p = {"u": user_id, "o": other_id, "chat": chat.id, "msg": message.id}
    with db.system() as conn:
        auth.link_account(
            conn,
            user_id=user_id,
            type="oauth",
            provider="github",
            provider_account_id=uuid.uuid4().hex,
            access_token_ciphertext=SECRET_MARKERS[0],
            refresh_token_ciphertext=None,
            id_token_ciphertext=None,
            token_key_version=1,
            expires_at=None,
            token_type="bearer",
            scope=None,
            session_state=None,
        )
        auth.create_session(
            conn,
            session_token_hash=hash_token(new_token()),
            user_id=user_id,
            expires=NOW + datetime.timedelta(days=1),
            fingerprint_id=None,
        )
        conn.execute(
            "INSERT INTO documents (user_id, chat_id, title, content) "
            "VALUES (%(u)s, %(chat)s, 'Doc', 'body')",
            p,
        )
        conn.execute(
            "INSERT INTO file_uploads (user_id, content_hash, filename, content_type, size_bytes,"
            " storage_key) VALUES (%(u)s, sha256('x'::bytea), 'a.txt', 'text/plain', 1, 'k')",
            p,
        )
        conn.execute(
            "INSERT INTO provider_configs (user_id, provider, api_key_ciphertext, api_key_version)"
            " VALUES (%(u)s, 'openai', %(key)s, 1)",
            {**p, "key": SECRET_MARKERS[1]},
        )
        conn.execute(
            "INSERT INTO external_tokens (user_id, service, token_ciphertext, token_key_version)"
            " VALUES (%(u)s, 'github', %(key)s, 1)",
            {**p, "key": SECRET_MARKERS[2]},
        )
        conn.execute(
            "INSERT INTO usage_logs (user_id, chat_id, provider, model, input_tokens) "
            "VALUES (%(u)s, %(chat)s, 'openai', 'gpt', 10)",
            p,
        )
        conn.execute("INSERT INTO daily_usage (user_id, message_count) VALUES (%(u)s, 3)", p)
        conn.execute("INSERT INTO referrals (referrer_id, referred_id) VALUES (%(o)s, %(u)s)", p)
        companion = _one(
            conn, "INSERT INTO companions (user_id, name) VALUES (%(u)s, 'Pal') RETURNING id", p
        )
        conn.execute(
            "INSERT INTO companion_messages (companion_id, user_id, role, content) "
            "VALUES (%(c)s, %(u)s, 'user', 'hi pal')",
            {**p, "c": companion},
        )
        group = _one(
            conn, "INSERT INTO group_chats (creator_id, name) VALUES (%(o)s, 'G') RETURNING id", p
        )
        conn.execute(
            "INSERT INTO group_chat_members (group_chat_id, user_id) VALUES (%(g)s, %(u)s)",
            {**p, "g": group},
        )
        conn.execute(
            "INSERT INTO group_messages (group_chat_id, sender_id, content) "
            "VALUES (%(g)s, %(u)s, 'hello group')",
            {**p, "g": group},
        )
        subscription = _one(
            conn,
            "INSERT INTO subscriptions (user_id, provider_subscription_id, status, last_event_at)"
            " VALUES (%(u)s, %(s)s, 'active', now()) RETURNING id",
            {**p, "s": f"sub_{uuid.uuid4().hex}"},
        )
        payment = f"pi_{uuid.uuid4().hex}"
        conn.execute(
            "INSERT INTO payments (id, user_id, subscription_id, amount_cents, currency, status,"
            " last_event_at) VALUES (%(id)s, %(u)s, %(s)s, 500, 'usd', 'succeeded', now())",
            {**p, "id": payment, "s": subscription},
        )
    return {
        "chat": chat.id,
        "other_chat": other_chat.id,
        "other_message": other_message.id,
        "group": group,
        "subscription": subscription,
        "payment": payment,
    }


def test_export_contains_everything_and_no_secrets(database: Database) -> None:
    user = sign_up(database, password_hash=hash_password("pw"))
    other = sign_up(database)
    made = populate(database, user.id, other.id)
    with database.system() as conn:
        data = export_user_data(conn, user_id=user.id)
    text = json.dumps(data)  # JSON-able as it is
    assert data["profile"]["id"] == str(user.id)
    assert "password_hash" not in data["profile"]
    assert "$argon2id$" not in text
    for marker in SECRET_MARKERS:
        assert marker.hex() not in text
        assert marker.decode() not in text
    for key in (
        "access_token_ciphertext",
        "api_key_ciphertext",
        "token_ciphertext",
        "session_token_hash",
    ):
        assert key not in text
    [chat] = data["chats"]
    assert chat["id"] == str(made["chat"])
    assert len(chat["messages"]) == 2
    assert chat["tags"] == ["keep"]
    assert len(data["votes"]) == 2
    assert len(data["accounts"]) == 1
    assert data["provider_configs"][0]["has_api_key"] is True
    for key in (
        "documents",
        "uploads",
        "usage_logs",
        "daily_usage",
        "referrals",
        "external_tokens",
        "companions",
        "companion_messages",
        "group_memberships",
        "group_messages",
        "subscriptions",
        "payments",
        "sessions",
    ):
        assert len(data[key]) == 1, key
    assert len(data["credit_ledger"]) >= 1  # the signup grant
    assert data["group_chats_created"] == []


def test_export_unknown_user_is_empty(database: Database) -> None:
    with database.system() as conn:
        assert export_user_data(conn, user_id=uuid.uuid4()) == {}


def test_export_of_a_fresh_user_has_empty_sections(database: Database) -> None:
    user = sign_up(database)
    with database.system() as conn:
        data = export_user_data(conn, user_id=user.id)
    assert data["chats"] == []
    assert data["auto_approval_settings"] is None


def test_erase_user_deletes_everything_owned_and_keeps_billing(database: Database) -> None:
    user, other = sign_up(database), sign_up(database)
    made = populate(database, user.id, other.id)
    with database.system() as conn:
        auth.create_verification_token(
            conn,
            identifier=user.email,
            token_hash=hash_token(new_token()),
            expires=NOW + datetime.timedelta(hours=1),
        )
        assert erase_user(conn, user_id=user.id) is True
    with database.system() as conn:
        p = {"u": user.id}
        for table, column in (
            ("users", "id"),
            ("accounts", "user_id"),
            ("sessions", "user_id"),
            ("chats", "user_id"),
            ("votes", "user_id"),
            ("documents", "user_id"),
            ("file_uploads", "user_id"),
            ("credit_ledger", "user_id"),
            ("usage_logs", "user_id"),
            ("daily_usage", "user_id"),
            ("referrals", "referred_id"),
            ("provider_configs", "user_id"),
            ("external_tokens", "user_id"),
            ("companions", "user_id"),
            ("companion_messages", "user_id"),
            ("group_chat_members", "user_id"),
            ("group_messages", "sender_id"),
        ):
            count = _one(conn, f"SELECT count(*) FROM {table} WHERE {column} = %(u)s", p)
            assert count == 0, table
        assert (
            _one(
                conn,
                "SELECT count(*) FROM verification_tokens WHERE identifier = %(e)s",
                {"e": user.email},
            )
            == 0
        )
        assert (
            _one(conn, "SELECT user_id FROM payments WHERE id = %(id)s", {"id": made["payment"]})
            is None
        )
        assert (
            _one(
                conn,
                "SELECT user_id FROM subscriptions WHERE id = %(id)s",
                {"id": made["subscription"]},
            )
            is None
        )
        # The other user's data is untouched (their message lost only the erased user's vote).
        assert (
            _one(conn, "SELECT count(*) FROM chats WHERE id = %(c)s", {"c": made["other_chat"]})
            == 1
        )
        assert (
            _one(conn, "SELECT count(*) FROM group_chats WHERE id = %(g)s", {"g": made["group"]})
            == 1
        )
        assert _one(conn, "SELECT count(*) FROM users WHERE id = %(o)s", {"o": other.id}) == 1
        assert erase_user(conn, user_id=user.id) is False


def test_erase_rolls_back_with_the_callers_transaction(database: Database) -> None:
    user = sign_up(database)
    try:
        with database.system() as conn:
            assert erase_user(conn, user_id=user.id)
            raise RuntimeError("abort")
    except RuntimeError:
        pass
    with database.system() as conn:
        assert export_user_data(conn, user_id=user.id)["profile"]["email"] == user.email


def test_erase_user_deletes_verification_tokens_sent_to_any_case_of_the_email(
    database: Database,
) -> None:
    user = sign_up(database)
    with database.system() as conn:
        auth.create_verification_token(
            conn,
            identifier=user.email.upper(),
            token_hash=hash_token(new_token()),
            expires=NOW + datetime.timedelta(hours=1),
        )
        assert erase_user(conn, user_id=user.id) is True
        left = _one(
            conn,
            "SELECT count(*) FROM verification_tokens WHERE lower(identifier) = lower(%(e)s)",
            {"e": user.email},
        )
    assert left == 0


def test_erase_user_can_take_the_user_out_of_the_usage_stats_at_once(database: Database) -> None:
    user = sign_up(database)
    stats = "SELECT count(*) FROM usage_daily_stats WHERE user_id = %(u)s"
    with database.system() as conn:
        usage.log_usage(
            conn,
            params=usage.LogUsageParams(
                created_at=None,
                user_id=user.id,
                chat_id=None,
                message_id=None,
                provider="openai",
                model="gpt-test",
                input_tokens=10,
                output_tokens=5,
                cache_read_tokens=None,
                cache_write_tokens=None,
                cost=Decimal("0.01"),
                duration_ms=None,
                metadata=None,
            ),
        )
        usage.refresh_usage_daily_stats(conn)
    with database.system() as conn:
        assert _one(conn, stats, {"u": user.id}) == 1
        assert erase_user(conn, user_id=user.id, refresh_usage_stats=True) is True
    with database.system() as conn:
        assert _one(conn, stats, {"u": user.id}) == 0
