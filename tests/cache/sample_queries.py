"""Query functions shaped like the generated ones (SQL constant named after the function,
connection first, keyword-only arguments, typed result), for tests that must not depend on
which db/queries files exist yet. Each call is counted, so tests can tell a hit from a miss."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any, Final

import psycopg
from psycopg.rows import class_row
from pydantic import BaseModel, ConfigDict

CALLS: Counter[str] = Counter()


class ChatCard(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    user_id: uuid.UUID
    title: str
    visibility: str


GET_CHAT_CARD: Final = """-- name: GetChatCard :one
SELECT id, user_id, title, visibility::text AS visibility FROM chats WHERE id = %(id)s"""


def get_chat_card(conn: psycopg.Connection[Any], *, id: uuid.UUID) -> ChatCard | None:
    CALLS["GetChatCard"] += 1
    with conn.cursor(row_factory=class_row(ChatCard)) as cur:
        cur.execute(GET_CHAT_CARD, {"id": id})
        return cur.fetchone()


async def get_chat_card_async(
    conn: psycopg.AsyncConnection[Any], *, id: uuid.UUID
) -> ChatCard | None:
    CALLS["GetChatCard"] += 1
    async with conn.cursor(row_factory=class_row(ChatCard)) as cur:
        await cur.execute(GET_CHAT_CARD, {"id": id})
        return await cur.fetchone()


LIST_CHAT_TITLES_BY_USER: Final = """-- name: ListChatTitlesByUser :many
SELECT title FROM chats WHERE user_id = %(user_id)s ORDER BY title"""


def list_chat_titles_by_user(conn: psycopg.Connection[Any], *, user_id: uuid.UUID) -> list[str]:
    CALLS["ListChatTitlesByUser"] += 1
    with conn.cursor() as cur:
        cur.execute(LIST_CHAT_TITLES_BY_USER, {"user_id": user_id})
        return [row[0] for row in cur.fetchall()]


GET_CHAT_BLOB: Final = """-- name: GetChatBlob :one
SELECT repeat(md5(id::text), %(size)s / 32) FROM chats WHERE id = %(id)s"""


def get_chat_blob(conn: psycopg.Connection[Any], *, id: uuid.UUID, size: int) -> str | None:
    """A large text value (`size` bytes) that belongs to a chat."""
    CALLS["GetChatBlob"] += 1
    row = conn.execute(GET_CHAT_BLOB, {"id": id, "size": size}).fetchone()
    return None if row is None else str(row[0])


GET_CREDIT_BALANCE: Final = """-- name: GetCreditBalance :one
SELECT credit_balance FROM users WHERE id = %(id)s"""


def get_credit_balance(conn: psycopg.Connection[Any], *, id: uuid.UUID) -> int | None:
    row = conn.execute(GET_CREDIT_BALANCE, {"id": id}).fetchone()
    return None if row is None else int(row[0])


GET_USER_PROFILE: Final = """-- name: GetUserProfile :one
SELECT u.name FROM users AS u JOIN sessions AS s ON s.user_id = u.id WHERE u.id = %(id)s"""


def get_user_profile(conn: psycopg.Connection[Any], *, id: uuid.UUID) -> str | None:
    row = conn.execute(GET_USER_PROFILE, {"id": id}).fetchone()
    return None if row is None else str(row[0])


RENAME_CHAT: Final = """-- name: RenameChat :execrows
UPDATE chats SET title = %(title)s WHERE id = %(id)s"""


def rename_chat(conn: psycopg.Connection[Any], *, id: uuid.UUID, title: str) -> int:
    return conn.execute(RENAME_CHAT, {"id": id, "title": title}).rowcount
