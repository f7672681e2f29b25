"""The I/O-free parts: settings, the breaker, the warning limiter, keys and encoding."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import pytest

from chatdb.cache import core, load_cache_settings
from chatdb.errors import ConfigError
from chatdb.queries import billing, chats, users


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("REDIS_URL", "http://127.0.0.1:6379"),
        ("CHATDB_CACHE_TIMEOUT_MS", "0"),
        ("CHATDB_CACHE_TIMEOUT_MS", "fast"),
        ("CHATDB_CACHE_TTL_ANONYMOUS_S", "-1"),
        ("CHATDB_CACHE_CHUNK_BYTES", "10"),
        ("CHATDB_CACHE_PREFIX", "a:b"),
        ("CHATDB_CACHE_VERSION", "*"),
    ],
)
def test_a_bad_setting_raises_config_error_naming_its_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_cache_settings()
    assert caught.value.variable == variable
    assert variable in str(caught.value)


def test_settings_default_to_off_with_the_documented_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    settings = load_cache_settings()
    assert not settings.enabled
    assert (settings.ttl_anonymous_s, settings.ttl_user_s, settings.timeout_ms) == (300, 60, 100)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert load_cache_settings().enabled


def test_the_breaker_opens_after_n_failures_probes_once_after_the_cooldown() -> None:
    clock = Clock()
    breaker = core.Breaker(failures=2, cooldown_s=5, clock=clock)
    assert breaker.allow()
    assert not breaker.failure()
    assert breaker.failure()  # opened now
    assert not breaker.allow()
    clock.now += 5
    assert breaker.allow()  # the one probe
    assert not breaker.allow()  # others wait for it
    assert not breaker.failure()  # probe failed: open again, no new "opened"
    assert not breaker.allow()
    clock.now += 5
    assert breaker.allow()
    assert breaker.success()  # recovered
    assert breaker.allow() and not breaker.is_open


def test_warnings_are_rate_limited_per_kind(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="chatdb.cache")
    clock = Clock()
    warnings = core.Warnings(60, clock=clock)
    for _ in range(5):
        warnings.warn("unavailable", "down")
    warnings.warn("corrupt", "bad entry")
    clock.now += 61
    warnings.warn("unavailable", "down")
    records = [r for r in caplog.records if r.name == "chatdb.cache"]
    assert [r.getMessage() for r in records] == ["down", "bad entry", "down"]
    assert [getattr(r, "suppressed", None) for r in records] == [0, 0, 4]


def _get_thing(conn: object, *, id: str) -> int:
    return 0


def test_marks_name_the_query_the_reader_and_each_tag_and_tag_values_are_checked() -> None:
    keys = core.Keys("a*p")
    spec = core.make_spec(
        _get_thing, version="1", name="GetThing", sql=None, tags={"chat": "id"}, ttl_s=None
    )
    user = uuid.uuid4()
    assert keys.marks(spec, core.ANONYMOUS, {"id": "x"}) == ["q=GetThing", "chat=x"]
    assert keys.indexes(spec, core.signed_in(user), {"id": "x"}) == [
        "a*p:v1:idx:q=GetThing",
        f"a*p:v1:idx:u={user}",
        "a*p:v1:idx:chat=x",
    ]
    assert keys.tombstones(spec, core.SYSTEM, {"id": "x"})[-1] == "a*p:v1:tomb:all"
    assert keys.all_pattern() == r"a\*p:v1:*"  # the SCAN of invalidate_all is escaped
    assert keys.is_bookkeeping("a*p:v1:idx:chat=x") and keys.is_bookkeeping("a*p:v1:tomb:all")
    assert not keys.is_bookkeeping(keys.entry(spec, core.ANONYMOUS, {"id": "x"}))
    for bad in ("", "a:b", "a,b", "a b"):
        with pytest.raises(ValueError, match="cache tag value"):
            core.tag_value(bad)
    with pytest.raises(ValueError, match="badly formed"):
        core.signed_in("not-a-uuid")


def test_large_payloads_split_into_chunks_that_join_back() -> None:
    keys = core.Keys("app")
    payload = bytes(range(256)) * 5000  # 1.28 MB
    encoded = core.encode(payload, "app:v1:k", keys, chunk_bytes=512 * 1024)
    assert encoded.main.startswith(core.MANIFEST)
    assert len(encoded.chunks) == 3
    manifest, chunk_keys = core.manifest_chunk_keys(encoded.main, "app:v1:k", keys)
    assert chunk_keys == [k for k, _ in encoded.chunks]
    assert core.join_chunks(manifest, [v for _, v in encoded.chunks]) == payload
    with pytest.raises(core.Corrupt):
        core.join_chunks(manifest, [encoded.chunks[0][1], None, encoded.chunks[2][1]])
    with pytest.raises(core.Corrupt):
        core.join_chunks(manifest, [v[::-1] for _, v in encoded.chunks])
    small = core.encode(b"{}", "app:v1:k", keys, chunk_bytes=1024)
    assert small.main == core.INLINE + b"{}" and small.chunks == []


@pytest.mark.parametrize(
    ("name", "sql", "reason"),
    [
        ("GetCreditBalance", None, "credit"),
        ("ListLedgerEntries", None, "ledger"),
        ("GetSessionByToken", None, "session"),
        ("GetUserByID", "SELECT id, credit_balance FROM users WHERE id = $1", "credit_balance"),
        ("GetAccount", "SELECT provider FROM accounts WHERE user_id = $1", "accounts"),
        ("LockChat", "SELECT id FROM chats WHERE id = $1 FOR UPDATE", "not a plain read"),
    ],
)
def test_the_deny_list_refuses_critical_data(name: str, sql: str | None, reason: str) -> None:
    found = core.denied_reason(name, sql)
    assert found is not None and reason in found


def test_ordinary_reads_are_allowed() -> None:
    sql = "-- name: GetChatByID :one\nSELECT id, title, updated_at FROM chats WHERE id = $1"
    assert core.denied_reason("GetChatByID", sql) is None
    assert core.denied_reason("GetCompanion", "SELECT name FROM companions WHERE id = $1") is None


def test_a_generated_query_is_judged_by_its_metadata_not_by_its_function_name() -> None:
    def page_of_chats(conn: Any, *, id: uuid.UUID) -> Any:  # a wrapper with its own name
        return chats.get_chat_by_id(conn, id=id)

    page_of_chats.query = chats.get_chat_by_id.query  # type: ignore[attr-defined]
    spec = core.make_spec(page_of_chats, version="1", name=None, sql=None, tags=None, ttl_s=None)
    assert spec.name == "GetChatByID"
    with pytest.raises(ConfigError, match=r"critical data \(password_hash\)"):
        core.make_spec(
            users.get_user_credentials_by_email,
            version="1",
            name=None,
            sql=None,
            tags=None,
            ttl_s=None,
        )
    with pytest.raises(ConfigError, match="not a plain read"):
        core.make_spec(
            billing.lock_unprocessed_webhook_event,
            version="1",
            name=None,
            sql=None,
            tags=None,
            ttl_s=None,
        )
