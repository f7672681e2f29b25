"""chatdb_app holds exactly the write privileges its user-scoped named queries use: INSERT and
UPDATE per column, DELETE per table. The need is derived from db/queries (a query runs as
chatdb_app unless annotated `-- @role system`), so a grant no query needs fails here, and so
does a query the grants would refuse."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from chatdb_tools.schema_docs.write_privileges import (
    Privilege,
    app_write_privileges,
    read_scoped_queries,
    write_privileges,
)

from .helpers import APP, acting, expect_error, insert, new_chat, new_message, new_user

QUERIES = Path(__file__).resolve().parents[2] / "db" / "queries"

GRANTED = """
    SELECT p.privilege, c.relname, a.attname
    FROM pg_class AS c
    JOIN pg_namespace AS n ON n.oid = c.relnamespace
    JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    CROSS JOIN (VALUES ('INSERT'), ('UPDATE')) AS p (privilege)
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') AND NOT c.relispartition
      AND has_column_privilege('chatdb_app', c.oid, a.attnum, p.privilege)
    UNION ALL
    SELECT 'DELETE', c.relname, NULL
    FROM pg_class AS c
    JOIN pg_namespace AS n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') AND NOT c.relispartition
      AND has_table_privilege('chatdb_app', c.oid, 'DELETE')
"""


def granted(conn: psycopg.Connection) -> set[Privilege]:
    return {Privilege(p, t, c) for p, t, c in conn.execute(GRANTED).fetchall()}


def test_the_app_holds_exactly_the_write_privileges_its_queries_use(
    conn: psycopg.Connection,
) -> None:
    needed = app_write_privileges(QUERIES)
    have = granted(conn)
    missing = sorted(f"{p} for {needed[p]}" for p in set(needed) - have)
    excess = sorted(str(p) for p in have - set(needed))
    assert missing == [], "a user-scoped query would be refused"
    assert excess == [], "granted to chatdb_app, used by no user-scoped query"
    # Not vacuous: the app writes a lot, column by column.
    assert len(needed) > 100


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("messages", "cost"),
        ("messages", "input_tokens"),
        ("messages", "output_tokens"),
        ("messages", "cache_read_tokens"),
        ("messages", "cache_write_tokens"),
        ("tool_executions", "cost"),
        ("file_uploads", "storage_key"),
        ("users", "credit_balance"),
        ("users", "quota"),
        ("users", "role"),
        ("companion_messages", "input_tokens"),
        ("credit_ledger", "balance_after"),
        ("daily_usage", "cost"),
        ("usage_logs", "cost"),
        ("referrals", "credits_awarded"),
        ("payments", "credits_granted"),
    ],
)
def test_billing_usage_and_storage_columns_are_not_writable_by_the_app(
    conn: psycopg.Connection, table: str, column: str
) -> None:
    for privilege in ("INSERT", "UPDATE"):
        assert not conn.execute(
            "SELECT has_column_privilege('chatdb_app', %s, %s, %s)", (table, column, privilege)
        ).fetchone()[0], (privilege, table, column)


def test_the_app_cannot_rewrite_its_own_message_costs_or_upload_keys(
    conn: psycopg.Connection,
) -> None:
    user = new_user(conn)
    chat = new_chat(conn, user)
    message = new_message(conn, chat, cost=1, input_tokens=10)
    upload = insert(
        conn,
        "file_uploads",
        user_id=user,
        content_hash=b"\x01" * 32,
        filename="a.pdf",
        content_type="application/pdf",
        size_bytes=1,
        storage_key="users/me/a.pdf",
    )
    with acting(conn, APP, user):
        for statement, params in (
            ("UPDATE messages SET cost = 0, input_tokens = 0 WHERE id = %s", (message,)),
            (
                "UPDATE file_uploads SET storage_key = 'users/other/secret.pdf' WHERE id = %s",
                (upload,),
            ),
            (
                "INSERT INTO messages (chat_id, role, cost) VALUES (%s, 'assistant', 0)",
                (chat,),
            ),
        ):
            expect_error(conn, statement, params, sqlstate="42501")
        # What the app's own InsertMessage writes still works.
        conn.execute(
            "INSERT INTO messages (chat_id, role, parts) VALUES (%s, 'user', '[]')", (chat,)
        )


def test_the_derivation_reads_inserts_upserts_updates_deletes_and_ctes() -> None:
    sql = """
        WITH gone AS (DELETE FROM streams WHERE chat_id = @chat_id RETURNING id)
        INSERT INTO votes (message_id, user_id, direction) VALUES (@m, @u, @d)
        ON CONFLICT (message_id, user_id) DO UPDATE SET direction = excluded.direction;
        UPDATE chats SET title = sqlc.arg(title)::text, (provider, model) = (@p, @m) WHERE id = @id;
    """
    assert write_privileges(sql) == {
        Privilege("DELETE", "streams", None),
        Privilege("INSERT", "votes", "message_id"),
        Privilege("INSERT", "votes", "user_id"),
        Privilege("INSERT", "votes", "direction"),
        Privilege("UPDATE", "votes", "direction"),
        Privilege("UPDATE", "chats", "title"),
        Privilege("UPDATE", "chats", "provider"),
        Privilege("UPDATE", "chats", "model"),
    }


def test_the_role_annotation_is_read_above_or_below_the_name_line(tmp_path: Path) -> None:
    (tmp_path / "q.sql").write_text(
        "-- name: A :exec\n-- @role system\n-- Does a.\nDELETE FROM a;\n\n"
        "-- @role system\n-- name: B :exec\nDELETE FROM b;\n\n"
        "-- name: C :exec\n-- Does c (mentions @role in prose only).\nDELETE FROM c;\n"
    )
    roles = {q.name: q.role for q in read_scoped_queries(tmp_path)}
    assert roles == {"A": "system", "B": "system", "C": "app"}
    assert set(app_write_privileges(tmp_path)) == {Privilege("DELETE", "c", None)}
