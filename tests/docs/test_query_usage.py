"""The query-usage parser: which named queries read or write which tables (no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatdb.errors import ConfigError
from chatdb_tools.schema_docs.queries import (
    NamedQuery,
    body_usage,
    parse_query_file,
    read_queries,
    replace_macros,
    usage_by_table,
)


def _p(name: str) -> tuple[str, str]:
    return ("public", name)


@pytest.fixture
def queries(tmp_path: Path, sample_sql: str) -> dict[str, NamedQuery]:
    path = tmp_path / "sample.sql"
    path.write_text(sample_sql)
    return {q.name: q for q in parse_query_file(path, "db/queries/sample.sql")}


def test_every_named_block_is_found_with_its_command_and_line(
    queries: dict[str, NamedQuery],
) -> None:
    assert sorted(queries) == [
        "ConsumeCredits",
        "CreateChat",
        "DeleteMessagesByIds",
        "GetMessageWithChat",
        "ListChatsByUser",
        "TouchChatFromMessage",
    ]
    assert queries["ListChatsByUser"].command == "many"
    assert queries["ListChatsByUser"].line == 2
    assert queries["DeleteMessagesByIds"].command == "execrows"
    assert queries["CreateChat"].file == "db/queries/sample.sql"


def test_select_reads_and_dml_targets_write(queries: dict[str, NamedQuery]) -> None:
    assert queries["ListChatsByUser"].reads == {_p("chats")}
    assert queries["ListChatsByUser"].writes == frozenset()
    assert queries["CreateChat"].writes == {_p("chats")}
    assert queries["CreateChat"].reads == frozenset()
    assert queries["DeleteMessagesByIds"].writes == {_p("messages")}


def test_update_from_reads_the_joined_table(queries: dict[str, NamedQuery]) -> None:
    touch = queries["TouchChatFromMessage"]
    assert touch.writes == {_p("chats")}
    assert touch.reads == {_p("messages")}
    assert touch.access(_p("chats")) == "write"
    assert touch.access(_p("messages")) == "read"


def test_writes_inside_ctes_count_and_cte_names_are_not_tables(
    queries: dict[str, NamedQuery],
) -> None:
    consume = queries["ConsumeCredits"]
    assert consume.writes == {_p("users"), _p("credit_ledger")}
    assert consume.reads == frozenset()  # `debited` and `logged` are CTEs, not tables


def test_embed_macros_and_schema_qualified_names_resolve(queries: dict[str, NamedQuery]) -> None:
    assert queries["GetMessageWithChat"].reads == {_p("messages"), _p("chats")}


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


def test_usage_by_table_lists_each_query_once_per_table(
    queries: dict[str, NamedQuery],
) -> None:
    usage = usage_by_table(sorted(queries.values(), key=lambda q: q.name))
    assert [q.name for q in usage[_p("chats")]] == [
        "CreateChat",
        "GetMessageWithChat",
        "ListChatsByUser",
        "TouchChatFromMessage",
    ]
    assert [q.name for q in usage[_p("credit_ledger")]] == ["ConsumeCredits"]


def test_a_query_that_does_not_parse_names_its_file_line_and_name(tmp_path: Path) -> None:
    (tmp_path / "bad.sql").write_text("-- name: Broken :one\nSELEC id FROM users;\n")
    with pytest.raises(ConfigError, match=r"bad\.sql:1: query Broken does not parse"):
        read_queries(tmp_path)


def test_missing_queries_directory_means_no_queries(tmp_path: Path) -> None:
    assert read_queries(tmp_path / "absent") == []


def test_function_calls_are_recorded_and_refresh_writes_the_view(tmp_path: Path) -> None:
    (tmp_path / "q.sql").write_text(
        "-- name: Daily :many\nSELECT s.day FROM public.daily(@d::date) AS s WHERE f(s.x);\n"
        "-- name: Refresh :exec\nREFRESH MATERIALIZED VIEW CONCURRENTLY stats;\n"
    )
    queries = {q.name: q for q in read_queries(tmp_path)}
    assert {_p("daily"), _p("f")} <= queries["Daily"].calls
    assert queries["Daily"].reads == frozenset()
    assert queries["Refresh"].writes == {_p("stats")}


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
