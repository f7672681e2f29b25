"""Keyset pagination results: callers never see the extra row a keyset query fetches."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
C = TypeVar("C")


@dataclass(frozen=True, slots=True)
class Page(Generic[T, C]):
    """One page: its items, the cursor for the next page, and whether there is one."""

    items: list[T]
    next_cursor: C | None
    has_more: bool

    @classmethod
    def from_rows(cls, rows: Sequence[T], limit: int, cursor: Callable[[T], C]) -> Page[T, C]:
        """Build a page from a query that fetched `limit + 1` rows.

        `cursor(row)` gives the keyset position of a row, e.g. `lambda m: (m.created_at, m.id)`.
        """
        if limit < 1:
            raise ValueError("limit must be at least 1")
        has_more = len(rows) > limit
        items = list(rows[:limit])
        next_cursor = cursor(items[-1]) if has_more and items else None
        return cls(items=items, next_cursor=next_cursor, has_more=has_more)

    def __len__(self) -> int:
        return len(self.items)
