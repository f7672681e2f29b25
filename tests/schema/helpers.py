"""Small helpers shared by the schema tests: rows to start from, roles, expected errors.

Setup rows are inserted by the test's superuser connection (as chatdb_system would); the
behaviour under test runs as the role the application would use, via `acting`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from psycopg import sql

APP = "chatdb_app"
SYSTEM = "chatdb_system"
MIGRATOR = "chatdb_migrator"
# The signup credit the test template is configured with (tests/conftest.py); a freshly
# migrated database grants 0 (app_settings.signup_credits).
SIGNUP_CREDITS = 100

Params = tuple[Any, ...] | dict[str, Any] | None


def one(conn: psycopg.Connection, query: str, params: Params = None) -> Any:
    """The first column of the single row `query` returns."""
    row = conn.execute(query, params).fetchone()
    assert row is not None, query
    return row[0]


def insert(conn: psycopg.Connection, table: str, **values: Any) -> Any:
    """INSERT one row (values as given, rest defaulted) and return its first column."""
    columns = list(values)
    query = sql.SQL("INSERT INTO {} ({}) VALUES ({}) RETURNING *").format(
        sql.Identifier(table),
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(", ").join(sql.Placeholder() * len(columns)),
    )
    if not columns:
        query = sql.SQL("INSERT INTO {} DEFAULT VALUES RETURNING *").format(sql.Identifier(table))
    row = conn.execute(query, list(values.values())).fetchone()
    assert row is not None
    return row[0]


def configure(conn: psycopg.Connection, **settings: Any) -> None:
    """Change app_settings (as the superuser that provisions; no runtime role may)."""
    conn.execute(
        sql.SQL("UPDATE app_settings SET {}").format(
            sql.SQL(", ").join(
                sql.SQL("{} = {}").format(sql.Identifier(k), sql.Placeholder()) for k in settings
            )
        ),
        list(settings.values()),
    )


def new_user(conn: psycopg.Connection, **values: Any) -> uuid.UUID:
    values.setdefault("email", f"u{uuid.uuid4().hex[:12]}@example.com")
    user: uuid.UUID = insert(conn, "users", **values)
    return user


def new_chat(conn: psycopg.Connection, user_id: uuid.UUID, **values: Any) -> uuid.UUID:
    chat: uuid.UUID = insert(conn, "chats", user_id=user_id, **values)
    return chat


def new_message(conn: psycopg.Connection, chat_id: uuid.UUID, **values: Any) -> uuid.UUID:
    values.setdefault("role", "user")
    message: uuid.UUID = insert(conn, "messages", chat_id=chat_id, **values)
    return message


@contextmanager
def acting(
    conn: psycopg.Connection, role: str, user_id: uuid.UUID | str | None = None
) -> Iterator[psycopg.Connection]:
    """Run the block as `role` (SET LOCAL ROLE) for `user_id` (app.user_id; None = anonymous)."""
    conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
    conn.execute(
        "SELECT set_config('app.user_id', %s, true)", ("" if user_id is None else str(user_id),)
    )
    try:
        yield conn
    finally:
        if conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS:
            conn.execute("RESET ROLE")
            conn.execute("SELECT set_config('app.user_id', '', true)")


def expect_error(
    conn: psycopg.Connection,
    query: str,
    params: Params = None,
    *,
    constraint: str | None = None,
    sqlstate: str | None = None,
) -> psycopg.Error:
    """Run `query` in a savepoint; assert it fails with this constraint name and/or SQLSTATE."""
    with pytest.raises(psycopg.Error) as info:
        with conn.transaction():
            conn.execute(query, params)
    error = info.value
    if constraint is not None:
        assert error.diag.constraint_name == constraint, (error.sqlstate, str(error))
    if sqlstate is not None:
        assert error.sqlstate == sqlstate, (error.sqlstate, str(error))
    return error


def count(conn: psycopg.Connection, table: str, where: str = "true", params: Params = None) -> int:
    return int(one(conn, f"SELECT count(*) FROM {table} WHERE {where}", params))
