"""Golden tests: real `sqlc generate` on small cases, compared with the committed output.

Refresh after an intended change with:
    SQLC_GEN_PSYCOPG_UPDATE_GOLDEN=1 .venv/bin/pytest tests/plugin/test_golden.py
The expected files end in `.golden` so the project's linters leave them alone.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from .conftest import generate

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("SQLC_GEN_PSYCOPG_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("case", sorted(p.name for p in GOLDEN.iterdir() if p.is_dir()))
def test_generated_code_matches_golden(case: str, tmp_path: Path) -> None:
    src = GOLDEN / case
    queries = {p.name: p.read_text() for p in sorted((src / "queries").glob("*.sql"))}
    options = json.loads((src / "options.json").read_text())
    gen = generate(tmp_path, (src / "schema.sql").read_text(), queries, "golden.queries", options)
    expected_dir = src / "expected"
    if UPDATE:
        shutil.rmtree(expected_dir, ignore_errors=True)
        for name, text in gen.files.items():
            path = expected_dir / f"{name}.golden"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    expected = {
        str(p.relative_to(expected_dir)).removesuffix(".golden"): p.read_text()
        for p in sorted(expected_dir.rglob("*.golden"))
    }
    assert sorted(gen.files) == sorted(expected), "file set differs; refresh the golden files?"
    for name, text in gen.files.items():
        assert text == expected[name], f"{case}/{name} differs from golden (see module docstring)"


def test_generation_is_deterministic(tmp_path: Path) -> None:
    src = GOLDEN / "sample"
    queries = {p.name: p.read_text() for p in (src / "queries").glob("*.sql")}
    options = json.loads((src / "options.json").read_text())
    schema = (src / "schema.sql").read_text()
    first = generate(tmp_path / "a", schema, queries, "golden.queries", options)
    second = generate(tmp_path / "b", schema, queries, "golden.queries", options)
    assert first.files == second.files
