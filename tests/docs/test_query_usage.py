"""The docs' view of named queries (their generated metadata) and of function bodies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chatdb.queries.support import query_of
from chatdb_tools.schema_docs.queries import (
    NamedQuery,
    body_usage,
    from_metadata,
    generated_queries,
    replace_macros,
    usage_by_table,
)

from .conftest import SAMPLE, query


def _p(name: str) -> tuple[str, str]:
    return ("public", name)


def _metadata(fn: Callable[..., Any]) -> NamedQuery:
    found = query_of(fn)
    assert found is not None, fn
    return from_metadata(found)


def test_metadata_gives_name_command_file_and_schema_qualified_keys() -> None:
    named = from_metadata(
        query(
            "Move",
            ":execrows",
            "db/queries/x.sql",
            reads={"audit.log", "chats"},
            writes={"archive.chats"},
            calls={"pg_catalog.now", "helper"},
        )
    )
    assert (named.name, named.command, named.file) == ("Move", "execrows", "db/queries/x.sql")
    assert named.reads == {("audit", "log"), _p("chats")}
    assert named.writes == {("archive", "chats")}
    assert named.calls == {("pg_catalog", "now"), _p("helper")}
    assert named.access(("archive", "chats")) == "write"
    assert named.access(_p("chats")) == "read"


def test_generated_queries_come_from_the_functions_metadata() -> None:
    from chatdb.queries import chats, usage
    from chatdb.queries.aio import chats as async_chats

    found = {q.name: q for q in generated_queries()}
    create = found["CreateChat"]
    assert create == _metadata(chats.create_chat)
    assert create == _metadata(async_chats.create_chat)
    assert (create.command, create.file) == ("one", "db/queries/chats.sql")
    assert _p("chats") in create.writes
    refresh = found["RefreshUsageDailyStats"]
    assert refresh == _metadata(usage.refresh_usage_daily_stats)
    assert _p("refresh_usage_daily_stats") in refresh.calls
    names = [(q.file, q.name) for q in generated_queries()]
    assert names == sorted(set(names))  # each query once, sync and async twins merged


def test_macros_become_parameters_but_operators_strings_and_comments_stay() -> None:
    sql = (
        "SELECT sqlc.embed(u), '@x' FROM users u -- @comment\n"
        "WHERE u.tags <@ @tags AND u.meta @> sqlc.narg('m') AND u.id = ANY(sqlc.slice(ids))\n"
        "AND u.name = @name AND u.alias = @name AND v @@ q"
    )
    assert replace_macros(sql) == (
        "SELECT u.*, '@x' FROM users u -- @comment\n"
        "WHERE u.tags <@ $1 AND u.meta @> $2 AND u.id = ANY($3)\n"
        "AND u.name = $4 AND u.alias = $4 AND v @@ q"
    )


def test_usage_by_table_lists_each_query_once_per_table() -> None:
    queries: list[NamedQuery] = sorted(map(from_metadata, SAMPLE), key=lambda q: q.name)
    usage = usage_by_table(queries)
    assert [q.name for q in usage[_p("chats")]] == [
        "CreateChat",
        "GetMessageWithChat",
        "ListChatsByUser",
        "TouchChatFromMessage",
    ]
    assert [q.name for q in usage[_p("credit_ledger")]] == ["ConsumeCredits"]


_PLPGSQL = """\
CREATE FUNCTION public.f() RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE n int;
BEGIN
    n := (SELECT count(*) FROM public.documents AS d);
    IF EXISTS (SELECT 1 FROM chats AS c WHERE c.id IS NULL) THEN RAISE EXCEPTION 'x'; END IF;
    PERFORM helper(n);
    UPDATE users SET name = 'x' WHERE false;
    RETURN QUERY SELECT m.id::text FROM messages AS m;
    EXECUTE format('DROP TABLE %I', 'x');
END
$$;
"""


def test_plpgsql_bodies_read_write_and_call_through_every_statement_kind() -> None:
    body = body_usage("plpgsql", "(unused)", _PLPGSQL)
    assert body.usage.reads == {_p("documents"), _p("chats"), _p("messages")}
    assert body.usage.writes == {_p("users")}
    assert _p("helper") in body.usage.calls
    assert body.dynamic
    assert not body.opaque


def test_sql_bodies_parse_and_other_languages_are_opaque() -> None:
    body = body_usage("sql", "SELECT s.* FROM stats AS s WHERE s.day = $1", "")
    assert body.usage.reads == {_p("stats")}
    assert not body.dynamic and not body.opaque
    assert body_usage("c", "whatever", "").opaque
