"""Constructs the plugin cannot type or run correctly fail `sqlc generate` with a clear message."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from .conftest import PLUGIN, generate, run_sqlc, write_project

SCHEMA = """
CREATE TABLE notes (
  id bigserial PRIMARY KEY,
  body text NOT NULL,
  price money,
  search tsvector
);
"""


def failing(tmp_path: Path, queries: str, options: dict[str, object] | None = None) -> str:
    write_project(tmp_path, SCHEMA, {"notes.sql": queries}, "errpkg.queries", options)
    result = run_sqlc(tmp_path)
    assert result.returncode != 0, result.stdout
    return result.stderr + result.stdout


def test_execlastid_is_refused_with_the_postgres_way(tmp_path: Path) -> None:
    out = failing(
        tmp_path,
        "-- name: CreateNote :execlastid\nINSERT INTO notes (body) VALUES (@body);\n",
        {
            "overrides": [
                {"db_type": "money", "py_type": "str"},
                {"db_type": "tsvector", "py_type": "str"},
            ]
        },
    )
    assert "db/queries/notes.sql: query CreateNote (:execlastid)" in out
    assert "RETURNING id" in out
    assert ":one" in out


def test_unknown_type_names_query_column_and_suggests_an_override(tmp_path: Path) -> None:
    out = failing(tmp_path, "-- name: GetNote :one\nSELECT id, search FROM notes WHERE id = @id;\n")
    assert "db/queries/notes.sql: query GetNote (:one): column 'search'" in out
    assert "'tsvector'" in out
    assert "override" in out
    assert "schema: table notes: column price" in out or "table notes: column price" in out


def test_an_override_fixes_an_unknown_type(tmp_path: Path) -> None:
    gen = generate(
        tmp_path,
        SCHEMA,
        {
            "notes.sql": "-- name: GetNote :one\nSELECT id, search, price FROM notes WHERE id = @id;\n"
        },
        "okpkg.queries",
        {
            "overrides": [
                {"db_type": "tsvector", "py_type": "str"},
                {"column": "notes.price", "py_type": "decimal.Decimal"},
            ]
        },
    )
    assert "    search: str | None\n" in gen.files["notes.py"]
    assert "    price: decimal.Decimal | None\n" in gen.files["notes.py"]


def test_bad_options_are_reported_by_key(tmp_path: Path) -> None:
    out = failing(
        tmp_path, "-- name: CountNotes :one\nSELECT count(*) FROM notes;\n", {"emit_sink": True}
    )
    assert "unknown plugin option(s) emit_sink" in out


def test_plugin_refuses_protobuf_input_with_a_hint() -> None:
    result = subprocess.run(
        [str(PLUGIN), "/plugin.CodegenService/Generate"],
        input=b"\x0a\x02v1",
        capture_output=True,
        check=False,
    )
    assert result.returncode == 1
    assert b"format: json" in result.stderr


def test_plugin_writes_base64_files_for_a_minimal_request() -> None:
    request = {"settings": {"codegen": {"out": "src/x/queries"}}, "catalog": {}, "queries": []}
    result = subprocess.run(
        [str(PLUGIN), "/plugin.CodegenService/Generate"],
        input=json.dumps(request).encode(),
        capture_output=True,
        check=True,
    )
    names = [f["name"] for f in json.loads(result.stdout)["files"]]
    # No empty modules: a schema without tables or enums gets no models.py / enums.py.
    assert names == ["__init__.py", "aio/__init__.py", "support.py"]


# One case per plugin error message: (extra schema, queries by file, options, expected parts).
ERROR_SCHEMA = """
CREATE EXTENSION IF NOT EXISTS citext;
CREATE SCHEMA other;
CREATE TYPE pair AS (a int, b int);
CREATE TABLE items (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  data jsonb NOT NULL DEFAULT '{}',
  codes char(3)[] NOT NULL DEFAULT '{}',
  labels citext[] NOT NULL DEFAULT '{}'
);
CREATE TABLE other.things (id bigint PRIMARY KEY);
"""
ERROR_CASES: dict[str, tuple[str, dict[str, str], dict[str, object], list[str]]] = {
    "slice_outside_in": (
        "",
        {
            "items.sql": "-- name: GetItems :many\nSELECT id FROM items WHERE id = ANY(sqlc.slice(ids));\n"
        },
        {},
        ["query GetItems (:many)", "must be used as `IN (sqlc.slice(ids))`"],
    ),
    "slice_cast_to_a_scalar": (
        "",
        {
            "items.sql": "-- name: GetItems :many\nSELECT id FROM items WHERE id IN (sqlc.slice(ids)::bigint);\n"
        },
        {},
        ["db/queries/items.sql: query GetItems", "with a cast must read", "leave it uncast"],
    ),
    "copyfrom_char_array": (
        "",
        {
            "items.sql": "-- name: CopyItems :copyfrom\nINSERT INTO items (name, codes) VALUES ($1, $2);\n"
        },
        {},
        ["query CopyItems (:copyfrom)", "column 'codes'", ":batchexec"],
    ),
    "citext_array_column": (
        "",
        {"items.sql": "-- name: GetLabels :many\nSELECT id, labels FROM items;\n"},
        {},
        ["query GetLabels (:many): column 'labels'", "citext arrays", "`col::text[]`"],
    ),
    "multidimensional_json_parameter": (
        "",
        {"items.sql": "-- name: F :many\nSELECT id FROM items WHERE data = ANY(@ds::jsonb[][]);\n"},
        {},
        ["parameter 'ds': multi-dimensional json arrays are not supported"],
    ),
    "generated_code_fails_mypy": (
        "",
        {"items.sql": "-- name: F :many\nSELECT id, name FROM items;\n"},
        {
            "check_types": True,
            "overrides": [{"column": "items.name", "py_type": "no_such_module.Name"}],
        },
        ["(mypy --strict;", "no_such_module"],
    ),
    "unnamed_parameter": (
        "",
        {"items.sql": "-- name: F :many\nSELECT id FROM items WHERE name = ANY($1::varchar[]);\n"},
        {},
        ["parameter $1 has no name sqlc can infer", "`dollar_1`", "unnamed_parameters: allow"],
    ),
    "untyped_parameter": (
        "",
        {"items.sql": "-- name: F :many\nSELECT id FROM items WHERE @flag IS NULL;\n"},
        {},
        ["parameter 'flag': sqlc could not infer", "`@flag::text`"],
    ),
    "two_tables_one_model": (
        "CREATE TABLE item (id int PRIMARY KEY);",
        {"items.sql": "-- name: F :many\nSELECT id FROM items;\n"},
        {},
        ["tables item and items both map to the model Item", "rename"],
    ),
    "two_queries_one_function": (
        "",
        {
            "items.sql": "-- name: GetItem :one\nSELECT name FROM items WHERE id = @id;\n\n"
            "-- name: GetITEM :one\nSELECT name FROM items WHERE id = @id;\n"
        },
        {},
        ["queries GetItem and GetITEM both give the function get_item; rename one"],
    ),
    "reserved_module_name": (
        "",
        {"models.sql": "-- name: F :many\nSELECT id FROM items;\n"},
        {},
        ["gives the module 'models', which clashes with a generated or reserved name"],
    ),
    "both_emit_flags_false": (
        "",
        {"items.sql": "-- name: F :many\nSELECT id FROM items;\n"},
        {"emit_sync": False, "emit_async": False},
        ["`emit_sync` and `emit_async` are both false"],
    ),
    "unused_override_and_rename": (
        "",
        {"items.sql": "-- name: F :many\nSELECT id FROM items;\n"},
        {
            "overrides": [
                {"column": "items.dta", "py_type": "str"},
                {"db_type": "jsonb", "py_type": "str", "nullable": True},
            ],
            "rename": {"itemz": "Thing", "items.nme": "title"},
        },
        [
            "overrides[0] (column: items.dta), overrides[1] (db_type: jsonb, nullable: true) "
            "match no column or type",
            "option `rename`: items.nme, itemz match no table",
        ],
    ),
    "nullable_on_a_column_override": (
        "",
        {"items.sql": "-- name: F :many\nSELECT id FROM items;\n"},
        {"overrides": [{"column": "items.data", "py_type": "str", "nullable": False}]},
        ["overrides[0]: `nullable` applies to `db_type` overrides only"],
    ),
    "bad_override_shape": (
        "",
        {"items.sql": "-- name: F :many\nSELECT id FROM items;\n"},
        {"overrides": [{"column": "items.data", "db_type": "jsonb", "py_type": "str"}]},
        ["overrides[0]: give exactly one of `column` or `db_type`"],
    ),
}


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_each_plugin_error_names_the_place_and_the_fix(case: str, tmp_path: Path) -> None:
    extra, queries, options, expected = ERROR_CASES[case]
    write_project(tmp_path, ERROR_SCHEMA + extra, queries, "errpkg.queries", options)
    result = run_sqlc(tmp_path)
    out = result.stderr + result.stdout
    assert result.returncode != 0, out
    assert "internal error" not in out, out
    for part in expected:
        assert part in out, out


def plugin_request(query: dict[str, object]) -> subprocess.CompletedProcess[bytes]:
    """Run the plugin on a hand-written request: for what sqlc itself already refuses."""
    request = {
        "settings": {"codegen": {"out": "src/x/queries"}, "queries": ["db/queries"]},
        "catalog": {"default_schema": "public", "schemas": [{"name": "public"}]},
        "queries": [{"filename": "items.sql", **query}],
    }
    return subprocess.run(
        [str(PLUGIN), "/plugin.CodegenService/Generate"],
        input=json.dumps(request).encode(),
        capture_output=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            {"name": "CopyItems", "cmd": ":copyfrom", "text": "UPDATE items SET name = 'x'"},
            "db/queries/items.sql: query CopyItems (:copyfrom): :copyfrom needs `INSERT INTO",
        ),
        (
            {"name": "Rename", "cmd": ":one", "text": "UPDATE items SET name = 'x'"},
            "query Rename (:one): :one needs a statement that returns rows; add RETURNING",
        ),
        (
            {"name": "Rename", "cmd": ":execfoo", "text": "SELECT 1"},
            "query Rename (:execfoo): unknown command ':execfoo'",
        ),
    ],
)
def test_requests_sqlc_refuses_are_refused_by_the_plugin_too(
    query: dict[str, object], expected: str
) -> None:
    result = plugin_request(query)
    assert result.returncode == 1
    assert expected in result.stderr.decode()
