"""The query set generated with `emit_pydantic_models: false` (frozen, slotted dataclasses),
for the bench only: the documented fast mode, measured beside the default pydantic rows.

`sqlc generate` runs through the installed plugin on a copy of the project's sqlc.yaml and
db/ with its own options (overrides included) plus `emit_pydantic_models: false`, into
`bench/out/dataclass_mode/` (ignored by git, rewritten each run, so it never goes stale). The package is
`chatdb_dataclass_mode`; it imports `chatdb.types` for the typed JSON columns like the real one.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out" / "dataclass_mode"
PACKAGE = "chatdb_dataclass_mode"


def _config(project: str) -> str:
    """The project's sqlc.yaml, retargeted: same options, package renamed, dataclasses."""
    out = re.search(r"^(\s*)out:\s*(\S+)", project, re.MULTILINE)
    package = re.search(r"^(\s*)package:\s*(\S+)", project, re.MULTILINE)
    if out is None or package is None:
        raise RuntimeError("dataclass mode: sqlc.yaml has no `out:` or `package:`")
    indent = package.group(1)
    text = project.replace(out.group(0), f"{out.group(1)}out: src/{PACKAGE}", 1)
    return text.replace(
        package.group(0),
        f"{indent}package: {PACKAGE}\n{indent}emit_pydantic_models: false",
        1,
    )


def load(module: str) -> ModuleType:
    """`chatdb_dataclass_mode.<module>` (e.g. "messages", "aio.messages"), generated on first use."""
    src = OUT / "src"
    if str(src) not in sys.path:
        if OUT.exists():
            shutil.rmtree(OUT)
        OUT.mkdir(parents=True)
        (OUT / "sqlc.yaml").write_text(_config((ROOT / "sqlc.yaml").read_text()))
        shutil.copytree(ROOT / "db", OUT / "db")
        bin_dir = Path(sys.executable).parent  # sqlc and the plugin, as `make generate` runs them
        env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
        done = subprocess.run(
            [str(bin_dir / "sqlc"), "generate"],
            cwd=OUT,
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
        if done.returncode != 0:
            raise RuntimeError(f"sqlc generate (dataclass mode) failed:\n{done.stderr}")
        sys.path.insert(0, str(src))
    return importlib.import_module(f"{PACKAGE}.{module}")
