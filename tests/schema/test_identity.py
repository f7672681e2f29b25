"""users, accounts, sessions, verification_tokens, fingerprints: constraints and triggers."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from .helpers import APP, acting, count, expect_error, insert, new_user, one

DIGEST = hashlib.sha256(b"token").digest()


def test_email_is_unique_case_insensitively(conn: psycopg.Connection) -> None:
    new_user(conn, email="Ada@Example.com")
    expect_error(
        conn,
        "INSERT INTO users (email) VALUES ('ada@example.COM')",
        constraint="users_lower_email_key",
        sqlstate="23505",
    )
    new_user(conn, email="ada2@example.com")


@pytest.mark.parametrize(
    ("column", "value", "constraint"),
    [
        ("email", "not-an-email", "users_email_check"),
        ("email", "a b@example.com", "users_email_check"),
        ("email", "x" * 320 + "@example.com", "users_email_check"),
        ("name", "n" * 201, "users_name_check"),
        ("password_hash", "$2b$12$bcrypt-is-not-allowed", "users_password_hash_check"),
        ("referral_code", "no spaces allowed", "users_referral_code_check"),
        ("quota", -1, "users_quota_check"),
    ],
)
def test_user_columns_are_checked(
    conn: psycopg.Connection, column: str, value: object, constraint: str
) -> None:
    values = {"email": "ok@example.com", column: value}
    expect_error(
        conn,
        f"INSERT INTO users ({', '.join(values)}) VALUES ({', '.join(['%s'] * len(values))})",
        tuple(values.values()),
        constraint=constraint,
    )


def test_a_good_user_is_accepted_with_sane_defaults(conn: psycopg.Connection) -> None:
    user = new_user(
        conn,
        email="grace@example.com",
        name="Grace",
        password_hash="$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
    )
    row = conn.execute(
        "SELECT role, status, referral_code, quota, end_date FROM users WHERE id = %s", (user,)
    ).fetchone()
    assert row is not None
    role, status, code, quota, end_date = row
    assert (role, status, quota, end_date) == ("user", "active", 0, None)
    assert re.fullmatch(r"ref-[0-9a-f-]{36}", code)
    expect_error(
        conn,
        "INSERT INTO users (email, referral_code) VALUES ('x@example.com', %s)",
        (code,),
        constraint="users_referral_code_key",
    )


def test_referral_codes_and_stripe_customers_are_unique(conn: psycopg.Connection) -> None:
    new_user(conn, stripe_customer_id="cus_1")
    new_user(conn)  # NULL customers do not collide
    new_user(conn)
    expect_error(
        conn,
        "INSERT INTO users (email, stripe_customer_id) VALUES ('b@example.com', 'cus_1')",
        constraint="users_stripe_customer_id_key",
    )


def test_end_date_is_generated_from_the_quota_period(conn: psycopg.Connection) -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    user = new_user(conn, quota_started_at=start)
    assert one(conn, "SELECT end_date FROM users WHERE id = %s", (user,)) == start
    conn.execute(
        "UPDATE users SET next_quota_reset = %s WHERE id = %s", (start + timedelta(days=30), user)
    )
    assert one(conn, "SELECT end_date FROM users WHERE id = %s", (user,)) == start + timedelta(
        days=30
    )
    expect_error(conn, "UPDATE users SET end_date = now() WHERE id = %s", (user,), sqlstate="428C9")
    expect_error(
        conn,
        "UPDATE users SET next_quota_reset = quota_started_at - interval '1 day' WHERE id = %s",
        (user,),
        constraint="users_quota_period_check",
    )


def test_updated_at_is_maintained_by_the_trigger(conn: psycopg.Connection) -> None:
    user = new_user(conn)
    conn.execute("UPDATE users SET updated_at = '2000-01-01', name = 'x' WHERE id = %s", (user,))
    assert one(conn, "SELECT updated_at = now() FROM users WHERE id = %s", (user,))


def test_accounts_store_tokens_as_ciphertext_with_a_key_version(conn: psycopg.Connection) -> None:
    user = new_user(conn)
    insert(
        conn,
        "accounts",
        provider="github",
        provider_account_id="1",
        user_id=user,
        type="oauth",
        access_token_ciphertext=b"\x00" * 40,
        token_key_version=1,
    )
    insert(
        conn,
        "accounts",
        provider="email",
        provider_account_id="a@example.com",
        user_id=user,
        type="email",
    )
    expect_error(
        conn,
        "INSERT INTO accounts (provider, provider_account_id, user_id, type) VALUES ('github', '1', %s, 'oauth')",
        (user,),
        constraint="accounts_pkey",
    )
    expect_error(
        conn,
        "INSERT INTO accounts (provider, provider_account_id, user_id, type) VALUES ('x', '1', %s, 'password')",
        (user,),
        constraint="accounts_type_check",
    )
    expect_error(
        conn,
        "INSERT INTO accounts (provider, provider_account_id, user_id, type, refresh_token_ciphertext) "
        "VALUES ('x', '2', %s, 'oauth', '\\x01')",
        (user,),
        constraint="accounts_token_key_version_check",
    )
    expect_error(
        conn,
        "INSERT INTO accounts (provider, provider_account_id, user_id, type, token_key_version) "
        "VALUES ('x', '3', %s, 'oauth', 1)",
        (user,),
        constraint="accounts_token_key_version_check",
    )
    assert (
        one(
            conn,
            "SELECT data_type FROM information_schema.columns WHERE table_name = 'accounts' "
            "AND column_name = 'access_token_ciphertext'",
        )
        == "bytea"
    )


def test_sessions_store_a_sha256_digest_unique_and_cascade(conn: psycopg.Connection) -> None:
    user = new_user(conn)
    fingerprint = insert(conn, "fingerprints", visitor_id="visitor-1", user_id=user)
    session = insert(
        conn,
        "sessions",
        session_token_hash=DIGEST,
        user_id=user,
        expires=datetime.now(UTC) + timedelta(days=30),
        fingerprint_id=fingerprint,
    )
    expect_error(
        conn,
        "INSERT INTO sessions (session_token_hash, user_id, expires) VALUES (%s, %s, now())",
        (DIGEST, user),
        constraint="sessions_session_token_hash_key",
    )
    expect_error(
        conn,
        "INSERT INTO sessions (session_token_hash, user_id, expires) VALUES (%s, %s, now())",
        (b"raw-token", user),
        constraint="sessions_session_token_hash_check",
    )
    conn.execute("DELETE FROM fingerprints WHERE id = %s", (fingerprint,))
    assert one(conn, "SELECT fingerprint_id FROM sessions WHERE id = %s", (session,)) is None


def test_verification_tokens_are_digests_keyed_by_identifier_and_hash(
    conn: psycopg.Connection,
) -> None:
    insert(
        conn,
        "verification_tokens",
        identifier="a@example.com",
        token_hash=DIGEST,
        expires=datetime.now(UTC),
    )
    insert(
        conn,
        "verification_tokens",
        identifier="b@example.com",
        token_hash=DIGEST,
        expires=datetime.now(UTC),
    )
    expect_error(
        conn,
        "INSERT INTO verification_tokens (identifier, token_hash, expires) VALUES ('a@example.com', %s, now())",
        (DIGEST,),
        constraint="verification_tokens_pkey",
    )
    expect_error(
        conn,
        "INSERT INTO verification_tokens (identifier, token_hash, expires) VALUES ('c', 'short', now())",
        constraint="verification_tokens_token_hash_check",
    )
    # "Use" = delete and return: the second use finds nothing.
    use = "DELETE FROM verification_tokens WHERE identifier = 'a@example.com' AND token_hash = %s RETURNING expires"
    assert len(conn.execute(use, (DIGEST,)).fetchall()) == 1
    assert conn.execute(use, (DIGEST,)).fetchall() == []


def test_fingerprints_are_checked_and_survive_their_user(conn: psycopg.Connection) -> None:
    user = new_user(conn)
    fingerprint = insert(conn, "fingerprints", visitor_id="v-1", user_id=user)
    expect_error(
        conn,
        "INSERT INTO fingerprints (visitor_id) VALUES ('v-1')",
        constraint="fingerprints_visitor_id_key",
    )
    expect_error(
        conn,
        "INSERT INTO fingerprints (visitor_id) VALUES ('')",
        constraint="fingerprints_visitor_id_check",
    )
    expect_error(
        conn,
        "INSERT INTO fingerprints (visitor_id, first_seen_at, last_seen_at) VALUES ('v-2', now(), now() - interval '1 s')",
        constraint="fingerprints_seen_check",
    )
    conn.execute("DELETE FROM users WHERE id = %s", (user,))
    assert one(conn, "SELECT user_id FROM fingerprints WHERE id = %s", (fingerprint,)) is None


def test_the_app_reads_and_renames_only_itself_and_never_sees_password_hashes(
    conn: psycopg.Connection,
) -> None:
    me, other = new_user(conn, name="me"), new_user(conn, name="other")
    with acting(conn, APP, me):
        assert conn.execute("SELECT id FROM users").fetchall() == [(me,)]
        assert (
            conn.execute(
                "UPDATE users SET name = 'renamed' WHERE id = %s RETURNING id", (other,)
            ).fetchall()
            == []
        )
        conn.execute("UPDATE users SET name = 'new name' WHERE id = %s", (me,))
        expect_error(conn, "SELECT password_hash FROM users", sqlstate="42501")
        expect_error(conn, "UPDATE users SET role = 'admin' WHERE id = %s", (me,), sqlstate="42501")
        expect_error(
            conn, "INSERT INTO users (email) VALUES ('sneaky@example.com')", sqlstate="42501"
        )
        expect_error(conn, "SELECT count(*) FROM verification_tokens", sqlstate="42501")
    assert one(conn, "SELECT name FROM users WHERE id = %s", (other,)) == "other"


def test_sessions_accounts_and_fingerprints_are_private(conn: psycopg.Connection) -> None:
    me, other = new_user(conn), new_user(conn)
    for user, digest in ((me, DIGEST), (other, hashlib.sha256(b"other").digest())):
        insert(conn, "sessions", session_token_hash=digest, user_id=user, expires=datetime.now(UTC))
        insert(
            conn,
            "accounts",
            provider="github",
            provider_account_id=str(user),
            user_id=user,
            type="oauth",
        )
        insert(conn, "fingerprints", visitor_id=str(user), user_id=user)
    with acting(conn, APP, me):
        for table in ("sessions", "accounts", "fingerprints"):
            assert conn.execute(f"SELECT user_id FROM {table}").fetchall() == [(me,)], table
        assert conn.execute("DELETE FROM sessions WHERE user_id = %s", (other,)).rowcount == 0
        assert conn.execute("DELETE FROM sessions WHERE user_id = %s", (me,)).rowcount == 1
    assert count(conn, "sessions", "user_id = %s", (other,)) == 1
