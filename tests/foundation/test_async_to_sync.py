"""tools/async_to_sync.py: what it takes out of an async module, and `--check` catching a
hand-edited, stale or orphaned sync twin (on a scratch copy of the project)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import libcst as cst

PROJECT = Path(__file__).resolve().parents[2]


def tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "async_to_sync", PROJECT / "tools/async_to_sync.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SOURCE = '''"""Read with `await fetch(conn)` on an `AsyncConnection`."""
import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import psycopg
import redis.asyncio as aioredis

from chatdb.aio import AsyncDatabase
from chatdb.queries.aio import chats as q


class Reader:
    async def __aenter__(self) -> "Reader":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()  # close the AsyncDatabase too

    async def rows(self, conn: psycopg.AsyncConnection[int]) -> AsyncIterator[int]:
        async with conn.transaction():
            async for row in conn.stream("SELECT 1"):
                yield row
        first = (await q.get_chat(conn))[0]
        items = [x async for x in conn.stream("SELECT 2")]

    async def run(self, fn: Callable[[AsyncDatabase], Awaitable[int]]) -> int:
        if True:  # ASYNC
            await asyncio.sleep(0)
        else:
            pass
        return await fn(self.db)
'''


def test_the_async_is_taken_out_and_names_and_modules_become_their_sync_twins() -> None:
    code = cst.parse_module(SOURCE).visit(tool().Unasync()).code
    assert (
        "async " not in code and "await" not in code and "Awaitable" not in code.split("\n", 3)[3]
    )
    assert '"""Read with `fetch(conn)` on an `Connection`."""' in code
    assert "import redis\n" in code and "aioredis" not in code
    assert "from chatdb.database import Database" in code
    assert "from chatdb.queries import chats as q" in code
    assert "def __enter__(self)" in code and "def __exit__(self, *exc: object)" in code
    assert "self.client.close()  # close the Database too" in code
    assert "def rows(self, conn: psycopg.Connection[int]) -> Iterator[int]:" in code
    assert "with conn.transaction():" in code and "for row in conn.stream" in code
    assert "first = q.get_chat(conn)[0]" in code
    assert "[x for x in conn.stream" in code
    assert "fn: Callable[[Database], int]" in code
    # The `if True:  # ASYNC` block is replaced by its `else:` block.
    assert "asyncio.sleep" not in code and "        pass\n" in code and "if True" not in code


def scratch_project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(PROJECT / "tools", root / "tools", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PROJECT / "pyproject.toml", root / "pyproject.toml")
    for folder in ("src/chatdb/aio", "src/chatdb/flows", "src/chatdb/cache"):
        shutil.copytree(
            PROJECT / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    for twin in ("database", "pools", "cursors", "connection_setup"):
        shutil.copy(PROJECT / f"src/chatdb/{twin}.py", root / f"src/chatdb/{twin}.py")
    return root


def check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "tools/async_to_sync.py", "--check"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_check_fails_on_a_hand_edited_twin_and_an_orphan_and_the_tool_repairs_the_edit(
    tmp_path: Path,
) -> None:
    root = scratch_project(tmp_path)
    assert check(root).returncode == 0
    twin = root / "src/chatdb/flows/tools.py"
    twin.write_text(twin.read_text().replace("InvalidTransition", "InvalidTransitio"))
    orphan = root / "src/chatdb/flows/gone.py"
    orphan.write_text("# Generated from src/chatdb/flows/aio/gone.py by tools/async_to_sync.py.\n")
    result = check(root)
    assert result.returncode == 1
    assert "stale: src/chatdb/flows/tools.py" in result.stderr
    assert "orphaned: src/chatdb/flows/gone.py" in result.stderr
    assert "make sync-twins" in result.stderr
    orphan.unlink()
    subprocess.run([sys.executable, "tools/async_to_sync.py"], cwd=root, check=True, timeout=120)
    assert check(root).returncode == 0
    assert twin.read_text() == (PROJECT / "src/chatdb/flows/tools.py").read_text()


RUNTIME_SOURCE = """import asyncio

from chatdb.aio.pools import AsyncTrackingPool
from chatdb.aio.cursors import AsyncConnection


async def pause(pool: AsyncTrackingPool) -> None:
    await asyncio.sleep(0.1)


__all__ = ["AsyncTrackingPool", "pause"]
"""


def test_the_runtime_modules_map_to_their_sync_twins() -> None:
    code = cst.parse_module(RUNTIME_SOURCE).visit(tool().Unasync()).code
    assert "from chatdb.pools import TrackingPool" in code
    assert "from chatdb.cursors import Connection" in code
    assert "    time.sleep(0.1)" in code and "asyncio.sleep" not in code
    assert '__all__ = ["TrackingPool", "pause"]' in code
