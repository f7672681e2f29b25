"""`make bench PIN=1`: client and server on separate cores when the machine allows, reported
either way, and the server's cores given back afterwards (issue 19)."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import psycopg
import pytest

from chatdb_tools import target

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pinning() -> Iterator[ModuleType]:
    """The project's `bench.pinning` (this test package is also named `bench`)."""
    saved = {k: v for k, v in sys.modules.items() if k == "bench" or k.startswith("bench.")}
    for name in saved:
        del sys.modules[name]
    sys.path.insert(0, str(ROOT))
    try:
        yield importlib.import_module("bench.pinning")
    finally:
        sys.path.remove(str(ROOT))
        for name in [k for k in sys.modules if k == "bench" or k.startswith("bench.")]:
            del sys.modules[name]
        sys.modules.update(saved)


def _backend_cpus(url: str) -> set[int]:
    with psycopg.connect(url) as conn:
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
        return os.sched_getaffinity(pid)


def test_pinned_splits_the_cores_or_says_why_not(pinning: ModuleType, server_url: str) -> None:
    if target.resolve().source != "embedded":
        # Re-pinning a server other sessions use (DATABASE_URL) would slow them down.
        pytest.skip("pins only this worktree's embedded server")
    own = os.sched_getaffinity(0)
    with pinning.pinned(server_url, enabled=True) as pin:
        if len(own) < 2:
            assert pin["pinned"] is False and "core" in pin["note"]
        elif pin["pinned"]:
            # A backend forked now inherits the postmaster's cores; this process has the rest.
            assert _backend_cpus(server_url) == set(pin["server_cpus"])
            assert os.sched_getaffinity(0) == set(pin["client_cpus"])
            assert not set(pin["server_cpus"]) & set(pin["client_cpus"])
            assert pin["note"].startswith("pinned: client on CPU")
        else:  # a server of another user or another machine
            assert pin["note"].startswith("not pinned: ")
            assert os.sched_getaffinity(0) == own
    assert os.sched_getaffinity(0) == own
    if len(own) >= 2 and pin["pinned"]:
        assert _backend_cpus(server_url) >= own


def test_unpinned_run_says_so(pinning: ModuleType, server_url: str) -> None:
    own = os.sched_getaffinity(0)
    with pinning.pinned(server_url, enabled=False) as pin:
        assert pin == {
            "pinned": False,
            "note": "not pinned (make bench PIN=1 pins client and server)",
        }
        assert os.sched_getaffinity(0) == own
