"""`check_types: true`: run mypy --strict on the generated files before sqlc writes them.

The files are written under a temporary directory at their package path and checked by path
(`--explicit-package-bases`), so the rest of the application's package (override types such
as `chatdb.types`, the not-found exception) resolves from the environment as installed.
mypy must be importable by the interpreter running the plugin.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def mypy_errors(files: dict[str, str], package: str) -> list[str]:
    """mypy --strict's findings on the generated files, each prefixed with its path."""
    if importlib.util.find_spec("mypy") is None:
        return [
            "option `check_types: true` needs mypy installed beside sqlc-gen-psycopg "
            f"(in the environment of {sys.executable}); install it or drop the option"
        ]
    with tempfile.TemporaryDirectory(prefix="sqlc-gen-psycopg-") as tmp:
        root = Path(tmp)
        base = root.joinpath(*package.split("."))
        paths: list[str] = []
        for name, text in files.items():
            path = base / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            paths.append(str(path.relative_to(root)))
        config = root / "mypy.ini"
        config.write_text("[mypy]\n", encoding="utf-8")
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "mypy",
                "--strict",
                "--explicit-package-bases",
                "--no-incremental",
                "--config-file",
                str(config),
                *sorted(paths),
            ],
            cwd=root,
            env={**os.environ, "MYPYPATH": str(root)},
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
    if result.returncode == 0:
        return []
    found = [line for line in result.stdout.splitlines() if ": error:" in line]
    return [
        f"generated {line} (mypy --strict; a bug in sqlc-gen-psycopg or an override type "
        "that does not type-check, please report it)"
        for line in found or [result.stdout.strip() or result.stderr.strip()]
    ]
