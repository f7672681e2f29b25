"""Constructs the plugin cannot type or run correctly fail `sqlc generate` with a clear message."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

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
    assert names == ["__init__.py", "aio/__init__.py", "enums.py", "models.py"]
