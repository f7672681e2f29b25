"""providers.sql: provider configurations and auto-approval settings, as their owner."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from chatdb import AsyncDatabase, Database, errors
from chatdb.queries import models, providers
from chatdb.queries.aio import providers as aio_providers
from support.factories import make_user


@pytest.fixture(autouse=True)
def _no_unsealed_keys_left(database: Database) -> Iterator[None]:
    """These tests commit placeholder ciphertexts (b"\\x01sealed"); remove them afterwards,
    so that rotate_provider_keys() over the whole database (the flow tests, which may run
    later in the same session) only meets keys sealed by a KeyRing."""
    yield
    with database.system() as conn:
        conn.execute("DELETE FROM provider_configs WHERE octet_length(api_key_ciphertext) < 28")


def upsert(conn: Any, user: uuid.UUID, provider: str, **kw: Any) -> models.ProviderConfig:
    args = {
        "api_key_ciphertext": None,
        "api_key_version": None,
        "base_url": None,
        "default_model": None,
        "settings": None,
    } | kw
    return providers.upsert_provider_config(conn, user_id=user, provider=provider, **args)


def test_upsert_provider_config_creates_then_updates_one_row(database: Database) -> None:
    user = make_user(database)
    with database.as_user(user) as conn:
        first = upsert(conn, user, "openai", default_model="gpt-4o", settings={"temperature": 0.2})
        second = upsert(
            conn, user, "openai", base_url="https://proxy.example.com/v1", default_model="o3"
        )
        rows = providers.list_provider_configs(conn, user_id=user)
    assert first.id == second.id and not first.is_default
    assert second.base_url == "https://proxy.example.com/v1" and second.default_model == "o3"
    assert second.settings == {}
    assert [r.provider for r in rows] == ["openai"]


def test_upsert_without_ciphertext_keeps_the_stored_key(database: Database) -> None:
    user = make_user(database)
    with database.as_user(user) as conn:
        upsert(conn, user, "anthropic", api_key_ciphertext=b"\x01sealed", api_key_version=3)
        kept = upsert(conn, user, "anthropic", default_model="claude")
        replaced = upsert(conn, user, "anthropic", api_key_ciphertext=b"\x02new", api_key_version=4)
        cleared = providers.clear_provider_key(conn, user_id=user, provider="anthropic")
    assert (kept.api_key_ciphertext, kept.api_key_version) == (b"\x01sealed", 3)
    assert (replaced.api_key_ciphertext, replaced.api_key_version) == (b"\x02new", 4)
    assert cleared is not None and cleared.api_key_ciphertext is None
    assert cleared.api_key_version is None


@pytest.mark.parametrize(
    ("provider", "kw"),
    [
        ("Bad Slug!", {}),
        ("openai", {"base_url": "ftp://x"}),
        ("openai", {"settings": [1, 2]}),
        ("openai", {"api_key_ciphertext": b"x"}),  # ciphertext without a version
        ("'; DROP TABLE provider_configs; --", {}),
    ],
)
def test_upsert_provider_config_rejects_bad_input_and_writes_nothing(
    database: Database, provider: str, kw: dict[str, object]
) -> None:
    user = make_user(database)
    with pytest.raises(errors.CheckViolation), database.as_user(user) as conn:
        upsert(conn, user, provider, **kw)
    with database.as_user(user) as conn:
        assert providers.list_provider_configs(conn, user_id=user) == []


def test_set_default_provider_switches_atomically(database: Database) -> None:
    user = make_user(database)
    with database.as_user(user) as conn:
        for name in ("openai", "anthropic", "ollama"):
            upsert(conn, user, name)
        assert providers.get_default_provider_config(conn, user_id=user) is None
        first = providers.set_default_provider(conn, user_id=user, provider="openai")
        second = providers.set_default_provider(conn, user_id=user, provider="ollama")
        again = providers.set_default_provider(conn, user_id=user, provider="ollama")
        default = providers.get_default_provider_config(conn, user_id=user)
        rows = providers.list_provider_configs(conn, user_id=user)
    assert first is not None and first.provider == "openai" and first.is_default
    assert second is not None and again is not None and again.provider == "ollama"
    assert default is not None and default.provider == "ollama"
    assert [(r.provider, r.is_default) for r in rows] == [
        ("ollama", True),
        ("anthropic", False),
        ("openai", False),
    ]


def test_set_default_to_unknown_provider_changes_nothing(database: Database) -> None:
    user = make_user(database)
    with database.as_user(user) as conn:
        upsert(conn, user, "openai")
        providers.set_default_provider(conn, user_id=user, provider="openai")
        assert providers.set_default_provider(conn, user_id=user, provider="mistral") is None
        default = providers.get_default_provider_config(conn, user_id=user)
    assert default is not None and default.provider == "openai"


def test_concurrent_default_switches_leave_exactly_one_default(database: Database) -> None:
    user = make_user(database)
    names = [f"p{i}" for i in range(6)]
    with database.as_user(user) as conn:
        for name in names:
            upsert(conn, user, name)
    failures: list[BaseException] = []

    def switch(name: str) -> None:
        try:
            database.as_user(user).run(
                lambda conn: providers.set_default_provider(conn, user_id=user, provider=name)
            )
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=switch, args=(n,)) for n in names * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    with database.as_user(user) as conn:
        rows = providers.list_provider_configs(conn, user_id=user)
    assert sum(r.is_default for r in rows) == 1


def test_delete_provider_config_counts_rows(database: Database) -> None:
    user = make_user(database)
    with database.as_user(user) as conn:
        upsert(conn, user, "openai")
        assert providers.delete_provider_config(conn, user_id=user, provider="openai") == 1
        assert providers.delete_provider_config(conn, user_id=user, provider="openai") == 0
        assert providers.get_provider_config(conn, user_id=user, provider="openai") is None


def test_other_user_sees_and_changes_no_provider_config(database: Database) -> None:
    owner, other = make_user(database), make_user(database)
    with database.as_user(owner) as conn:
        upsert(conn, owner, "openai", api_key_ciphertext=b"secret", api_key_version=1)
        providers.set_default_provider(conn, user_id=owner, provider="openai")
    with database.as_user(other) as conn:
        assert providers.list_provider_configs(conn, user_id=owner) == []
        assert providers.get_default_provider_config(conn, user_id=owner) is None
        assert providers.set_default_provider(conn, user_id=owner, provider="openai") is None
        assert providers.delete_provider_config(conn, user_id=owner, provider="openai") == 0
        assert providers.clear_provider_key(conn, user_id=owner, provider="openai") is None
    with pytest.raises(errors.PermissionDenied), database.as_user(other) as conn:
        upsert(conn, owner, "anthropic")
    with database.as_user(owner) as conn:
        row = providers.get_default_provider_config(conn, user_id=owner)
    assert row is not None and row.api_key_ciphertext == b"secret"


def test_list_provider_keys_to_rotate_pages_by_id_and_replace_is_optimistic(
    database: Database,
) -> None:
    user = make_user(database)
    with database.as_user(user) as conn:
        for i, version in enumerate((1, 1, 2)):
            upsert(conn, user, f"k{i}", api_key_ciphertext=bytes([i]), api_key_version=version)
        upsert(conn, user, "keyless")
    seen: list[uuid.UUID] = []
    with database.system() as conn:
        after = None
        while True:
            batch = providers.list_provider_keys_to_rotate(
                conn, current_version=2, after_id=after, batch_size=1000
            )
            seen += [r.id for r in batch if r.user_id == user]
            if len(batch) < 1000:
                break
            after = batch[-1].id
        assert len(seen) == 2
        assert (
            providers.replace_provider_key(
                conn, id=seen[0], new_ciphertext=b"new", new_version=2, old_ciphertext=b"stale"
            )
            == 0
        )
    with database.as_user(user) as conn:
        assert (
            providers.list_provider_keys_to_rotate(
                conn, current_version=2, after_id=None, batch_size=10
            )
            != []
        )  # the owner's own rows only, under RLS


def test_auto_approval_settings_default_then_upsert(database: Database) -> None:
    user = make_user(database)
    with database.as_user(user) as conn:
        assert providers.get_auto_approval_settings(conn, user_id=user) is None
        made = providers.upsert_auto_approval_settings(
            conn,
            user_id=user,
            enabled=True,
            max_cost_per_execution=Decimal("0.05"),
            max_daily_cost=Decimal("1.00"),
            allowed_tools=["search"],
            blocked_tools=["shell"],
        )
        changed = providers.upsert_auto_approval_settings(
            conn,
            user_id=user,
            enabled=False,
            max_cost_per_execution=Decimal("0"),
            max_daily_cost=Decimal("0"),
            allowed_tools=[],
            blocked_tools=[],
        )
        read = providers.get_auto_approval_settings(conn, user_id=user)
    assert made.allowed_tools == ["search"]
    assert made.max_daily_cost == Decimal("1.00")
    assert read == changed and not read.enabled


@pytest.mark.parametrize(
    ("per_call", "daily", "allowed", "blocked"),
    [
        (Decimal("2"), Decimal("1"), [], []),  # per call above the daily budget
        (Decimal("-1"), Decimal("1"), [], []),
        (Decimal("0"), Decimal("0"), ["shell"], ["shell"]),  # allowed and blocked overlap
    ],
)
def test_upsert_auto_approval_settings_rejects_inconsistent_limits(
    database: Database, per_call: Decimal, daily: Decimal, allowed: list[str], blocked: list[str]
) -> None:
    user = make_user(database)
    with pytest.raises(errors.CheckViolation), database.as_user(user) as conn:
        providers.upsert_auto_approval_settings(
            conn,
            user_id=user,
            enabled=True,
            max_cost_per_execution=per_call,
            max_daily_cost=daily,
            allowed_tools=allowed,
            blocked_tools=blocked,
        )
    with database.as_user(user) as conn:
        assert providers.get_auto_approval_settings(conn, user_id=user) is None


def test_other_user_cannot_write_auto_approval_settings(database: Database) -> None:
    owner, other = make_user(database), make_user(database)
    with pytest.raises(errors.PermissionDenied), database.as_user(other) as conn:
        providers.upsert_auto_approval_settings(
            conn,
            user_id=owner,
            enabled=True,
            max_cost_per_execution=Decimal("1"),
            max_daily_cost=Decimal("1"),
            allowed_tools=["shell"],
            blocked_tools=[],
        )
    with database.as_user(owner) as conn:
        assert providers.get_auto_approval_settings(conn, user_id=owner) is None


async def test_async_provider_config_round_trip(
    database: Database, async_database: AsyncDatabase
) -> None:
    user = make_user(database)
    async with async_database.as_user(user) as conn:
        row = await aio_providers.upsert_provider_config(
            conn,
            user_id=user,
            provider="openai",
            api_key_ciphertext=None,
            api_key_version=None,
            base_url=None,
            default_model="gpt",
            settings=None,
        )
        default = await aio_providers.set_default_provider(conn, user_id=user, provider="openai")
        listed = await aio_providers.list_provider_configs(conn, user_id=user)
    assert default is not None and default.is_default
    assert [r.id for r in listed] == [row.id]
