"""The plugin is its own distribution: it installs alone and generates code without chatdb."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

PLUGIN_DIR = Path(__file__).resolve().parents[2] / "plugin"
SQLC = Path(sys.executable).parent / "sqlc"

SCHEMA = """
CREATE TABLE authors (
  id   BIGSERIAL PRIMARY KEY,
  name text      NOT NULL,
  bio  text
);
"""
QUERIES = """
-- name: GetAuthor :one
SELECT * FROM authors WHERE id = $1;

-- name: ListAuthors :many
SELECT * FROM authors ORDER BY name;
"""


@pytest.mark.slow
def test_plugin_installs_alone_and_generates_without_chatdb(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    subprocess.run(
        [str(bin_dir / "pip"), "install", "-q", "--disable-pip-version-check", str(PLUGIN_DIR)],
        check=True,
        timeout=300,
    )
    no_chatdb = subprocess.run([str(bin_dir / "python"), "-c", "import chatdb"], check=False)
    assert no_chatdb.returncode != 0, "installing the plugin must not install chatdb"

    project = tmp_path / "project"
    project.mkdir()
    (project / "schema.sql").write_text(SCHEMA)
    (project / "query.sql").write_text(QUERIES)
    (project / "sqlc.yaml").write_text(
        '{"version": "2", "plugins": [{"name": "py", "process": {"cmd": "'
        + str(bin_dir / "sqlc-gen-psycopg")
        + '", "format": "json"}}], "sql": [{"engine": "postgresql", "schema": "schema.sql", '
        '"queries": "query.sql", "codegen": [{"plugin": "py", "out": "tutorial"}]}]}'
    )
    subprocess.run([str(SQLC), "generate"], cwd=project, check=True, timeout=120)
    source = (project / "tutorial" / "query.py").read_text()
    assert "def get_author(" in source
    assert "-> list[models.Author]:" in source
