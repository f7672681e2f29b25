"""Validated inputs of the chat flows (pure, no I/O): client-generated ids and messages.

Shared by `chatdb.flows.aio.chats` and its generated sync twin `chatdb.flows.chats` (which
re-export `new_message` and `ChatPage`). It sits beside the `chatdb.flows` package, not in it:
that package holds the flows, each with an async form, and these builders take no connection.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from pydantic import JsonValue

from chatdb import errors
from chatdb.queries import enums, models
from chatdb.types import Attachments, MessageParts


def client_id(value: uuid.UUID | str, *, table: str) -> uuid.UUID:
    """`value` as a UUID, or `InvalidInput` naming the table's id column (never the value)."""
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str):
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
    raise errors.InvalidInput(f"{table}.id must be a UUID", table=table, column="id")


@dataclass(frozen=True, slots=True)
class NewMessage:
    """One message for `save_message(s)`: InsertMessageWithID's arguments. Token counts and
    cost are billing data, recorded apart by a system flow (`messages.record_message_usage`)."""

    id: uuid.UUID
    chat_id: uuid.UUID
    role: enums.MessageRole
    parts: MessageParts
    attachments: Attachments
    provider: str | None = None
    model: str | None = None
    provider_metadata: JsonValue | None = None


def new_message(
    *,
    id: uuid.UUID | str,
    chat_id: uuid.UUID,
    role: enums.MessageRole | str,
    parts: MessageParts,
    attachments: Attachments | None = None,
    provider: str | None = None,
    model: str | None = None,
    provider_metadata: JsonValue | None = None,
) -> NewMessage:
    """The parameters of one message for `save_message(s)`, its id and role validated."""
    try:
        message_role = enums.MessageRole(role)
    except ValueError:
        raise errors.InvalidInput("unknown message role", table="messages", column="role") from None
    return NewMessage(
        id=client_id(id, table="messages"),
        chat_id=chat_id,
        role=message_role,
        parts=parts,
        attachments=attachments if attachments is not None else Attachments([]),
        provider=provider,
        model=model,
        provider_metadata=provider_metadata,
    )


@dataclass(frozen=True, slots=True)
class ChatPage:
    """Chats newest first, and whether more exist beyond them in the direction paged."""

    chats: list[models.Chat]
    has_more: bool


__all__ = ["ChatPage", "NewMessage", "client_id", "new_message"]
