"""A migration that adds columns changes no existing generated signature (issue 17, item 2):
whole-row queries say so (`SELECT *`, `c.*`, `RETURNING *`, `sqlc.embed`) and keep returning
the table's model."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
OUT = Path("src/chatdb/queries")

NEW_COLUMNS = """-- migrate:up
ALTER TABLE chats ADD COLUMN pinned boolean NOT NULL DEFAULT false;
ALTER TABLE messages ADD COLUMN edited_at timestamptz;
ALTER TABLE users ADD COLUMN nickname text;

-- migrate:down
ALTER TABLE users DROP COLUMN nickname;
ALTER TABLE messages DROP COLUMN edited_at;
ALTER TABLE chats DROP COLUMN pinned;
"""


def signatures(package: Path) -> dict[str, str]:
    """module:function -> its parameters and return annotation, for every public function."""
    found: dict[str, str] = {}
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef
            ) and not node.name.startswith("_"):
                returns = ast.unparse(node.returns) if node.returns else ""
                found[f"{path.relative_to(package)}:{node.name}"] = (
                    f"({ast.unparse(node.args)}) -> {returns}"
                )
    return found


def test_adding_columns_changes_no_generated_signature(tmp_path: Path) -> None:
    copy = tmp_path / "project"
    shutil.copytree(ROOT / "db", copy / "db")
    shutil.copy(ROOT / "sqlc.yaml", copy / "sqlc.yaml")
    (copy / OUT).mkdir(parents=True)
    (copy / "db" / "migrations" / "29991231000000_new_columns.sql").write_text(NEW_COLUMNS)
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [str(VENV_BIN / "sqlc"), "generate"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    before, after = signatures(ROOT / OUT), signatures(copy / OUT)
    changed = {
        name: (sig, after.get(name)) for name, sig in before.items() if after.get(name) != sig
    }
    assert changed == {}
    # The new columns did arrive: the whole-row queries return them.
    models = (copy / OUT / "models.py").read_text()
    assert "pinned: bool" in models
    assert "nickname: str | None" in models
