"""Fixtures for the plugin tests: run real `sqlc generate`, import the result, scratch databases.

`scratch_db_url` is an empty database on the server under test (the shared `server_url`).
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

VENV_BIN = Path(sys.executable).parent
PLUGIN = VENV_BIN / "sqlc-gen-psycopg"
SQLC = VENV_BIN / "sqlc"
HERE = Path(__file__).parent


@dataclass
class Generated:
    """A package written by `sqlc generate` through the plugin."""

    root: Path  # the directory holding sqlc.yaml and db/
    src: Path  # the src/ directory (put on sys.path)
    package: str  # dotted package of the generated code
    files: dict[str, str]  # path relative to the package dir -> source

    def module(self, name: str) -> Any:
        if str(self.src) not in sys.path:
            sys.path.insert(0, str(self.src))
        return importlib.import_module(f"{self.package}.{name}")


def sqlc_yaml(out: str, options: dict[str, Any]) -> str:
    config = {
        "version": "2",
        "plugins": [{"name": "py", "process": {"cmd": str(PLUGIN), "format": "json"}}],
        "sql": [
            {
                "engine": "postgresql",
                "schema": "db/schema.sql",
                "queries": "db/queries",
                "codegen": [{"plugin": "py", "out": out, "options": options}],
            }
        ],
    }
    return json.dumps(config, indent=2)  # JSON is YAML


def run_sqlc(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SQLC), "generate"], cwd=root, capture_output=True, text=True, check=False, timeout=60
    )


def write_project(
    root: Path,
    schema: str,
    queries: dict[str, str],
    package: str,
    options: dict[str, Any] | None = None,
    extra_files: dict[str, str] | None = None,
) -> None:
    (root / "db" / "queries").mkdir(parents=True, exist_ok=True)
    (root / "db" / "schema.sql").write_text(schema)
    for name, text in queries.items():
        (root / "db" / "queries" / name).write_text(text)
    out = "src/" + package.replace(".", "/")
    (root / "sqlc.yaml").write_text(sqlc_yaml(out, {"package": package, **(options or {})}))
    for rel, text in (extra_files or {}).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def generate(
    root: Path,
    schema: str,
    queries: dict[str, str],
    package: str,
    options: dict[str, Any] | None = None,
    extra_files: dict[str, str] | None = None,
) -> Generated:
    """Write a tiny sqlc project under root, run `sqlc generate`, return the package."""
    write_project(root, schema, queries, package, options, extra_files)
    result = run_sqlc(root)
    if result.returncode != 0:
        raise AssertionError(f"sqlc generate failed:\n{result.stdout}\n{result.stderr}")
    pkg_dir = root / "src" / package.replace(".", "/")
    files = {
        str(p.relative_to(pkg_dir)): p.read_text()
        for p in sorted(pkg_dir.rglob("*.py"))
        if "__pycache__" not in p.parts
    }
    return Generated(root=root, src=root / "src", package=package, files=files)


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def scratch_db_url(server_url: str) -> Iterator[str]:
    """A fresh database on the server under test (dropped afterwards); the caller loads a schema."""
    name = unique("plugin_test")
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = psycopg.conninfo.make_conninfo(server_url, dbname=name)
    try:
        yield url
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


CASES = HERE / "cases"
KITCHEN = CASES / "kitchen"


def kitchen_project(root: Path, package_root: str, options: dict[str, Any]) -> Generated:
    """The kitchen-sink case: every command kind and every type, one package per options."""
    queries = {p.name: p.read_text() for p in sorted((KITCHEN / "queries").glob("*.sql"))}
    return generate(
        root,
        (KITCHEN / "schema.sql").read_text(),
        queries,
        f"{package_root}.queries",
        {
            "overrides": [{"column": "chats.parts", "py_type": f"{package_root}.types.Parts"}],
            "rename": {"users.name": "display_name"},
            **options,
        },
        {
            f"src/{package_root}/__init__.py": "",
            f"src/{package_root}/types.py": (KITCHEN / "types.py").read_text(),
        },
    )


@pytest.fixture(scope="session")
def generated_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One src/ tree for every package generated in the session (linted together)."""
    return tmp_path_factory.mktemp("generated")


@pytest.fixture(scope="session")
def kitchen(generated_root: Path) -> Generated:
    """Default options (pydantic, sync + async) with a low parameter limit to get Params."""
    root = generated_root / "kitchen"
    root.mkdir()
    return kitchen_project(root, unique("plugin_gen"), {"query_parameter_limit": 3})


@pytest.fixture(scope="session")
def kitchen_dc(generated_root: Path) -> Generated:
    """Frozen dataclasses, async only, every query taking a Params object."""
    root = generated_root / "kitchen_dc"
    root.mkdir()
    return kitchen_project(
        root,
        unique("plugin_gen_dc"),
        {"emit_pydantic_models": False, "emit_sync": False, "query_parameter_limit": 0},
    )


@pytest.fixture(scope="session")
def kitchen_db(scratch_db_url: str) -> str:
    with psycopg.connect(scratch_db_url, autocommit=True) as conn:
        conn.execute((KITCHEN / "schema.sql").read_text().encode())
    return scratch_db_url
