"""Result columns that are casts: sqlc types every `expr::type` NOT NULL (unless `NULL::type`),
so a cast of a nullable column, a JSON extraction, an aggregate over no rows, NULLIF, a scalar
subquery that finds nothing or a CASE without ELSE used to fail pydantic validation on the
first NULL (found on sqlc's end-to-end `json_build` shapes). Casts of what cannot be NULL stay
non-null. Executed against PostgreSQL, sync and async.
"""

from __future__ import annotations

import psycopg
import pytest

from .conftest import Generated, generate, unique

SCHEMA = """
CREATE TABLE t (
    id bigint PRIMARY KEY,
    name text NOT NULL,
    bar text,
    meta jsonb,
    parent_id bigint
);
"""
QUERIES = {
    "casts.sql": """
-- name: CastColumns :one
SELECT
    (t.meta->>'k')::text AS json_key,
    t.bar::varchar AS bar_v,
    t.name::varchar AS name_v,
    coalesce(t.bar, '')::varchar AS bar_or_empty,
    nullif(t.name, 'x')::text AS name_unless_x,
    (CASE WHEN t.bar IS NOT NULL THEN 'y' END)::text AS maybe_y,
    (CASE WHEN t.bar IS NOT NULL THEN 'y' ELSE 'n' END)::text AS y_or_n,
    (SELECT coalesce(sum(u.id), 0) FROM t AS u WHERE u.id < 0)::bigint AS sum_none,
    (SELECT u.name FROM t AS u WHERE u.id < 0)::text AS no_row,
    p.name::text AS parent_name,
    (t.id + 1)::int AS next_id
FROM t LEFT JOIN t AS p ON p.id = t.parent_id
WHERE t.id = @id;

-- name: MaxId :one
SELECT max(id)::int FROM t WHERE name = @name;

-- name: CountIds :one
SELECT count(*)::int FROM t WHERE name = @name;

-- name: SetBar :one
UPDATE t SET bar = sqlc.narg(bar) WHERE id = @id RETURNING bar::varchar, name::varchar;
""",
}


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    root = tmp_path_factory.mktemp("casts")
    return generate(root, SCHEMA, QUERIES, f"{unique('plugin_cast')}.queries")


def test_cast_columns_are_nullable_exactly_when_their_operand_can_be_null(gen: Generated) -> None:
    row_class = gen.files["casts.py"].split("class CastColumnsRow")[1].split("@staticmethod")[0]
    for field in (
        "json_key: str | None",
        "bar_v: str | None",
        "name_unless_x: str | None",
        "maybe_y: str | None",
        "no_row: str | None",
        "parent_name: str | None",
        "name_v: str\n",
        "bar_or_empty: str\n",
        "y_or_n: str\n",
        "sum_none: int\n",
        "next_id: int\n",
    ):
        assert f"    {field}" in row_class, field
    assert (
        "def max_id(conn: psycopg.Connection[Any], *, name: str) -> int | None:"
        in (gen.files["casts.py"])
    )
    assert (
        "def count_ids(conn: psycopg.Connection[Any], *, name: str) -> int:"
        in (gen.files["casts.py"])
    )
    assert "    bar: str | None\n    name: str\n" in gen.files["casts.py"]


@pytest.mark.parametrize("aio", [False, True], ids=["sync", "async"])
async def test_null_operands_come_back_as_none(
    gen: Generated, scratch_db_url: str, aio: bool
) -> None:
    casts = gen.module("aio.casts" if aio else "casts")

    async def call(result: object) -> object:
        return await result if aio else result  # type: ignore[misc]

    connect = psycopg.AsyncConnection.connect if aio else psycopg.connect
    conn = connect(scratch_db_url)
    conn = await conn if aio else conn  # type: ignore[misc]
    try:
        await call(conn.execute(SCHEMA))
        await call(conn.execute("INSERT INTO t (id, name) VALUES (1, 'x')"))
        row = await call(casts.cast_columns(conn, id=1))
        assert row.model_dump() == {  # type: ignore[attr-defined]
            "json_key": None,
            "bar_v": None,
            "name_v": "x",
            "bar_or_empty": "",
            "name_unless_x": None,
            "maybe_y": None,
            "y_or_n": "n",
            "sum_none": 0,
            "no_row": None,
            "parent_name": None,
            "next_id": 2,
        }
        assert await call(casts.max_id(conn, name="nobody")) is None
        assert await call(casts.count_ids(conn, name="nobody")) == 0
        updated = await call(casts.set_bar(conn, id=1))
        assert (updated.bar, updated.name) == (None, "x")  # type: ignore[attr-defined]
    finally:
        await call(conn.rollback())
        await call(conn.close())
