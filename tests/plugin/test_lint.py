"""Generated code passes the project's ruff (check + format) and mypy --strict, as does the plugin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .conftest import Generated

PROJECT = Path(__file__).resolve().parents[2]
PYPROJECT = PROJECT / "pyproject.toml"
BIN = Path(sys.executable).parent


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, check=False, env=env, timeout=300
    )
    assert result.returncode == 0, f"{' '.join(args)}\n{result.stdout}\n{result.stderr}"


def test_generated_code_passes_ruff_and_mypy_strict(
    kitchen: Generated, kitchen_dc: Generated
) -> None:
    srcs = [kitchen.src, kitchen_dc.src]
    # The generated package lives in a src/ folder, as chatdb's does: tell ruff so that
    # isort sees it (and the override types next to it) as first-party.
    src_setting = "src = [" + ", ".join(f"'{s}'" for s in srcs) + "]"
    for s in srcs:
        run(
            [
                str(BIN / "ruff"),
                "check",
                "--config",
                str(PYPROJECT),
                "--config",
                src_setting,
                str(s),
            ],
            PROJECT,
        )
        run(
            [str(BIN / "ruff"), "format", "--check", "--config", str(PYPROJECT), str(s)],
            PROJECT,
        )
    env = {**os.environ, "MYPYPATH": os.pathsep.join(str(s) for s in srcs)}
    packages = [arg for g in (kitchen, kitchen_dc) for arg in ("-p", g.package.split(".")[0])]
    cache = kitchen.root.parent / ".mypy_cache"
    run(
        [
            str(BIN / "mypy"),
            "--config-file",
            str(PYPROJECT),
            "--strict",
            "--cache-dir",
            str(cache),
            *packages,
        ],
        kitchen.root.parent,
        env,
    )


def test_plugin_itself_passes_ruff_and_mypy_strict() -> None:
    plugin = PROJECT / "plugin" / "src" / "sqlc_gen_psycopg"
    run([str(BIN / "ruff"), "check", str(plugin)], PROJECT)
    run([str(BIN / "ruff"), "format", "--check", str(plugin)], PROJECT)
    run([str(BIN / "mypy"), "--strict", "-p", "sqlc_gen_psycopg"], PROJECT)
