"""The plugin's error cases: one tiny sqlc project per error message the plugin gives.

`tools/capture_plugin_requests.py` runs `sqlc generate` once per case with a plugin that only
saves its GenerateRequest to `requests/<case>.json`; `test_errors.py` then writes the case's
files (the plugin reads the query sources for macros) and runs the plugin's generator
in-process on the saved request, with no sqlc subprocess per case. Re-run the tool after
changing a case or upgrading sqlc; a test fails when a case has no saved request.
"""

from __future__ import annotations

from pathlib import Path

REQUESTS = Path(__file__).parent / "requests"
PACKAGE = "errpkg.queries"

NOTES_SCHEMA = """
CREATE TABLE notes (
  id bigserial PRIMARY KEY,
  body text NOT NULL,
  price money,
  search tsvector
);
"""

# One case per plugin error message: (schema, queries by file, options, expected parts).
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
    "execlastid": (
        NOTES_SCHEMA,
        {
            "notes.sql": "-- name: CreateNote :execlastid\nINSERT INTO notes (body) VALUES (@body);\n"
        },
        {
            "overrides": [
                {"db_type": "money", "py_type": "str"},
                {"db_type": "tsvector", "py_type": "str"},
            ]
        },
        ["db/queries/notes.sql: query CreateNote (:execlastid)", "RETURNING id", ":one"],
    ),
    "unknown_type": (
        NOTES_SCHEMA,
        {"notes.sql": "-- name: GetNote :one\nSELECT id, search FROM notes WHERE id = @id;\n"},
        {},
        [
            "db/queries/notes.sql: query GetNote (:one): column 'search'",
            "'tsvector'",
            "override",
            "table notes: column price",
        ],
    ),
    "unknown_option": (
        NOTES_SCHEMA,
        {"notes.sql": "-- name: CountNotes :one\nSELECT count(*) FROM notes;\n"},
        {"emit_sink": True},
        ["unknown plugin option(s) emit_sink"],
    ),
    "slice_outside_in": (
        ERROR_SCHEMA,
        {
            "items.sql": "-- name: GetItems :many\nSELECT id FROM items WHERE id = ANY(sqlc.slice(ids));\n"
        },
        {},
        ["query GetItems (:many)", "must be used as `IN (sqlc.slice(ids))`"],
    ),
    "slice_cast_to_a_scalar": (
        ERROR_SCHEMA,
        {
            "items.sql": "-- name: GetItems :many\nSELECT id FROM items WHERE id IN (sqlc.slice(ids)::bigint);\n"
        },
        {},
        ["db/queries/items.sql: query GetItems", "with a cast must read", "leave it uncast"],
    ),
    "copyfrom_char_array": (
        ERROR_SCHEMA,
        {
            "items.sql": "-- name: CopyItems :copyfrom\nINSERT INTO items (name, codes) VALUES ($1, $2);\n"
        },
        {},
        ["query CopyItems (:copyfrom)", "column 'codes'", ":batchexec"],
    ),
    "citext_array_column": (
        ERROR_SCHEMA,
        {"items.sql": "-- name: GetLabels :many\nSELECT id, labels FROM items;\n"},
        {},
        ["query GetLabels (:many): column 'labels'", "citext arrays", "`col::text[]`"],
    ),
    "multidimensional_json_parameter": (
        ERROR_SCHEMA,
        {"items.sql": "-- name: F :many\nSELECT id FROM items WHERE data = ANY(@ds::jsonb[][]);\n"},
        {},
        ["parameter 'ds': multi-dimensional json arrays are not supported"],
    ),
    "generated_code_fails_mypy": (
        ERROR_SCHEMA,
        {"items.sql": "-- name: F :many\nSELECT id, name FROM items;\n"},
        {
            "check_types": True,
            "overrides": [{"column": "items.name", "py_type": "no_such_module.Name"}],
        },
        ["(mypy --strict;", "no_such_module"],
    ),
    "unnamed_parameter": (
        ERROR_SCHEMA,
        {"items.sql": "-- name: F :many\nSELECT id FROM items WHERE name = ANY($1::varchar[]);\n"},
        {},
        ["parameter $1 has no name sqlc can infer", "`dollar_1`", "unnamed_parameters: allow"],
    ),
    "untyped_parameter": (
        ERROR_SCHEMA,
        {"items.sql": "-- name: F :many\nSELECT id FROM items WHERE @flag IS NULL;\n"},
        {},
        ["parameter 'flag': sqlc could not infer", "`@flag::text`"],
    ),
    "two_tables_one_model": (
        ERROR_SCHEMA + "CREATE TABLE item (id int PRIMARY KEY);",
        {"items.sql": "-- name: F :many\nSELECT id FROM items;\n"},
        {},
        ["tables item and items both map to the model Item", "rename"],
    ),
    "two_queries_one_function": (
        ERROR_SCHEMA,
        {
            "items.sql": "-- name: GetItem :one\nSELECT name FROM items WHERE id = @id;\n\n"
            "-- name: GetITEM :one\nSELECT name FROM items WHERE id = @id;\n"
        },
        {},
        ["queries GetItem and GetITEM both give the function get_item; rename one"],
    ),
    "reserved_module_name": (
        ERROR_SCHEMA,
        {"models.sql": "-- name: F :many\nSELECT id FROM items;\n"},
        {},
        ["gives the module 'models', which clashes with a generated or reserved name"],
    ),
    "both_emit_flags_false": (
        ERROR_SCHEMA,
        {"items.sql": "-- name: F :many\nSELECT id FROM items;\n"},
        {"emit_sync": False, "emit_async": False},
        ["`emit_sync` and `emit_async` are both false"],
    ),
    "unused_override_and_rename": (
        ERROR_SCHEMA,
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
        ERROR_SCHEMA,
        {"items.sql": "-- name: F :many\nSELECT id FROM items;\n"},
        {"overrides": [{"column": "items.data", "py_type": "str", "nullable": False}]},
        ["overrides[0]: `nullable` applies to `db_type` overrides only"],
    ),
    "bad_override_shape": (
        ERROR_SCHEMA,
        {"items.sql": "-- name: F :many\nSELECT id FROM items;\n"},
        {"overrides": [{"column": "items.data", "db_type": "jsonb", "py_type": "str"}]},
        ["overrides[0]: give exactly one of `column` or `db_type`"],
    ),
}
