"""Pure helpers of the plugin: SQL rewriting, naming, formatting."""

from __future__ import annotations

import pytest

from sqlc_gen_psycopg import naming, sqltext, writer
from sqlc_gen_psycopg.macros import read_macros
from sqlc_gen_psycopg.statement import analyze


def test_placeholders_skip_literals_comments_and_dollar_quotes_and_double_percent() -> None:
    sql = (
        "SELECT '$1 %', E'\\'$1', \"$1\", $$ $1 $$, $tag$ $2 $tag$ -- $1 %\n"
        "FROM t WHERE a = $1 AND b LIKE $2 || '%' /* $2 */ AND c = $10"
    )
    out = sqltext.to_psycopg(sql, {1: "a", 2: "b", 10: "c"})
    assert out == (
        "SELECT '$1 %%', E'\\'$1', \"$1\", $$ $1 $$, $tag$ $2 $tag$ -- $1 %%\n"
        "FROM t WHERE a = %(a)s AND b LIKE %(b)s || '%%' /* $2 */ AND c = %(c)s"
    )


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("WHERE id IN ($1)", "WHERE id = ANY($1)"),
        ("WHERE id in ( $1 )", "WHERE id = ANY($1)"),
        ("WHERE id NOT IN ($1)", "WHERE id <> ALL($1)"),
        ("WHERE x = 'IN ($1)' AND id IN ($1)", "WHERE x = 'IN ($1)' AND id = ANY($1)"),
    ],
)
def test_slice_rewrite(sql: str, expected: str) -> None:
    assert sqltext.rewrite_slice(sql, 1) == (expected, True)


def test_outer_join_sides_are_table_references() -> None:
    def refs(sql: str) -> set[str]:
        return analyze(sql).nullable_refs

    assert refs("SELECT 1 FROM a LEFT JOIN b ON true JOIN c ON true") == {"b"}
    assert refs("SELECT 1 FROM a x RIGHT JOIN b y ON true") == {"x"}
    assert refs("SELECT 1 FROM a FULL OUTER JOIN b USING (id)") == {"a", "b"}
    assert refs("SELECT 1 FROM a JOIN b ON true") == set()
    # A table joined to itself: only the outer-joined reference is nullable.
    assert refs("SELECT 1 FROM authors a LEFT JOIN authors p ON p.id = a.parent_id") == {"p"}


@pytest.mark.parametrize(
    ("name", "snake"),
    [
        ("GetUserByEmail", "get_user_by_email"),
        ("GetChatsByIDs", "get_chats_by_ids"),
        ("ListHTTPServers", "list_http_servers"),
        ("ListV2Things", "list_v2_things"),
    ],
)
def test_query_names(name: str, snake: str) -> None:
    assert naming.snake(name) == snake
    assert naming.upper_snake(name) == snake.upper()


@pytest.mark.parametrize(
    ("table", "model"),
    [
        ("users", "User"),
        ("daily_usage_mv", "DailyUsageMv"),
        ("categories", "Category"),
        ("addresses", "Address"),
        ("statuses", "Status"),
        ("credit_ledger", "CreditLedger"),
    ],
)
def test_model_names(table: str, model: str) -> None:
    assert naming.model_name(table) == model


def test_keywords_get_an_underscore_builtins_stay() -> None:
    assert naming.avoid("from", set()) == "from_"
    assert naming.avoid("class", set()) == "class_"
    assert naming.avoid("id", set()) == "id"
    assert naming.avoid("type", set()) == "type"
    assert naming.enum_member("so-so", 0) == "SO_SO"
    assert naming.enum_member("2x", 0) == "V_2X"


def test_render_keeps_short_calls_on_one_line_and_explodes_long_ones() -> None:
    short = writer.Group("f(", ["a", "b"], ")")
    assert writer.render(short, 1) == ["    f(a, b)"]
    long = writer.Group("f(", ["x" * 60, "y" * 60], ")")
    assert writer.render(long, 0, "return ") == [
        "return f(",
        f"    {'x' * 60},",
        f"    {'y' * 60},",
        ")",
    ]


def test_python_string_literal_round_trips_sql() -> None:
    for text in ['a "quoted"', 'ends with "', 'E\'\\n\' and """', "plain"]:
        assert eval(writer.py_string(text)) == text  # noqa: S307 - literal built by the test


def test_outer_join_sides_of_lateral_subqueries_and_bracketed_joins() -> None:
    lateral = analyze("SELECT 1 FROM w LEFT JOIN LATERAL (SELECT u.name FROM u LIMIT 1) r ON true")
    assert (lateral.nullable_refs, lateral.nullable_nested) == ({"r", "u"}, {"u"})
    bracketed = analyze(
        "SELECT 1 FROM w LEFT JOIN (t AS tt JOIN u ON u.id = tt.id) ON tt.id = w.id"
    )
    assert (bracketed.nullable_refs, bracketed.nullable_nested) == ({"tt", "u"}, {"t", "u"})
    nested = analyze("SELECT 1 FROM w LEFT JOIN ((t JOIN u ON true) JOIN z ON true) q ON true")
    assert nested.nullable_refs == {"t", "u", "z", "q"}
    assert analyze('SELECT 1 FROM a LEFT JOIN "B" b ON true').nullable_refs == {"b"}
    assert analyze("SELECT 1 FROM (SELECT 1 FROM t) s JOIN u ON true").nullable_refs == set()


def test_relations_read_and_written_cover_insert_update_upserts_and_locks() -> None:
    upsert = analyze(
        "INSERT INTO users (email) VALUES ($1) ON CONFLICT (email) DO UPDATE SET x = 1"
    )
    assert (upsert.reads, upsert.writes) == (set(), {"users"})
    update = analyze("UPDATE chats c SET title = $1 FROM users u")
    assert (update.reads, update.writes) == ({"chats", "users"}, {"chats"})
    locked = analyze("SELECT 1 FROM t FOR UPDATE SKIP LOCKED")
    assert (locked.reads, locked.read_only) == ({"t"}, False)
    cte = analyze("WITH gone AS (DELETE FROM s RETURNING id) SELECT id FROM gone")
    assert (cte.reads, cte.writes) == ({"s"}, {"s"})


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("WHERE id IN ($1::bigint[])", "WHERE id = ANY($1::bigint[])"),
        ("WHERE id NOT IN ( $1::varchar(3)[] )", "WHERE id <> ALL($1::varchar(3)[])"),
    ],
)
def test_cast_slice_rewrite(sql: str, expected: str) -> None:
    assert sqltext.rewrite_slice(sql, 1) == (expected, True)
    source = "-- name: X :many\nSELECT 1 WHERE id IN (sqlc.slice(ids)::bigint[]) AND b IN (sqlc.slice(bs))"
    assert read_macros(source).cast_slices == {"ids"}


def test_macros_name_optional_parameters_and_embed_references_in_order() -> None:
    macros = read_macros(
        "SELECT sqlc.embed(a), sqlc.embed(p) FROM authors a LEFT JOIN authors p ON true "
        "WHERE a.name = sqlc.narg('name') AND a.bio = sqlc.narg(bio) AND a.id = @id"
    )
    assert macros.nargs == {"name", "bio"}
    assert macros.embeds == ["a", "p"]


def test_names_avoid_imports_and_builtins_the_module_uses() -> None:
    reserved = naming.MODULE_NAMES | naming.IMPORTED_NAMES | naming.BUILTINS_USED
    assert naming.avoid("models", reserved) == "models_"
    assert naming.avoid("list", reserved) == "list_"
    assert naming.avoid(naming.model_name("base_models"), naming.IMPORTED_NAMES) == "BaseModel_"
    assert naming.avoid("get_user", reserved) == "get_user"


def test_statement_calls_are_qualified_as_written_and_refresh_truncate_write() -> None:
    stmt = analyze("SELECT pg_catalog.now(), audit.stamp(x.id), lower(x.name) FROM x")
    assert stmt.calls == {"pg_catalog.now", "audit.stamp", "lower"}
    assert stmt.reads == {"x"}
    refresh = analyze("REFRESH MATERIALIZED VIEW CONCURRENTLY stats.daily")
    assert (refresh.reads, refresh.writes) == (set(), {"stats.daily"})
    truncate = analyze("TRUNCATE a, public.b")
    assert (truncate.reads, truncate.writes) == (set(), {"a", "public.b"})
    assert not truncate.read_only
