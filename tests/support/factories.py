"""Test data, one way per kind: users, chats, messages, credits and keys.

Two flavours, named apart:

- `make_*` insert plain rows as `chatdb_system` and return ids. Tests of one query file use
  them so they do not depend on the queries of another (documents, tools, groups, ...), and so
  any column can be set (`make_user(db, status="suspended")`).
- `sign_up` and `create_chat` go through the generated queries as the role the application
  would use and return the models, for the users/chats/messages tests and flows that need them.

Every value is random (emails, ids), so tests that commit never collide.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import os
import uuid
from decimal import Decimal
from typing import Any

from psycopg import sql

from chatdb import Database
from chatdb.crypto import KeyRing
from chatdb.queries import chats, credits, messages, models, users
from chatdb.queries.enums import ChatVisibility, MessageRole
from chatdb.types import Attachments, MessagePart, MessageParts

UTC = datetime.UTC


# -- users --------------------------------------------------------------------------------


def email(label: str = "user") -> str:
    """A random address nobody else uses."""
    return f"{label}-{uuid.uuid4().hex[:16]}@example.com"


def digest() -> bytes:
    """A random 32-byte digest, as hash_token would produce."""
    return hashlib.sha256(os.urandom(16)).digest()


def _insert(db: Database, table: str, values: dict[str, Any]) -> uuid.UUID:
    columns = list(values)
    query = sql.SQL("INSERT INTO {} ({}) VALUES ({}) RETURNING id").format(
        sql.Identifier(table),
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(", ").join(sql.Placeholder() * len(columns)),
    )
    with db.system() as conn:
        row = conn.execute(query, list(values.values())).fetchone()
    assert row is not None
    new_id: uuid.UUID = row[0]
    return new_id


def make_user(db: Database, **columns: Any) -> uuid.UUID:
    """A new user row (signed up by chatdb_system, so they got the signup credits); any
    column can be given, the email defaults to a random one."""
    columns.setdefault("email", email())
    return _insert(db, "users", columns)


def sign_up(
    db: Database,
    *,
    address: str | None = None,
    name: str | None = "Test User",
    password_hash: str | None = None,
) -> models.UserProfile:
    """A new user through CreateUser, as chatdb_system (chatdb_app cannot insert users)."""
    with db.system() as conn:
        return users.create_user(
            conn,
            email=address or email(),
            name=name,
            image=None,
            email_verified=None,
            password_hash=password_hash,
        )


def set_user(db: Database, user_id: uuid.UUID, **values: Any) -> None:
    """Update columns of a user as chatdb_system (quota period, stripe customer, ...)."""
    query = sql.SQL("UPDATE users SET {} WHERE id = {}").format(
        sql.SQL(", ").join(
            sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder()) for c in values
        ),
        sql.Placeholder(),
    )
    with db.system() as conn:
        conn.execute(query, [*values.values(), user_id])


# -- chats and messages -------------------------------------------------------------------


def make_chat(
    db: Database, user_id: uuid.UUID, *, visibility: str = "private", title: str | None = None
) -> uuid.UUID:
    """A new chat row of `user_id` (the column default title unless one is given)."""
    values: dict[str, Any] = {"user_id": user_id, "visibility": visibility}
    if title is not None:
        values["title"] = title
    return _insert(db, "chats", values)


def create_chat(
    db: Database, user_id: uuid.UUID, *, title: str | None = None, public: bool = False
) -> models.Chat:
    """A new chat through CreateChat, created as its owner."""
    with db.as_user(user_id) as conn:
        return chats.create_chat(
            conn,
            user_id=user_id,
            title=title,
            visibility=ChatVisibility.PUBLIC if public else None,
            provider=None,
            model=None,
            system_prompt=None,
            context_window=None,
            metadata=None,
        )


def make_message(db: Database, chat_id: uuid.UUID, *, role: str = "assistant") -> uuid.UUID:
    """A new message row in `chat_id`."""
    return _insert(db, "messages", {"chat_id": chat_id, "role": role})


def text(value: str) -> MessageParts:
    return MessageParts([MessagePart(type="text", text=value)])


def message_params(
    chat_id: uuid.UUID,
    body: str = "hello",
    *,
    role: MessageRole = MessageRole.USER,
    client_request_id: str | None = None,
) -> dict[str, Any]:
    """InsertMessage's arguments (token counts and cost are recorded apart, as the system)."""
    return {
        "chat_id": chat_id,
        "role": role,
        "parts": text(body),
        "attachments": Attachments([]),
        "provider": None,
        "model": None,
        "client_request_id": client_request_id,
        "provider_metadata": None,
    }


def import_rows(
    db: Database,
    chat_id: uuid.UUID,
    count: int,
    *,
    start: datetime.datetime | None = None,
    role: MessageRole = MessageRole.USER,
) -> list[messages.ImportMessagesParams]:
    """`count` messages one second apart from `start`, loaded with COPY as chatdb_system."""
    base = start or datetime.datetime(2030, 1, 1, tzinfo=UTC)
    rows = [
        messages.ImportMessagesParams(
            id=uuid.uuid4(),
            chat_id=chat_id,
            role=role,
            parts=text(f"message {i}"),
            attachments=Attachments([]),
            provider=None,
            model=None,
            input_tokens=i,
            output_tokens=0,
            cost=decimal.Decimal("0.00000100"),
            created_at=base + datetime.timedelta(seconds=i),
        )
        for i in range(count)
    ]
    with db.system() as conn:
        assert messages.import_messages(conn, rows=rows) == count
    return rows


def count_rows(db: Database, table: str, where: str, params: dict[str, object]) -> int:
    """Rows of `table` matching `where`, counted as the system role (sees everything)."""
    with db.system() as conn:
        row = conn.execute(f"SELECT count(*) FROM {table} WHERE {where}", params).fetchone()
    assert row is not None
    count: int = row[0]
    return count


# -- credits and keys ---------------------------------------------------------------------


def balance(db: Database, user_id: uuid.UUID) -> Decimal:
    with db.system() as conn:
        return credits.get_credit_balance(conn, user_id=user_id)


def ledger_sum(db: Database, user_id: uuid.UUID) -> Decimal:
    with db.system() as conn:
        return credits.sum_ledger_amounts(conn, user_id=user_id)


def op(kind: str = "test") -> str:
    """A fresh operation id."""
    return f"{kind}:{uuid.uuid4()}"


def keyring(*ids: int, current: int | None = None) -> KeyRing:
    """A key ring with deterministic keys for the given ids."""
    ids = ids or (1,)
    return KeyRing({i: bytes([i]) * 32 for i in ids}, current if current is not None else max(ids))
