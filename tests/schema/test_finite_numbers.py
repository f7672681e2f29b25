"""Every numeric and floating-point column refuses NaN and +-Infinity (found in the catalog,
so a new money, usage or limit column without its CHECK fails here)."""

from __future__ import annotations

from decimal import Decimal

import psycopg
import pytest
from psycopg import sql

from .helpers import APP, acting, expect_error, new_user

NUMERIC_COLUMNS = """
    SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
    FROM pg_attribute AS a
    JOIN pg_class AS c ON c.oid = a.attrelid
    JOIN pg_namespace AS n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      AND a.atttypid IN ('numeric'::regtype, 'float4'::regtype, 'float8'::regtype)
    ORDER BY 1, 2
"""


def numeric_columns(conn: psycopg.Connection) -> list[tuple[str, str, str]]:
    return [(t, c, typ) for t, c, typ in conn.execute(NUMERIC_COLUMNS).fetchall()]


def constrained_copy(conn: psycopg.Connection, table: str) -> sql.Identifier:
    """A temporary copy of `table` with its CHECK constraints and no NOT NULL: a row holding
    only one column (the rest NULL, which every CHECK lets pass) is judged by that column's
    CHECKs alone, without triggers, foreign keys or other columns in the way."""
    copy = sql.Identifier(f"nan_probe_{table}")
    conn.execute(
        sql.SQL(
            "CREATE TEMPORARY TABLE IF NOT EXISTS {} (LIKE public.{} INCLUDING CONSTRAINTS) ON COMMIT DROP"
        ).format(copy, sql.Identifier(table))
    )
    for (column,) in conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
        "AND attnotnull AND NOT attisdropped",
        (f"pg_temp.nan_probe_{table}",),
    ).fetchall():
        conn.execute(
            sql.SQL("ALTER TABLE {} ALTER COLUMN {} DROP NOT NULL").format(
                copy, sql.Identifier(column)
            )
        )
    return copy


def test_every_numeric_column_refuses_nan_and_infinity(conn: psycopg.Connection) -> None:
    columns = numeric_columns(conn)
    # Not vacuous: the money, usage and limit columns are all there.
    assert {("credit_ledger", "amount"), ("messages", "cost"), ("users", "credit_balance")} <= {
        (t, c) for t, c, _ in columns
    }
    accepted: list[str] = []
    for table, column, typ in columns:
        copy = constrained_copy(conn, table)
        insert = sql.SQL("INSERT INTO {} ({}) VALUES (%s::{})").format(
            copy, sql.Identifier(column), sql.SQL(typ)
        )
        for value in ("NaN", "Infinity", "-Infinity"):
            try:
                with conn.transaction():
                    conn.execute(insert, (value,))
            except (psycopg.errors.CheckViolation, psycopg.errors.NumericValueOutOfRange):
                continue
            accepted.append(f"{table}.{column}={value}")
    assert accepted == []


def test_nan_is_refused_with_the_columns_finite_check(conn: psycopg.Connection) -> None:
    for table, column, _ in numeric_columns(conn):
        copy = constrained_copy(conn, table)
        error = expect_error(
            conn,
            sql.SQL("INSERT INTO {} ({}) VALUES ('NaN')")
            .format(copy, sql.Identifier(column))
            .as_string(conn),
        )
        assert error.sqlstate == "23514", (table, column)
        assert error.diag.constraint_name in (
            f"{table}_{column}_finite_check",
            f"{table}_{column}_check",  # app_settings.signup_credits: one CHECK for both rules
        ), (table, column, error.diag.constraint_name)


def test_a_nan_ledger_entry_is_refused_and_writes_nothing(conn: psycopg.Connection) -> None:
    user = new_user(conn)
    before = conn.execute("SELECT credit_balance FROM users WHERE id = %s", (user,)).fetchone()
    with acting(conn, APP, user):
        error = expect_error(
            conn,
            "INSERT INTO credit_ledger (user_id, operation_id, amount, reason) "
            "VALUES (%s, 'usage:nan', %s, 'usage')",
            (user, Decimal("NaN")),
        )
    assert error.sqlstate == "23514"
    assert error.diag.constraint_name == "credit_ledger_amount_finite_check"
    after = conn.execute("SELECT credit_balance FROM users WHERE id = %s", (user,)).fetchone()
    assert after == before


@pytest.mark.parametrize(("table", "column"), [("messages", "cost"), ("usage_logs", "cost")])
def test_copy_cannot_load_a_nan_cost(conn: psycopg.Connection, table: str, column: str) -> None:
    # COPY checks constraints like INSERT: the path the review found storing NaN silently.
    copy = constrained_copy(conn, table)
    with pytest.raises(psycopg.errors.CheckViolation), conn.transaction():
        with conn.cursor().copy(
            sql.SQL("COPY {} ({}) FROM STDIN").format(copy, sql.Identifier(column))
        ) as load:
            load.write_row(["NaN"])
