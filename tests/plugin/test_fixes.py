"""Generated code for the constructs the audit found wrong, run against real PostgreSQL.

Cast slices, outer-joined subqueries and bracketed joins, names that would shadow imports,
model reuse limited to the relations a query references, `table.column` renames of
parameters, and citext (where the server has the extension).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from .conftest import Generated, generate, unique

SCHEMA = """
CREATE TABLE w (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE u (id bigint PRIMARY KEY, name text NOT NULL, w_id bigint);
CREATE TABLE t (id bigint PRIMARY KEY, label text NOT NULL);
CREATE TABLE base_models (id bigint PRIMARY KEY);
CREATE VIEW u_names AS SELECT id, name FROM u;
"""
QUERIES = {
    "q.sql": """
-- name: CastSlice :many
SELECT id FROM w WHERE id IN (sqlc.slice(ids)::bigint[]) ORDER BY id;

-- name: CastSliceNotIn :many
SELECT id FROM w WHERE id NOT IN (sqlc.slice(ids)::bigint[]) ORDER BY id;

-- name: LateralName :many
SELECT w.id, r.name FROM w
LEFT JOIN LATERAL (SELECT u.name FROM u WHERE u.w_id = w.id LIMIT 1) r ON true ORDER BY w.id;

-- name: Bracketed :many
SELECT w.id, u.name AS uname, sqlc.embed(t) FROM w
LEFT JOIN (t JOIN u ON u.id = t.id) ON t.id = w.id ORDER BY w.id;

-- name: Models :many
SELECT id FROM base_models;

-- name: Q :one
SELECT name FROM w WHERE id = $1;

-- name: List :many
SELECT id, name FROM u ORDER BY id;

-- name: RenameW :exec
UPDATE w SET name = $1 WHERE id = $2;
""",
}


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    root = tmp_path_factory.mktemp("fixes")
    return generate(
        root, SCHEMA, QUERIES, f"{unique('plugin_fix')}.queries", {"rename": {"w.name": "title"}}
    )


@pytest.fixture
def conn(scratch_db_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(scratch_db_url) as c:
        c.execute(SCHEMA)
        c.execute("INSERT INTO w VALUES (1, 'a'), (2, 'b'), (3, 'c')")
        c.execute("INSERT INTO u VALUES (1, 'u1', 1), (2, 'u2', NULL)")
        c.execute("INSERT INTO t VALUES (1, 't1'), (2, 't2')")
        yield c
        c.rollback()


def test_cast_slice_is_rewritten_to_any_and_all(gen: Generated, conn: Any) -> None:
    q = gen.module("q")
    assert "= ANY(%(ids)s::bigint[])" in q.CAST_SLICE
    assert q.cast_slice(conn, ids=[1, 3, 9]) == [1, 3]
    assert q.cast_slice(conn, ids=[]) == []
    assert q.cast_slice_not_in(conn, ids=[1]) == [2, 3]


def test_columns_from_an_outer_joined_lateral_subquery_are_nullable(
    gen: Generated, conn: Any
) -> None:
    q = gen.module("q")
    assert "    name: str | None\n" in gen.files["q.py"].split("class LateralNameRow")[1]
    assert [(r.id, r.name) for r in q.lateral_name(conn)] == [(1, "u1"), (2, None), (3, None)]


def test_everything_inside_a_bracketed_outer_join_is_nullable(gen: Generated, conn: Any) -> None:
    q, models = gen.module("q"), gen.module("models")
    row_class = gen.files["q.py"].split("class BracketedRow")[1]
    assert "    uname: str | None\n" in row_class
    assert "    t: models.T | None\n" in row_class
    rows = q.bracketed(conn)
    assert [(r.id, r.uname, r.t) for r in rows] == [
        (1, "u1", models.T(id=1, label="t1")),
        (2, "u2", models.T(id=2, label="t2")),
        (3, None, None),
    ]


def test_names_that_would_shadow_imports_get_a_trailing_underscore(
    gen: Generated, conn: Any
) -> None:
    q, aio_q, models = gen.module("q"), gen.module("aio.q"), gen.module("models")
    assert q.models is models  # the module import is not hidden by the query Models
    assert q.models_(conn) == []
    assert aio_q.q is q  # the async twin still sees the sync module q.py
    assert callable(aio_q.q_)
    assert q.q_(conn, id=1) == "a"
    assert q.list_(conn) == [models.UName(id=1, name="u1"), models.UName(id=2, name="u2")]
    assert models.BaseModel_(id=1).id == 1  # the table base_models does not rebind BaseModel
    assert "class BaseModel_(BaseModel):" in gen.files["models.py"]


def test_a_row_reuses_only_a_model_of_a_relation_the_query_references(gen: Generated) -> None:
    # `SELECT id, name FROM u` matches both w (id, title after the rename: no) and the view
    # u_names over u: the view is eligible, an unrelated table of the same shape is not.
    assert "def list_(conn: psycopg.Connection[Any]) -> list[models.UName]:" in gen.files["q.py"]
    assert "-> models.W" not in gen.files["q.py"]


def test_table_column_rename_applies_to_a_parameter_named_after_the_column(
    gen: Generated, conn: Any
) -> None:
    q = gen.module("q")
    q.rename_w(conn, title="z", id=1)
    assert q.q_(conn, id=1) == "z"


CITEXT_QUERIES = {
    "people.sql": """
-- name: AddPerson :one
INSERT INTO people (email) VALUES (@email) RETURNING id, email;

-- name: GetPersonByEmail :one
SELECT id, email FROM people WHERE email = @email;
""",
}
CITEXT_SCHEMA = """
CREATE EXTENSION IF NOT EXISTS citext;
CREATE TABLE people (id bigserial PRIMARY KEY, email citext NOT NULL UNIQUE);
"""


def test_citext_round_trips_case_insensitively(
    tmp_path: Path, scratch_db_url: str, server_url: str
) -> None:
    with psycopg.connect(server_url) as c:
        available = c.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'citext'"
        ).fetchone()
    if available is None:
        pytest.skip("the server under test has no citext extension (the embedded one does not)")
    gen = generate(tmp_path, CITEXT_SCHEMA, CITEXT_QUERIES, f"{unique('plugin_ci')}.queries")
    people = gen.module("people")
    with psycopg.connect(scratch_db_url) as conn:
        conn.execute(CITEXT_SCHEMA)
        added = people.add_person(conn, email="Ann@Example.com")
        found = people.get_person_by_email(conn, email="ann@example.COM")
        assert found is not None
        assert (found.id, found.email) == (added.id, "Ann@Example.com")
        conn.rollback()
