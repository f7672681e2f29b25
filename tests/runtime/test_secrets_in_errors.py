"""Nothing secret in an error: not in the message, `repr`, `__cause__`/`__context__` chain,
nor the formatted traceback of real failures.

Each test plants secrets (an email, an argon2 hash, an API key, a password) in a call that
PostgreSQL or psycopg refuses, formats the traceback the caller would log
(`traceback.format_exception`, which follows the whole chain) plus the `repr` and `str` of
every exception in the chain and of its diagnostics, and searches for the secrets. The
diagnostic fields that help (constraint, table, column, sqlstate) stay on the chatdb error.
"""

from __future__ import annotations

import os
import subprocess
import sys
import traceback
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from chatdb import Database, errors
from chatdb.config import load_settings
from chatdb.dburl import validate_url
from chatdb.queries import credits, users
from support.logins import logins

SECRET_HASH = "$argon2id$v=19$m=65536,t=3,p=4$U0VDUkVUU0FMVA$SECRETHASHSECRETHASH"
SECRET_KEY = "sk-live-SECRETAPIKEY0123456789"


def _everything(exc: BaseException) -> str:
    """All the text an exception and its chain can show: formatted traceback, reprs, str,
    args and the diagnostics of every psycopg error in the chain."""
    text = ["".join(traceback.format_exception(exc))]
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        link = todo.pop()
        if link is None or id(link) in seen:
            continue
        seen.add(id(link))
        text += [repr(link), str(link), repr(link.args), repr(vars(link))]
        if isinstance(link, psycopg.Error):
            diag = link.diag
            text += [
                str(diag.message_primary),
                str(diag.message_detail),
                str(diag.message_hint),
                str(diag.context),
            ]
        todo += [link.__cause__, link.__context__]
    return "\n".join(text)


def assert_no_secret(exc: BaseException, *secrets: str) -> None:
    text = _everything(exc)
    for secret in secrets:
        assert secret not in text, f"{secret!r} leaked in:\n{text}"


@pytest.fixture(scope="module")
def sdb(make_clone: Callable[[str], str]) -> Iterator[Database]:
    url = make_clone("secrets")
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(
            "CREATE TABLE deferred_keys (k text,"
            " CONSTRAINT deferred_keys_k_key UNIQUE (k) DEFERRABLE INITIALLY DEFERRED);"
            "GRANT SELECT, INSERT ON deferred_keys TO chatdb_system"
        )
    with Database(**logins(url), pool_min_size=1, pool_max_size=2) as db:
        yield db


def _secret_email() -> str:
    return f"secret-{uuid.uuid4().hex}@private.example"


def test_check_violation_on_users_hides_the_failing_row(sdb: Database) -> None:
    email = _secret_email()
    with pytest.raises(errors.CheckViolation) as info, sdb.system() as conn:
        users.create_user(conn, email=email, image="i" * 5000, password_hash=SECRET_HASH)
    assert info.value.constraint == "users_image_length_check"
    assert (info.value.table, info.value.sqlstate) == ("users", "23514")
    assert isinstance(info.value.__cause__, psycopg.errors.CheckViolation)
    assert_no_secret(info.value, email, SECRET_HASH, "Failing row")


def test_unique_violation_hides_the_key(sdb: Database) -> None:
    email = _secret_email()
    with sdb.system() as conn:
        users.create_user(conn, email=email, password_hash=SECRET_HASH)
    with pytest.raises(errors.ConflictError) as info, sdb.system() as conn:
        users.create_user(conn, email=email.upper(), password_hash=SECRET_HASH)
    assert info.value.constraint == "users_lower_email_key"
    assert info.value.sqlstate == "23505"
    assert_no_secret(info.value, email, email.upper(), email.lower(), SECRET_HASH, "Key (")


def test_an_api_key_where_an_enum_belongs_is_not_echoed(sdb: Database) -> None:
    with pytest.raises(errors.InvalidInput) as info, sdb.system() as conn:
        credits.insert_ledger_entry(
            conn,
            user_id=uuid.uuid4(),
            operation_id="promo:x",
            amount=1,  # type: ignore[arg-type]
            reason=SECRET_KEY,  # type: ignore[arg-type]
        )
    assert info.value.sqlstate == "22P02"
    assert_no_secret(info.value, SECRET_KEY, "SECRETAPIKEY")


def test_a_violation_at_commit_hides_the_key(sdb: Database) -> None:
    with pytest.raises(errors.ConflictError) as info, sdb.system() as conn:
        conn.execute("INSERT INTO deferred_keys VALUES (%s), (%s)", (SECRET_KEY, SECRET_KEY))
    assert info.value.constraint == "deferred_keys_k_key"
    assert_no_secret(info.value, SECRET_KEY, "SECRETAPIKEY")


def test_an_unencodable_secret_is_not_kept_in_the_chain(sdb: Database) -> None:
    secret = f"{SECRET_KEY}\ud800"
    with pytest.raises(errors.InvalidInput) as info, sdb.system() as conn:
        conn.execute("SELECT %(api_key)s::text", {"api_key": secret})
    assert info.value.column == "api_key"
    assert_no_secret(info.value, SECRET_KEY, "SECRETAPIKEY")


def test_a_string_where_a_timestamp_belongs_is_not_kept_in_the_chain(sdb: Database) -> None:
    with pytest.raises(errors.InvalidInput) as info, sdb.system() as conn:
        users.list_users(conn, after_at=SECRET_KEY, after_id=None, page_size=1)  # type: ignore[arg-type]
    assert "after_at" in str(info.value)
    assert_no_secret(info.value, SECRET_KEY, "SECRETAPIKEY")


def test_an_unreachable_server_does_not_print_the_password() -> None:
    url = "postgresql://someone:SECRETPASSWORD@127.0.0.1:1/chatdb"
    with Database(url, pool_min_size=0, pool_max_size=1, pool_timeout_s=2) as db:
        with pytest.raises(errors.DatabaseUnavailable) as info, db.system():
            pass
    assert_no_secret(info.value, "SECRETPASSWORD")


MALFORMED = "postgresql://app:pa%zzSECRETPASSWORD@127.0.0.1:1/chatdb"


def test_a_malformed_percent_escape_does_not_print_the_password() -> None:
    with pytest.raises(errors.ConfigError) as info:
        validate_url(MALFORMED)
    assert "%25" in str(info.value)
    assert_no_secret(info.value, "SECRETPASSWORD", "pa%zz")
    with pytest.raises(errors.ConfigError) as settings_error:
        load_settings(database_url=MALFORMED)
    assert_no_secret(settings_error.value, "SECRETPASSWORD")


def test_chatdb_status_with_a_malformed_url_does_not_print_the_password() -> None:
    env: dict[str, Any] = {**os.environ, "DATABASE_URL": MALFORMED}
    result = subprocess.run(
        [sys.executable, "-m", "chatdb_tools", "status"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "malformed" in result.stderr + result.stdout
    assert "SECRETPASSWORD" not in result.stderr + result.stdout
