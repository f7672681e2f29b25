"""Shared by the docs tests: named-query metadata as generated functions carry it.

The docs take every query's name, command, file, reads, writes and calls from this metadata
(`fn.query`), never from the SQL: `ArchiveStreams` says it writes `streams` although its SQL
does not, so a page listing it proves the docs read the metadata.
"""

from __future__ import annotations

import pytest

from chatdb.queries.support import Query
from chatdb_tools.schema_docs.queries import NamedQuery, from_metadata


def query(
    name: str,
    command: str,
    source: str,
    *,
    reads: set[str] | None = None,
    writes: set[str] | None = None,
    calls: set[str] | None = None,
) -> Query:
    """The metadata of one generated function (the fields the docs use; no SQL needed)."""
    return Query(
        name=name,
        command=command,
        sql="SELECT 1",
        source=source,
        reads=frozenset(reads or ()),
        writes=frozenset(writes or ()),
        calls=frozenset(calls or ()),
        read_only=not writes,
        columns=(),
        parameters=(),
        annotations=(),
    )


SAMPLE = (
    query("ListChatsByUser", ":many", "sample.sql", reads={"chats"}),
    query("GetMessageWithChat", ":one", "sample.sql", reads={"public.messages", "chats"}),
    query("CreateChat", ":one", "sample.sql", writes={"chats"}),
    query(
        "DeleteMessagesByIds", ":execrows", "sample.sql", reads={"messages"}, writes={"messages"}
    ),
    query(
        "ConsumeCredits",
        ":one",
        "sample.sql",
        reads={"users"},
        writes={"users", "credit_ledger"},
    ),
    query(
        "TouchChatFromMessage",
        ":exec",
        "sample.sql",
        reads={"chats", "messages"},
        writes={"chats"},
        calls={"now"},
    ),
    query("ArchiveStreams", ":execrows", "sample.sql", writes={"streams"}),
    # Queries that reach tables only through a view or a function.
    query("GetProfile", ":one", "indirect.sql", reads={"user_profiles"}),
    query("DailyStats", ":many", "indirect.sql", calls={"current_user_usage_daily_stats"}),
    query("RefreshStats", ":exec", "indirect.sql", calls={"public.refresh_usage_daily_stats"}),
)


@pytest.fixture(scope="session")
def sample_queries() -> list[NamedQuery]:
    """The sample metadata as the docs read it."""
    return [from_metadata(q) for q in SAMPLE]
