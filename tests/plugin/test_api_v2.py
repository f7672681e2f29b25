"""Generated API v2 (issue 17): not-found, annotations, honest parameters, metadata, and the
plugin defects found on real sqlc projects, each executed against PostgreSQL."""

from __future__ import annotations

import ast
import inspect
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from .conftest import Generated, generate, unique

SCHEMA = """
CREATE TYPE a_rather_long_enum_name AS ENUM ('first', 'second');
CREATE TABLE authors (
    id bigint PRIMARY KEY,
    name text NOT NULL,
    bio text,
    parent_id bigint
);
COMMENT ON TABLE authors IS 'People who write books.';
COMMENT ON COLUMN authors.name IS 'The name printed on the cover.';
CREATE TYPE pair AS (a integer, b text);
CREATE TABLE pairs (id integer PRIMARY KEY, p pair NOT NULL);
CREATE SCHEMA other;
CREATE TABLE other.things (id bigint PRIMARY KEY, label text NOT NULL);
"""

QUERIES = {
    "authors.sql": """
-- name: GetAuthor :one
-- The author with this id.
SELECT * FROM authors WHERE id = @id;

-- name: FindAuthor :one
-- @optional
-- @role system
-- An author by name, if there is one.
SELECT * FROM authors WHERE name = @name;

-- name: CountAuthors :one
SELECT count(*) FROM authors;

-- name: CreateAuthor :one
INSERT INTO authors (id, name, bio) VALUES (@id, @name, sqlc.narg(bio)) RETURNING *;

-- name: SetBio :execrows
UPDATE authors SET bio = @bio WHERE id = @id;

-- name: ListAuthorsWithParent :many
SELECT a.id, a.name, p.name AS parent_name
FROM authors a LEFT JOIN authors p ON p.id = a.parent_id
ORDER BY a.id;

-- name: EmbedAuthorsWithParent :many
SELECT sqlc.embed(a), sqlc.embed(p)
FROM authors a LEFT JOIN authors p ON p.id = a.parent_id
ORDER BY a.id;

-- name: LockAuthor :one
SELECT pg_advisory_xact_lock(@key::bigint);

-- name: ListThingsWithAuthor :many
SELECT sqlc.embed(t), a.name
FROM other.things AS t JOIN authors AS a ON a.id = t.id
ORDER BY t.id;
""",
    "pairs.sql": """
-- name: InsertPair :one
INSERT INTO pairs (id, p) VALUES (@id, @p) RETURNING *;

-- name: GetPair :one
SELECT * FROM pairs WHERE id = @id;
""",
}


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    return generate(
        tmp_path_factory.mktemp("api_v2"), SCHEMA, QUERIES, f"{unique('plugin_v2')}.queries"
    )


@pytest.fixture
def conn(scratch_db_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(scratch_db_url) as c:
        c.execute(SCHEMA)
        c.execute("INSERT INTO authors VALUES (1, 'Ann', NULL, NULL), (2, 'Bo', 'x', 1)")
        c.execute("INSERT INTO other.things VALUES (2, 'thing')")
        yield c
        c.rollback()


def test_one_returns_the_row_and_raises_not_found_without_a_row(gen: Generated, conn: Any) -> None:
    q = gen.module("authors")
    support = gen.module("support")
    assert q.get_author(conn, id=1).name == "Ann"
    with pytest.raises(support.NotFoundError, match="GetAuthor"):
        q.get_author(conn, id=99)
    assert "| None" not in gen.files["authors.py"].split("def get_author(")[1].split(":\n")[0]


def test_optional_annotation_returns_none_and_stays_out_of_the_docstring(
    gen: Generated, conn: Any
) -> None:
    q = gen.module("authors")
    assert q.find_author(conn, name="nobody") is None
    assert q.find_author(conn, name="Bo").id == 2
    assert inspect.getdoc(q.find_author) == "An author by name, if there is one."
    info = q.find_author.query
    assert info.annotation("optional") == ""
    assert info.annotation("role") == "system"  # unknown annotations are kept, not refused


def test_counts_and_insert_returning_are_not_optional(gen: Generated, conn: Any) -> None:
    source = gen.files["authors.py"]
    assert ") -> int:" in source.split("def count_authors(")[1]
    assert ") -> models.Author:" in source.split("def create_author(")[1]
    q = gen.module("authors")
    assert q.count_authors(conn) == 2
    created = q.create_author(conn, id=3, name="Cy")  # bio is sqlc.narg: may be left out
    assert created.bio is None


def test_only_narg_parameters_may_be_left_out(gen: Generated, conn: Any) -> None:
    q = gen.module("authors")
    signature = inspect.signature(q.set_bio)
    assert signature.parameters["bio"].default is inspect.Parameter.empty  # NULL must be said
    assert q.set_bio(conn, id=2, bio=None) == 1
    assert q.get_author(conn, id=2).bio is None


def test_self_join_nullability_is_per_table_reference(gen: Generated, conn: Any) -> None:
    rows_source = gen.files["authors.py"].split("class ListAuthorsWithParentRow")[1]
    assert "    name: str\n" in rows_source  # the inner side stays non-null
    assert "parent_name: str | None" in rows_source
    embed_source = gen.files["authors.py"].split("class EmbedAuthorsWithParentRow")[1]
    assert "    author: models.Author\n" in embed_source
    assert "models.Author | None" in embed_source
    rows = gen.module("authors").embed_authors_with_parent(conn)
    assert rows[0].author.name == "Ann"
    assert rows[0].author_2 is None
    assert rows[1].author_2.name == "Ann"


def test_void_function_result_is_typed_none(gen: Generated, conn: Any) -> None:
    assert ") -> None:" in gen.files["authors.py"].split("def lock_author(")[1]
    assert gen.module("authors").lock_author(conn, key=7) is None


def test_single_long_enum_gives_valid_python(gen: Generated) -> None:
    ast.parse(gen.files["enums.py"])
    enums = gen.module("enums")
    assert [name for name, _ in enums.ENUM_TYPES] == ["a_rather_long_enum_name"]


def test_schema_comments_become_model_docs(gen: Generated) -> None:
    models = gen.module("models")
    assert models.Author.__doc__ == "People who write books."
    assert models.Author.model_fields["name"].description == "The name printed on the cover."
    assert "A row of" not in gen.files["models.py"]


def test_metadata_names_tables_read_and_written(gen: Generated) -> None:
    q = gen.module("authors")
    assert q.get_author.query.reads == frozenset({"authors"})
    assert q.get_author.query.read_only
    assert q.set_bio.query.writes == frozenset({"authors"})
    assert not q.set_bio.query.read_only
    assert not q.lock_author.query.read_only  # an advisory lock is not a plain read
    assert [p.name for p in q.create_author.query.parameters] == ["id", "name", "bio"]
    aio = gen.module("aio.authors")
    assert aio.get_author.query is q.get_author.query


def test_no_iter_twin_without_stream_and_no_private_imports(gen: Generated) -> None:
    assert "def iter_" not in gen.files["authors.py"]
    for name, source in gen.files.items():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                assert not (
                    node.attr.startswith("_") and node.value.id in ("authors", "support")
                ), (
                    name,
                    node.attr,
                )


def test_embed_of_an_aliased_table_of_another_schema_gets_its_model(
    gen: Generated, conn: Any
) -> None:
    rows = gen.module("authors").list_things_with_author(conn)
    assert [(r.other_thing.label, r.name) for r in rows] == [("thing", "Bo")]
    assert type(rows[0].other_thing).__name__ == "OtherThing"


def test_composite_type_maps_to_a_named_tuple_both_ways(gen: Generated, conn: Any) -> None:
    models = gen.module("models")
    models.register_composites(conn)
    pairs = gen.module("pairs")
    created = pairs.insert_pair(conn, id=1, p_=models.PairType(a=7, b="seven"))
    assert created.p == models.PairType(a=7, b="seven")
    assert isinstance(pairs.get_pair(conn, id=1).p, models.PairType)


def test_generated_package_passes_ruff_and_mypy_strict(gen: Generated) -> None:
    # The async twins of `:one`, a void result, composites and another schema's embed
    # (`SELECT pg_advisory_lock(..)` was `-> None | None` and failed mypy before).
    project = Path(__file__).resolve().parents[2]
    pyproject = project / "pyproject.toml"
    bin_dir = Path(sys.executable).parent
    src_setting = f"src = ['{gen.src}']"
    for args in (
        ["ruff", "check", "--config", str(pyproject), "--config", src_setting, str(gen.src)],
        ["ruff", "format", "--check", "--config", str(pyproject), str(gen.src)],
        [
            "mypy",
            "--config-file",
            str(pyproject),
            "--strict",
            "--cache-dir",
            str(gen.root / ".mypy_cache"),
            "-p",
            gen.package.split(".")[0],
        ],
    ):
        result = subprocess.run(
            [str(bin_dir / args[0]), *args[1:]],
            cwd=project,
            env={**os.environ, "MYPYPATH": str(gen.src)},
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
