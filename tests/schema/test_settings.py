"""provider_configs, auto_approval_settings and file_uploads: constraints and privacy."""

from __future__ import annotations

import hashlib
import threading

import psycopg
import pytest

from .helpers import APP, acting, count, expect_error, insert, new_chat, new_user, one

SET_DEFAULT = (
    "UPDATE provider_configs SET is_default = (provider = %(provider)s) "
    "WHERE user_id = %(user)s AND (is_default OR provider = %(provider)s)"
)


def test_one_config_per_user_and_provider(conn: psycopg.Connection) -> None:
    user = new_user(conn)
    insert(conn, "provider_configs", user_id=user, provider="openai")
    insert(conn, "provider_configs", user_id=new_user(conn), provider="openai")
    expect_error(
        conn,
        "INSERT INTO provider_configs (user_id, provider) VALUES (%s, 'openai')",
        (user,),
        constraint="provider_configs_user_id_provider_key",
    )


def test_at_most_one_default_provider_per_user(conn: psycopg.Connection) -> None:
    user = new_user(conn)
    insert(conn, "provider_configs", user_id=user, provider="openai", is_default=True)
    insert(conn, "provider_configs", user_id=user, provider="ollama")
    insert(conn, "provider_configs", user_id=new_user(conn), provider="openai", is_default=True)
    error = expect_error(
        conn,
        "INSERT INTO provider_configs (user_id, provider, is_default) VALUES (%s, 'anthropic', true)",
        (user,),
        constraint="provider_configs_user_id_default_excl",
    )
    assert error.sqlstate == "23P01"


@pytest.mark.parametrize("rows_order", ["old-default-first", "new-default-first"])
def test_a_single_update_switches_the_default_in_any_row_order(
    conn: psycopg.Connection, rows_order: str
) -> None:
    user = new_user(conn)
    providers = (
        ["openai", "anthropic"] if rows_order == "old-default-first" else ["anthropic", "openai"]
    )
    for provider in providers:
        insert(
            conn,
            "provider_configs",
            user_id=user,
            provider=provider,
            is_default=provider == "openai",
        )
    with acting(conn, APP, user):
        conn.execute(SET_DEFAULT, {"provider": "anthropic", "user": user})
        assert conn.execute(
            "SELECT provider FROM provider_configs WHERE is_default"
        ).fetchall() == [("anthropic",)]


def test_concurrent_default_switches_leave_exactly_one_default(db_url: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        user = new_user(conn)
        for provider in ("a", "b", "c", "d"):
            insert(
                conn,
                "provider_configs",
                user_id=user,
                provider=provider,
                is_default=provider == "a",
            )
    start = threading.Barrier(4)
    failures: list[str] = []  # SQLSTATEs of the switches that lost

    def switch(provider: str) -> None:
        with psycopg.connect(db_url) as conn:
            start.wait()
            try:
                with conn.transaction():
                    conn.execute(f"SET LOCAL ROLE {APP}")
                    conn.execute("SELECT set_config('app.user_id', %s, true)", (str(user),))
                    conn.execute(SET_DEFAULT, {"provider": provider, "user": user})
            except psycopg.Error as exc:
                failures.append(exc.sqlstate or "?")

    threads = [threading.Thread(target=switch, args=(p,)) for p in ("a", "b", "c", "d")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # A loser fails with the named exclusion constraint (or, rows being locked in different
    # orders, a deadlock the runtime retries); never two defaults.
    assert set(failures) <= {"23P01", "40P01"}, failures
    with psycopg.connect(db_url) as conn:
        assert count(conn, "provider_configs", "user_id = %s AND is_default", (user,)) == 1


@pytest.mark.parametrize(
    ("columns", "constraint"),
    [
        ({"provider": "Open AI"}, "provider_configs_provider_check"),
        ({"api_key_ciphertext": b"\x01" * 40}, "provider_configs_api_key_version_check"),
        ({"api_key_version": 1}, "provider_configs_api_key_version_check"),
        ({"base_url": "ftp://example.com"}, "provider_configs_base_url_check"),
        ({"settings": "[]"}, "provider_configs_settings_check"),
    ],
)
def test_provider_configs_are_checked(
    conn: psycopg.Connection, columns: dict[str, object], constraint: str
) -> None:
    values = {"user_id": new_user(conn), "provider": "openai", **columns}
    expect_error(
        conn,
        f"INSERT INTO provider_configs ({', '.join(values)}) VALUES ({', '.join(['%s'] * len(values))})",
        tuple(values.values()),
        constraint=constraint,
    )


def test_api_keys_are_stored_as_ciphertext_with_their_key_version(conn: psycopg.Connection) -> None:
    user = new_user(conn)
    insert(
        conn,
        "provider_configs",
        user_id=user,
        provider="openai",
        api_key_ciphertext=b"\x01" * 40,
        api_key_version=2,
        base_url="https://proxy.example.com/v1",
    )
    insert(conn, "provider_configs", user_id=user, provider="ollama")  # keyless
    text_columns = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
        "AND (column_name LIKE '%%token%%' OR column_name LIKE '%%api_key%%' OR column_name LIKE '%%secret%%') "
        "AND data_type NOT IN ('bytea', 'integer', 'bigint', 'timestamp with time zone') "
        "AND column_name NOT IN ('token_type', 'ledger_operation_id', 'credits_per_1k_tokens')"
    ).fetchall()
    # Token *counts* and key versions are integers, token_type is "bearer", a burn's rate is
    # credits per 1,000 tokens; every secret-bearing column is bytea.
    assert text_columns == []


def test_auto_approval_defaults_are_safe_and_limits_checked(conn: psycopg.Connection) -> None:
    user = new_user(conn)
    insert(conn, "auto_approval_settings", user_id=user)
    row = conn.execute(
        "SELECT enabled, max_cost_per_execution, max_daily_cost, allowed_tools FROM auto_approval_settings "
        "WHERE user_id = %s",
        (user,),
    ).fetchone()
    assert row == (False, 0, 0, [])
    expect_error(
        conn,
        "INSERT INTO auto_approval_settings (user_id) VALUES (%s)",
        (user,),
        constraint="auto_approval_settings_pkey",
    )
    other = new_user(conn)
    for values, constraint in (
        ("max_cost_per_execution = -1", "auto_approval_settings_cost_limits_check"),
        (
            "max_cost_per_execution = 2, max_daily_cost = 1",
            "auto_approval_settings_cost_limits_check",
        ),
        (
            "allowed_tools = '{search}', blocked_tools = '{search}'",
            "auto_approval_settings_tools_check",
        ),
    ):
        expect_error(
            conn,
            f"UPDATE auto_approval_settings SET {values} WHERE user_id = %s",
            (user,),
            constraint=constraint,
        )
    insert(
        conn,
        "auto_approval_settings",
        user_id=other,
        enabled=True,
        max_cost_per_execution="0.10",
        max_daily_cost="1.00",
        allowed_tools=["search"],
        blocked_tools=["shell"],
    )


def test_settings_are_private(conn: psycopg.Connection) -> None:
    alice, bob = new_user(conn), new_user(conn)
    insert(conn, "provider_configs", user_id=bob, provider="openai", is_default=True)
    insert(conn, "auto_approval_settings", user_id=bob)
    with acting(conn, APP, alice):
        assert count(conn, "provider_configs") == 0
        assert count(conn, "auto_approval_settings") == 0
        expect_error(
            conn,
            "INSERT INTO provider_configs (user_id, provider) VALUES (%s, 'x')",
            (bob,),
            sqlstate="42501",
        )
        conn.execute(
            "INSERT INTO auto_approval_settings (user_id, enabled) VALUES (%s, true) "
            "ON CONFLICT (user_id) DO UPDATE SET enabled = EXCLUDED.enabled",
            (alice,),
        )
        assert count(conn, "auto_approval_settings") == 1


def test_file_uploads_deduplicate_per_user_by_content_hash(conn: psycopg.Connection) -> None:
    alice, bob = new_user(conn), new_user(conn)
    digest = hashlib.sha256(b"same bytes").digest()
    upload = (
        "INSERT INTO file_uploads (user_id, content_hash, filename, content_type, size_bytes, storage_key) "
        "VALUES (%s, %s, 'a.png', 'image/png', 10, 'k') "
        "ON CONFLICT (user_id, content_hash) DO UPDATE SET filename = file_uploads.filename RETURNING id"
    )
    first = one(conn, upload, (alice, digest))
    assert one(conn, upload, (alice, digest)) == first
    assert one(conn, upload, (bob, digest)) != first
    expect_error(
        conn,
        "INSERT INTO file_uploads (user_id, content_hash, filename, content_type, size_bytes, storage_key) "
        "VALUES (%s, %s, 'a', 'text/plain', 1, 'k')",
        (alice, digest),
        constraint="file_uploads_user_id_content_hash_key",
    )


@pytest.mark.parametrize(
    ("columns", "constraint"),
    [
        ({"content_hash": b"md5-is-16-bytes!"}, "file_uploads_content_hash_check"),
        ({"filename": ""}, "file_uploads_filename_check"),
        ({"content_type": "png"}, "file_uploads_content_type_check"),
        ({"size_bytes": -1}, "file_uploads_size_bytes_check"),
    ],
)
def test_file_uploads_are_checked(
    conn: psycopg.Connection, columns: dict[str, object], constraint: str
) -> None:
    values = {
        "user_id": new_user(conn),
        "content_hash": hashlib.sha256(b"x").digest(),
        "filename": "x.txt",
        "content_type": "text/plain",
        "size_bytes": 1,
        "storage_key": "k",
        **columns,
    }
    expect_error(
        conn,
        f"INSERT INTO file_uploads ({', '.join(values)}) VALUES ({', '.join(['%s'] * len(values))})",
        tuple(values.values()),
        constraint=constraint,
    )


def test_uploads_are_private_and_attach_only_to_own_chats(conn: psycopg.Connection) -> None:
    alice, bob = new_user(conn), new_user(conn)
    bob_chat = new_chat(conn, bob, visibility="public")
    insert(
        conn,
        "file_uploads",
        user_id=bob,
        content_hash=hashlib.sha256(b"b").digest(),
        filename="b",
        content_type="text/plain",
        size_bytes=1,
        storage_key="k",
    )
    with acting(conn, APP, alice):
        assert count(conn, "file_uploads") == 0
        expect_error(
            conn,
            "INSERT INTO file_uploads (user_id, chat_id, content_hash, filename, content_type, size_bytes, storage_key) "
            "VALUES (%s, %s, %s, 'a', 'text/plain', 1, 'k')",
            (alice, bob_chat, hashlib.sha256(b"a").digest()),
            sqlstate="42501",
        )
