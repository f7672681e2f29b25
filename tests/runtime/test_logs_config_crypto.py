"""JSON statement logs, configuration validation, secret encryption and pages."""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import uuid

import pytest

from chatdb import Database, Page, errors, load_settings
from chatdb.crypto import DecryptionError, KeyRing, associated_data
from chatdb.logs import JsonFormatter, statement_name
from support.logins import logins


@pytest.fixture
def json_log() -> io.StringIO:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("chatdb.sql")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def records(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_statement_logs_are_json_with_name_role_user_and_no_values(
    db_url: str, json_log: io.StringIO
) -> None:
    secret = "sk-live-" + uuid.uuid4().hex
    user = uuid.uuid4()
    with Database(**logins(db_url), pool_min_size=0, pool_max_size=1) as db:
        with db.as_user(user) as conn:
            conn.execute("-- name: EchoSecret :one\nSELECT %s::text", (secret,)).fetchone()
        with pytest.raises(errors.InvalidInput), db.system() as conn:
            conn.execute("-- name: BadUuid :one\nSELECT %s::uuid", (secret,))
    logged = records(json_log)
    echo = next(r for r in logged if r.get("query") == "EchoSecret")
    assert echo["role"] == "chatdb_app"
    assert echo["user_id"] == str(user)
    assert echo["success"] is True and echo["rows"] == 1
    assert isinstance(echo["duration_ms"], float)
    bad = next(r for r in logged if r.get("query") == "BadUuid")
    assert bad["success"] is False and bad["error_class"] == "InvalidInput"
    assert bad["level"] == "INFO" and bad["role"] == "chatdb_system"
    assert secret not in json_log.getvalue()


def test_slow_statements_log_at_warning(db_url: str, json_log: io.StringIO) -> None:
    with Database(**logins(db_url), pool_min_size=0, pool_max_size=1, slow_query_ms=50) as db:
        with db.system() as conn:
            conn.execute("-- name: Nap :exec\nSELECT pg_sleep(0.1)")
    nap = next(r for r in records(json_log) if r.get("query") == "Nap")
    assert nap["level"] == "WARNING" and nap["slow"] is True


def test_statement_name_comes_from_the_name_line_only() -> None:
    assert statement_name("-- name: GetUserByID :one\nSELECT 1") == "GetUserByID"
    assert statement_name("SELECT 'secret'") == "sql"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DB_POOL_MAX_SIZE", "zero"),
        ("DB_POOL_MAX_SIZE", "0"),
        ("DB_STATEMENT_TIMEOUT_MS", "-5"),
        ("DB_SSLMODE", "sometimes"),
        ("LOG_FORMAT", "xml"),
        ("DATABASE_REPLICA_URLS", "mysql://replica/db"),
        ("DATABASE_URL", "postgresql://u@h:port/db"),
    ],
)
def test_invalid_settings_fail_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(errors.ConfigError) as info:
        load_settings()
    assert variable in str(info.value)


def test_settings_defaults_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_POOL_MAX_SIZE", "17")
    monkeypatch.setenv("DATABASE_REPLICA_URLS", " postgresql://a/x , postgresql://b/y ")
    settings = load_settings()
    assert settings.pool_max_size == 17
    assert settings.replicas == ["postgresql://a/x", "postgresql://b/y"]
    assert settings.max_retries == 3 and settings.pgbouncer is False


def test_settings_apply_server_timeouts_with_set_not_startup_options(db_url: str) -> None:
    with (
        Database(
            **logins(db_url),
            pool_min_size=0,
            statement_timeout_ms=1234,
            idle_in_transaction_timeout_ms=5678,
        ) as db,
        db.system() as conn,
    ):
        row = conn.execute(
            "SELECT current_setting('statement_timeout'), "
            "current_setting('idle_in_transaction_session_timeout')"
        ).fetchone()
        assert row == ("1234ms", "5678ms")
        assert "options" not in conn.info.get_parameters()


def key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_encryption_round_trip_and_binding_to_its_row() -> None:
    ring = KeyRing.parse(f"1:{key()}")
    ad = associated_data("user-1", "openai")
    sealed = ring.encrypt("sk-secret", ad)
    assert b"sk-secret" not in sealed.ciphertext
    assert ring.decrypt(sealed, ad) == b"sk-secret"
    with pytest.raises(DecryptionError):
        ring.decrypt(sealed, associated_data("user-2", "openai"))


def test_key_rotation_reencrypts_under_the_current_key() -> None:
    k1, k2 = key(), key()
    old = KeyRing.parse(f"1:{k1}")
    ad = associated_data("u", "p")
    sealed = old.encrypt("token", ad)
    new = KeyRing.parse(f"1:{k1},2:{k2}")
    assert new.current == 2
    rotated = new.rotate(sealed, ad)
    assert rotated.key_id == 2 and new.decrypt(rotated, ad) == b"token"
    with pytest.raises(DecryptionError):
        KeyRing.parse(f"2:{k2}").decrypt(sealed, ad)


@pytest.mark.parametrize(
    "ring",
    [
        "",
        "1:not-base64!",
        "x:" + base64.b64encode(b"k" * 32).decode(),
        "1:" + base64.b64encode(b"short").decode(),
    ],
)
def test_bad_key_ring_is_a_config_error(ring: str) -> None:
    with pytest.raises(errors.ConfigError, match="CHATDB_ENCRYPTION_KEYS"):
        KeyRing.parse(ring)


def test_page_hides_the_extra_row() -> None:
    page = Page.from_rows([1, 2, 3, 4], limit=3, cursor=lambda r: r)
    assert page.items == [1, 2, 3] and page.has_more and page.next_cursor == 3
    last = Page.from_rows([1, 2], limit=3, cursor=lambda r: r)
    assert last.items == [1, 2] and not last.has_more and last.next_cursor is None
    assert Page.from_rows([], limit=3, cursor=lambda r: r).items == []
