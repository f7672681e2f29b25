"""Typed shapes of the JSON columns, used by the generated code through sqlc.yaml overrides.

They follow what chat front-ends send (AI SDK style message parts and attachments) while
allowing fields we do not model yet (`extra="allow"`): the database keeps the whole document,
Python sees the fields that matter typed.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, JsonValue, RootModel

# JSON has no NaN or Infinity. A typed field refuses them when the model is built
# (allow_inf_nan); one that slips in through an open field is written as the bare constant,
# which PostgreSQL's jsonb parser rejects (InvalidInput), instead of pydantic's default of
# quietly turning it into null.
_NO_NAN = ConfigDict(allow_inf_nan=False, ser_json_inf_nan="constants")


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True, **_NO_NAN)


class MessagePart(_Open):
    """One part of a message: `text`, `reasoning`, `file`, `tool-call`, `tool-result`, ..."""

    type: str = Field(min_length=1, max_length=100)
    text: str | None = None


class MessageParts(RootModel[list[MessagePart]]):
    """`messages.parts`: the ordered parts of a message."""

    model_config = ConfigDict(frozen=True, **_NO_NAN)


class Attachment(_Open):
    """A file attached to a message (stored elsewhere; this is its reference)."""

    url: str = Field(max_length=2048)
    name: str | None = Field(default=None, max_length=512)
    content_type: str | None = Field(default=None, alias="contentType", max_length=255)


class Attachments(RootModel[list[Attachment]]):
    """`messages.attachments`."""

    model_config = ConfigDict(frozen=True, **_NO_NAN)


class ChatState(_Open):
    """`chat_states.state`: the one typed state document of a chat (UI and agent state)."""

    version: int = 1
    data: dict[str, JsonValue] = Field(default_factory=dict)
