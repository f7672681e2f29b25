"""Validated inputs of the chat flows (pure, no I/O): client-generated ids and messages.

Shared by `chatdb.flows.aio.chats` and its generated sync twin `chatdb.flows.chats` (which
re-export `new_message` and `ChatPage`). It sits beside the `chatdb.flows` package, not in it:
that package holds the flows, each with an async form, and these builders take no connection.
"""

from __future__ import annotations

import decimal
import uuid
from dataclasses import dataclass

from pydantic import JsonValue

from chatdb import errors
from chatdb.queries import enums, models
from chatdb.queries.messages import InsertMessageWithIDParams as NewMessage
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


def new_message(
    *,
    id: uuid.UUID | str,
    chat_id: uuid.UUID,
    role: enums.MessageRole | str,
    parts: MessageParts,
    attachments: Attachments | None = None,
    provider: str | None = None,
    model: str | None = None,
    input_tokens: int = 0,
    output_tokens: int = 0,
    cache_read_tokens: int = 0,
    cache_write_tokens: int = 0,
    cost: decimal.Decimal = decimal.Decimal(0),
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
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read_tokens=cache_read_tokens,
        cache_write_tokens=cache_write_tokens,
        cost=cost,
        provider_metadata=provider_metadata,
    )


@dataclass(frozen=True, slots=True)
class ChatPage:
    """Chats newest first, and whether more exist beyond them in the direction paged."""

    chats: list[models.Chat]
    has_more: bool


__all__ = ["ChatPage", "NewMessage", "client_id", "new_message"]
