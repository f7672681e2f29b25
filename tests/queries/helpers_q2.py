"""Shared setup for q2's query tests: users and chats created as the system role.

Plain SQL on purpose: these tests exercise documents, tools, uploads, companions and groups,
not the users/chats queries, so they must not depend on them.
"""

from __future__ import annotations

import uuid

from chatdb import Database


def make_user(db: Database) -> uuid.UUID:
    """A new user with a random email (signup credits granted by the ledger trigger)."""
    with db.system() as conn:
        row = conn.execute(
            "INSERT INTO users (email) VALUES (%(email)s) RETURNING id",
            {"email": f"q2-{uuid.uuid4().hex}@example.com"},
        ).fetchone()
    assert row is not None
    user_id: uuid.UUID = row[0]
    return user_id


def make_chat(db: Database, user_id: uuid.UUID, *, visibility: str = "private") -> uuid.UUID:
    """A new chat of `user_id`."""
    with db.system() as conn:
        row = conn.execute(
            "INSERT INTO chats (user_id, visibility) VALUES (%(user_id)s, %(visibility)s) "
            "RETURNING id",
            {"user_id": user_id, "visibility": visibility},
        ).fetchone()
    assert row is not None
    chat_id: uuid.UUID = row[0]
    return chat_id


def make_message(db: Database, chat_id: uuid.UUID, *, role: str = "assistant") -> uuid.UUID:
    """A new message in `chat_id`."""
    with db.system() as conn:
        row = conn.execute(
            "INSERT INTO messages (chat_id, role) VALUES (%(chat_id)s, %(role)s) RETURNING id",
            {"chat_id": chat_id, "role": role},
        ).fetchone()
    assert row is not None
    message_id: uuid.UUID = row[0]
    return message_id


def count_rows(db: Database, table: str, where: str, params: dict[str, object]) -> int:
    """Rows of `table` matching `where`, counted as the system role (sees everything)."""
    with db.system() as conn:
        row = conn.execute(f"SELECT count(*) FROM {table} WHERE {where}", params).fetchone()
    assert row is not None
    count: int = row[0]
    return count
