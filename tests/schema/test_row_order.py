"""Rows written one after another in one transaction keep their order (created_at defaults to
clock_timestamp(), not the transaction's start time)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import psycopg
import pytest

from .helpers import insert, new_chat, new_user, one

Writer = Callable[[psycopg.Connection, dict[str, uuid.UUID]], uuid.UUID]


def _setup(conn: psycopg.Connection) -> dict[str, uuid.UUID]:
    user = new_user(conn)
    companion = insert(conn, "companions", user_id=user, name="Sage")
    return {
        "user": user,
        "chat": new_chat(conn, user),
        "companion": companion,
        "group": insert(conn, "group_chats", creator_id=user, name="Team"),
    }


WRITERS: dict[str, Writer] = {
    "messages": lambda c, s: insert(c, "messages", chat_id=s["chat"], role="user"),
    "companion_messages": lambda c, s: insert(
        c,
        "companion_messages",
        companion_id=s["companion"],
        user_id=s["user"],
        role="user",
        content="hi",
    ),
    "group_messages": lambda c, s: insert(
        c, "group_messages", group_chat_id=s["group"], sender_id=s["user"], content="hi"
    ),
    "tool_executions": lambda c, s: insert(
        c, "tool_executions", chat_id=s["chat"], tool_name="search"
    ),
    "credit_ledger": lambda c, s: insert(
        c,
        "credit_ledger",
        user_id=s["user"],
        operation_id=f"test:{uuid.uuid4()}",
        amount=-1,
        reason="usage",
        balance_after=0,
    ),
}


@pytest.mark.parametrize("table", sorted(WRITERS))
def test_rows_written_in_one_transaction_get_increasing_created_at(
    conn: psycopg.Connection, table: str
) -> None:
    setup = _setup(conn)
    first = WRITERS[table](conn, setup)
    second = WRITERS[table](conn, setup)
    earlier = one(conn, f"SELECT created_at FROM {table} WHERE id = %s", (first,))
    later = one(conn, f"SELECT created_at FROM {table} WHERE id = %s", (second,))
    assert earlier < later
