"""Shared helpers of the users/auth/chats/messages/votes query tests: random users, chats and
messages created through the generated queries, as the role the application would use."""

from __future__ import annotations

import datetime
import decimal
import hashlib
import os
import uuid
from typing import Any

from chatdb import Database
from chatdb.queries import chats, messages, models, users
from chatdb.queries.enums import ChatVisibility, MessageRole
from chatdb.types import Attachments, MessagePart, MessageParts

UTC = datetime.UTC


def email() -> str:
    return f"q1-{uuid.uuid4().hex[:16]}@example.com"


def digest() -> bytes:
    """A random 32-byte digest, as hash_token would produce."""
    return hashlib.sha256(os.urandom(16)).digest()


def make_user(
    db: Database,
    *,
    address: str | None = None,
    name: str | None = "Test User",
    password_hash: str | None = None,
) -> models.UserProfile:
    """A new user, signed up as chatdb_system (chatdb_app cannot insert users)."""
    with db.system() as conn:
        return users.create_user(
            conn,
            email=address or email(),
            name=name,
            image=None,
            email_verified=None,
            password_hash=password_hash,
        )


def make_chat(
    db: Database, user_id: uuid.UUID, *, title: str | None = None, public: bool = False
) -> models.Chat:
    """A new chat of `user_id`, created as that user."""
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
