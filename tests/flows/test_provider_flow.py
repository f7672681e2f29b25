"""Provider flows: the default switch, API keys as AES-GCM ciphertext bound to their row,
and key rotation."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from chatdb import Database, errors
from chatdb.crypto import DecryptionError
from chatdb.flows.providers import (
    read_provider_key,
    rotate_provider_keys,
    save_provider_key,
    set_default_provider,
)
from chatdb.queries import providers
from support.factories import keyring, make_user
from support.logins import logins

SECRET = "sk-test-0123456789abcdef"


def raw_key_columns(db: Database, user: uuid.UUID, provider: str) -> Any:
    with db.system() as conn:
        return conn.execute(
            "SELECT api_key_ciphertext, api_key_version FROM provider_configs "
            "WHERE user_id = %s AND provider = %s",
            (user, provider),
        ).fetchone()


def test_saved_key_is_ciphertext_at_rest_and_reads_back(database: Database) -> None:
    ring = keyring(1)
    user = make_user(database)
    with database.as_user(user) as conn:
        row = save_provider_key(
            conn, keyring=ring, user_id=user, provider="openai", api_key=SECRET, default_model="o3"
        )
        plain = read_provider_key(conn, keyring=ring, user_id=user, provider="openai")
    ciphertext, version = raw_key_columns(database, user, "openai")
    assert plain == SECRET and version == 1 and row.default_model == "o3"
    assert SECRET.encode() not in bytes(ciphertext)
    assert len(ciphertext) == 12 + len(SECRET) + 16  # nonce + body + GCM tag


def test_saving_a_new_key_keeps_the_other_settings(database: Database) -> None:
    ring = keyring(1)
    user = make_user(database)
    with database.as_user(user) as conn:
        save_provider_key(
            conn,
            keyring=ring,
            user_id=user,
            provider="openai",
            api_key="old",
            base_url="https://proxy.example.com",
            settings={"org": "acme"},
        )
        row = save_provider_key(conn, keyring=ring, user_id=user, provider="openai", api_key="new")
        assert read_provider_key(conn, keyring=ring, user_id=user, provider="openai") == "new"
    assert row.base_url == "https://proxy.example.com" and row.settings == {"org": "acme"}


def test_read_without_config_or_key_is_none(database: Database) -> None:
    ring = keyring(1)
    user = make_user(database)
    with database.as_user(user) as conn:
        assert read_provider_key(conn, keyring=ring, user_id=user, provider="openai") is None
        providers.upsert_provider_config(
            conn,
            user_id=user,
            provider="ollama",
            api_key_ciphertext=None,
            api_key_version=None,
            base_url="http://localhost:11434",
            default_model=None,
            settings=None,
        )
        assert read_provider_key(conn, keyring=ring, user_id=user, provider="ollama") is None


@pytest.mark.parametrize("api_key", ["", "   "])
def test_empty_key_is_invalid_input(database: Database, api_key: str) -> None:
    user = make_user(database)
    with pytest.raises(errors.InvalidInput), database.as_user(user) as conn:
        save_provider_key(
            conn, keyring=keyring(1), user_id=user, provider="openai", api_key=api_key
        )


def test_ciphertext_copied_to_another_row_does_not_decrypt(database: Database) -> None:
    ring = keyring(1)
    victim, attacker = make_user(database), make_user(database)
    with database.as_user(victim) as conn:
        save_provider_key(conn, keyring=ring, user_id=victim, provider="openai", api_key=SECRET)
        save_provider_key(conn, keyring=ring, user_id=victim, provider="anthropic", api_key="x")
    stolen, version = raw_key_columns(database, victim, "openai")
    with database.as_user(attacker) as conn:
        save_provider_key(conn, keyring=ring, user_id=attacker, provider="openai", api_key="mine")
    with database.system() as conn:
        conn.execute(
            "UPDATE provider_configs SET api_key_ciphertext = %s, api_key_version = %s "
            "WHERE (user_id = %s AND provider = 'openai') OR (user_id = %s AND provider = 'anthropic')",
            (stolen, version, attacker, victim),
        )
    with pytest.raises(DecryptionError), database.as_user(attacker) as conn:
        read_provider_key(conn, keyring=ring, user_id=attacker, provider="openai")
    with pytest.raises(DecryptionError), database.as_user(victim) as conn:
        read_provider_key(conn, keyring=ring, user_id=victim, provider="anthropic")


def test_other_user_cannot_read_the_key(database: Database) -> None:
    ring = keyring(1)
    owner, other = make_user(database), make_user(database)
    with database.as_user(owner) as conn:
        save_provider_key(conn, keyring=ring, user_id=owner, provider="openai", api_key=SECRET)
    with database.as_user(other) as conn:
        assert read_provider_key(conn, keyring=ring, user_id=owner, provider="openai") is None
    with pytest.raises(errors.PermissionDenied), database.as_user(other) as conn:
        save_provider_key(conn, keyring=ring, user_id=owner, provider="openai", api_key="evil")


def test_rotation_reencrypts_old_rows_under_the_current_key(db_url: str) -> None:
    old, new = keyring(1), keyring(1, 2)
    with Database(**logins(db_url), pool_min_size=1, pool_max_size=2) as db:
        users = [make_user(db) for _ in range(3)]
        for user in users:
            with db.as_user(user) as conn:
                save_provider_key(
                    conn, keyring=old, user_id=user, provider="openai", api_key=f"k-{user}"
                )
        with db.as_user(users[0]) as conn:  # already under key 2
            save_provider_key(
                conn, keyring=new, user_id=users[0], provider="anthropic", api_key="a"
            )
        with db.system() as conn:
            assert rotate_provider_keys(conn, keyring=new, batch_size=2) == 3
            assert rotate_provider_keys(conn, keyring=new) == 0  # idempotent
        for user in users:
            assert raw_key_columns(db, user, "openai")[1] == 2
            with db.as_user(user) as conn:
                assert (
                    read_provider_key(conn, keyring=new, user_id=user, provider="openai")
                    == f"k-{user}"
                )
            with pytest.raises(DecryptionError), db.as_user(user) as conn:
                read_provider_key(conn, keyring=keyring(1), user_id=user, provider="openai")


def test_set_default_provider_flow(database: Database) -> None:
    ring = keyring(1)
    user = make_user(database)
    with database.as_user(user) as conn:
        save_provider_key(conn, keyring=ring, user_id=user, provider="openai", api_key="a")
        save_provider_key(conn, keyring=ring, user_id=user, provider="anthropic", api_key="b")
        assert set_default_provider(conn, user_id=user, provider="openai").is_default
        row = set_default_provider(conn, user_id=user, provider="anthropic")
        default = providers.get_default_provider_config(conn, user_id=user)
    assert row.provider == "anthropic" and default is not None and default.id == row.id
    with pytest.raises(errors.NotFoundError), database.as_user(user) as conn:
        set_default_provider(conn, user_id=user, provider="mistral")
