"""Every error class produced by a real statement, with the constraint named and no values."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest

from chatdb import Database, errors
from support.logins import logins

SCHEMA = """
CREATE TABLE parents (id int PRIMARY KEY, code text NOT NULL,
    CONSTRAINT parents_code_key UNIQUE (code));
CREATE TABLE children (id int PRIMARY KEY,
    parent_id int CONSTRAINT children_parent_id_fkey REFERENCES parents (id),
    label varchar(5), qty numeric(4, 2), at timestamptz, doc jsonb,
    CONSTRAINT children_qty_positive_check CHECK (qty > 0));
CREATE INDEX children_parent_id_idx ON children (parent_id);
CREATE TYPE mood AS ENUM ('calm');
CREATE TABLE owned (id int PRIMARY KEY, owner uuid NOT NULL);
ALTER TABLE owned ENABLE ROW LEVEL SECURITY;
CREATE POLICY owned_owner ON owned TO chatdb_app
    USING (owner = nullif(current_setting('app.user_id', true), '')::uuid)
    WITH CHECK (owner = nullif(current_setting('app.user_id', true), '')::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON parents, children, owned TO chatdb_app, chatdb_system;
INSERT INTO parents VALUES (1, 'one');
INSERT INTO children (id, parent_id) VALUES (1, 1);
"""


@pytest.fixture(scope="module")
def err_url(make_clone: Callable[[str], str]) -> str:
    """The superuser URL of this module's database (to set it up)."""
    return make_clone("err")


@pytest.fixture(scope="module")
def edb(err_url: str) -> Iterator[Database]:
    url = err_url
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(SCHEMA.encode())
    db = Database(**logins(url), pool_min_size=0, pool_max_size=2, statement_timeout_ms=200)
    yield db
    db.close()


def fails(
    db: Database, sql: str, params: tuple[object, ...] = (), *, user: uuid.UUID | None = None
) -> errors.ChatdbError:
    scope = db.as_user(user) if user else db.system()
    with pytest.raises(errors.ChatdbError) as info, scope as conn:
        conn.execute(sql, params)
    assert isinstance(info.value.__cause__, psycopg.Error)  # the original is chained
    return info.value


def test_unique_violation_is_conflict_naming_the_constraint(edb: Database) -> None:
    err = fails(edb, "INSERT INTO parents VALUES (2, %s)", ("one",))
    assert type(err) is errors.ConflictError
    assert err.constraint == "parents_code_key"
    assert "one" not in str(err)  # values never echoed, nor the DETAIL `Key (code)=(one)`
    assert "Key (" not in str(err)


def test_missing_parent_is_not_found(edb: Database) -> None:
    err = fails(edb, "INSERT INTO children (id, parent_id) VALUES (2, %s)", (4242,))
    assert type(err) is errors.NotFoundError
    assert err.constraint == "children_parent_id_fkey"
    assert "4242" not in str(err)  # the DETAIL `Key (parent_id)=(4242)` is not echoed


def test_updating_to_a_missing_parent_is_not_found(edb: Database) -> None:
    err = fails(edb, "UPDATE children SET parent_id = %s WHERE id = 1", (4343,))
    assert type(err) is errors.NotFoundError
    assert err.constraint == "children_parent_id_fkey"
    assert "4343" not in str(err)


def test_deleting_a_referenced_row_is_still_referenced(edb: Database) -> None:
    err = fails(edb, "DELETE FROM parents WHERE id = 1")
    assert type(err) is errors.StillReferenced
    assert err.constraint == "children_parent_id_fkey"


def test_check_and_not_null_are_check_violations(edb: Database) -> None:
    err = fails(edb, "INSERT INTO children (id, qty) VALUES (3, -1)")
    assert type(err) is errors.CheckViolation
    assert err.constraint == "children_qty_positive_check"
    err = fails(edb, "INSERT INTO parents (id, code) VALUES (3, NULL)")
    assert type(err) is errors.CheckViolation
    assert err.column == "code"


@pytest.mark.parametrize(
    ("sql", "params", "state"),
    [
        ("SELECT %s::uuid", ("not-a-uuid",), "22P02"),
        ("INSERT INTO children (id, label) VALUES (4, %s)", ("too long!",), "22001"),
        ("INSERT INTO children (id, qty) VALUES (4, %s)", (12345,), "22003"),
        ("SELECT %s::timestamptz", ("2026-13-45 99:00",), "22008"),
        ("SELECT %s::date", ("2026-02-30",), "22008"),
        ("SELECT %s::timestamptz", ("not-a-time-s3cret",), "22007"),
        ("SELECT %s::interval", ("s3cret-interval",), "22007"),
        ("SELECT to_timestamp(%s, 'YYYY')", ("abcd",), "22007"),
        ("SELECT %s::int", ("99999999999",), "22003"),
        ("SELECT %s::int", ("s3cret",), "22P02"),
        ("SELECT %s::mood", ("s3cret-mood",), "22P02"),
        ("SELECT %s::jsonb", ('{"a": "\\u0000"}',), "22P05"),
        ("SELECT %s::jsonb", ("{not json",), "22P02"),
    ],
)
def test_bad_values_are_invalid_input(
    edb: Database, sql: str, params: tuple[object, ...], state: str
) -> None:
    err = fails(edb, sql, params)
    assert type(err) is errors.InvalidInput
    assert err.sqlstate == state
    for value in params:
        assert str(value) not in str(err)


def test_nul_byte_in_text_is_invalid_input_client_side(edb: Database) -> None:
    err = fails(edb, "INSERT INTO parents VALUES (5, %s)", ("a\x00b",))
    assert type(err) is errors.InvalidInput


def test_app_role_cannot_run_ddl(edb: Database) -> None:
    err = fails(edb, "CREATE TABLE sneaky (x int)", user=uuid.uuid4())
    assert type(err) is errors.PermissionDenied


def test_rls_with_check_failure_is_permission_denied(edb: Database) -> None:
    err = fails(edb, "INSERT INTO owned VALUES (1, %s)", (str(uuid.uuid4()),), user=uuid.uuid4())
    assert type(err) is errors.PermissionDenied


def test_statement_timeout_is_query_timeout(edb: Database) -> None:
    err = fails(edb, "SELECT pg_sleep(2)")
    assert type(err) is errors.QueryTimeout


def test_unreachable_server_is_database_unavailable() -> None:
    db = Database(
        "postgresql://nobody@127.0.0.1:1/x",
        pool_min_size=0,
        pool_timeout_s=0.5,
        connect_timeout_s=1,
    )
    with pytest.raises(errors.DatabaseUnavailable), db.system() as conn:
        conn.execute("SELECT 1")
    db.close()


def test_errors_carry_the_query_name_when_generated_sql_fails(edb: Database) -> None:
    err = fails(edb, "-- name: CreateParent :one\nINSERT INTO parents VALUES (9, 'one')")
    assert "CreateParent" in str(err)


def test_exclusion_violation_is_a_conflict(edb: Database, err_url: str) -> None:
    with psycopg.connect(err_url, autocommit=True) as admin:
        admin.execute(
            "CREATE TABLE slots (owner int, is_default bool,"
            " CONSTRAINT slots_owner_default_excl EXCLUDE (owner WITH =) WHERE (is_default));"
            "GRANT ALL ON slots TO chatdb_system; INSERT INTO slots VALUES (1, true)"
        )
    err = fails(edb, "INSERT INTO slots VALUES (1, true)")
    assert type(err) is errors.ConflictError
    assert err.constraint == "slots_owner_default_excl"
