"""Fail when the committed generated code differs from what sqlc generates now.

`sqlc diff` misses orphaned modules (a deleted query file leaves its module behind), so this
generates into a scratch copy of the project and compares the whole output folder.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def generated_dir() -> str:
    match = re.search(r"^\s*out:\s*(\S+)", (ROOT / "sqlc.yaml").read_text(), re.MULTILINE)
    if match is None:
        sys.exit("verify_generated: no `out:` in sqlc.yaml")
    return match.group(1)


def python_files(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*.py"))
        if "__pycache__" not in path.parts
    }


def main() -> int:
    out = generated_dir()
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        shutil.copy(ROOT / "sqlc.yaml", scratch / "sqlc.yaml")
        shutil.copytree(ROOT / "db", scratch / "db")
        result = subprocess.run(["sqlc", "generate"], cwd=scratch, capture_output=True, text=True)
        if result.returncode != 0:
            print(result.stderr, file=sys.stderr)
            return 1
        # `make generate` formats the output with the project's ruff settings; so do we.
        shutil.copy(ROOT / "pyproject.toml", scratch / "pyproject.toml")
        subprocess.run(["ruff", "format", "--quiet", out], cwd=scratch, check=True)
        fresh = python_files(scratch / out)
    committed = python_files(ROOT / out)
    problems = [
        f"stale: {out}/{name}" for name in sorted(fresh) if committed.get(name) != fresh[name]
    ]
    problems += [f"orphaned: {out}/{name}" for name in sorted(set(committed) - set(fresh))]
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print("generated code is out of date: run `make generate` and commit", file=sys.stderr)
        return 1
    print(f"generated code in {out} is fresh ({len(fresh)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
