"""Typed JSON shapes used by overrides in the kitchen-sink case (stands in for chatdb.types)."""

from typing import Literal, TypeAlias

from pydantic import BaseModel, ConfigDict


class Part(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Literal["text", "image"]
    text: str


Parts: TypeAlias = list[Part]
