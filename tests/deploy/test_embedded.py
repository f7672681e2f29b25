"""The embedded development server: one start at a time, and hands off other users' data."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .helpers import chatdb

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to make folders of other users")
NOBODY = 65534


def _tree(root: Path) -> list[tuple[str, int, int]]:
    return sorted(
        (str(p.relative_to(root)), p.stat().st_uid, p.stat().st_mode) for p in root.rglob("*")
    )


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A project folder every user may enter (pytest's own tmp_path is root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="chatdb_shared_"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def test_two_starts_at_once_on_a_fresh_folder_both_succeed(shared_folder: Path) -> None:
    # As root the server runs as pgserver's user, which must be able to enter the folder.
    tmp_path = shared_folder
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["CHATDB_HOME"] = str(tmp_path)
    command = [sys.executable, "-m", "chatdb_tools", "db", "start"]
    starts = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    try:
        results = [(*p.communicate(timeout=180), p.returncode) for p in starts]
        for _, err, code in results:
            assert code == 0, err
            assert "Traceback" not in err
        assert results[0][0] == results[1][0]  # the same server, the same URL
    finally:
        chatdb("db", "stop", url=None, env={"CHATDB_HOME": str(tmp_path)})


@as_root
def test_a_data_folder_of_another_user_is_refused_in_one_line_and_left_untouched(
    tmp_path: Path,
) -> None:
    pgdata = tmp_path / ".data" / "pg"
    pgdata.mkdir(parents=True)
    (pgdata / "PG_VERSION").write_text("16\n")
    os.chown(pgdata, NOBODY, NOBODY)
    os.chown(pgdata / "PG_VERSION", NOBODY, NOBODY)
    before = _tree(tmp_path)
    result = chatdb("db", "start", url=None, env={"CHATDB_HOME": str(tmp_path)}, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert f"data folder {pgdata} belongs to nobody, but this command runs as root" in lines[0]
    assert "left untouched" in lines[0]
    assert _tree(tmp_path) == before


# Run as `nobody` by dropping the effective user after start-up: the interpreter and the
# checkout may live where nobody cannot read, but the refusal needs nothing more.
AS_NOBODY = """
import os, sys
from chatdb.errors import ConfigError
from chatdb_tools import embedded
os.setegid(65534)
os.seteuid(65534)
try:
    embedded.start()
except ConfigError as exc:
    print(exc)
    sys.exit(2)
"""


@as_root
def test_a_root_made_data_folder_used_by_another_user_is_refused_in_one_line(
    shared_folder: Path,
) -> None:
    tmp_path = shared_folder
    pgdata = tmp_path / ".data" / "pg"
    pgdata.mkdir(parents=True)
    (pgdata / "PG_VERSION").write_text("16\n")
    before = _tree(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "-c", AS_NOBODY],
        env={**env, "CHATDB_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, lines
    assert f"data folder {pgdata} belongs to root, but this command runs as nobody" in lines[0]
    assert _tree(tmp_path) == before
