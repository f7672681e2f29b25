"""Constructs the plugin cannot type or run correctly fail `sqlc generate` with a clear message.

Each error case runs the generator in-process on the request sqlc sent for it (saved under
requests/ by tools/capture_plugin_requests.py); two cases still go through the real sqlc.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from sqlc_gen_psycopg.errors import PluginError
from sqlc_gen_psycopg.generate import generate as generate_files
from sqlc_gen_psycopg.request import parse_request

from .conftest import PLUGIN, generate, run_sqlc, write_project
from .error_cases import ERROR_CASES, NOTES_SCHEMA, PACKAGE, REQUESTS


def test_an_override_fixes_an_unknown_type(tmp_path: Path) -> None:
    gen = generate(
        tmp_path,
        NOTES_SCHEMA,
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


def test_plugin_refuses_protobuf_input_with_a_hint() -> None:
    with pytest.raises(PluginError) as caught:
        parse_request(b"\x0a\x02v1")
    assert "format: json" in "\n".join(caught.value.messages)


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


def saved_request_errors(case: str, root: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the generator in-process on the request sqlc sent for this case; its messages.

    The plugin also reads the query and schema files (macros and comments sqlc does not pass
    on) relative to sqlc's working directory, so the case's project is written under root.
    """
    schema, queries, options, _expected = ERROR_CASES[case]
    write_project(root, schema, queries, PACKAGE, options)
    monkeypatch.chdir(root)
    raw = (REQUESTS / f"{case}.json").read_bytes()
    with pytest.raises(PluginError) as caught:
        generate_files(parse_request(raw))
    return "\n".join(caught.value.messages)


def test_every_error_case_has_a_saved_request() -> None:
    saved = {p.stem for p in REQUESTS.glob("*.json")}
    assert saved == set(ERROR_CASES), "run tools/capture_plugin_requests.py"


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_each_plugin_error_names_the_place_and_the_fix(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = ERROR_CASES[case][3]
    out = saved_request_errors(case, tmp_path, monkeypatch)
    for part in expected:
        assert part in out, out


@pytest.mark.parametrize("case", ["execlastid", "unused_override_and_rename"])
def test_sqlc_itself_fails_with_the_plugin_message(case: str, tmp_path: Path) -> None:
    """End to end through the real sqlc: the plugin's messages reach the user, no traceback."""
    schema, queries, options, expected = ERROR_CASES[case]
    write_project(tmp_path, schema, queries, PACKAGE, options)
    result = run_sqlc(tmp_path)
    out = result.stderr + result.stdout
    assert result.returncode != 0, out
    assert "internal error" not in out, out
    for part in expected:
        assert part in out, out


def plugin_request_errors(query: dict[str, object]) -> str:
    """Run the generator on a hand-written request: for what sqlc itself already refuses."""
    request = {
        "settings": {"codegen": {"out": "src/x/queries"}, "queries": ["db/queries"]},
        "catalog": {"default_schema": "public", "schemas": [{"name": "public"}]},
        "queries": [{"filename": "items.sql", **query}],
    }
    with pytest.raises(PluginError) as caught:
        generate_files(parse_request(json.dumps(request).encode()))
    return "\n".join(caught.value.messages)


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
    assert expected in plugin_request_errors(query)
