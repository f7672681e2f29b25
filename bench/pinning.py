"""`make bench PIN=1`: the client and the server on separate cores, when the machine allows.

On a 2-core machine the bench process and the PostgreSQL backend it talks to otherwise share
both cores with everything else, and the scheduler moves them around: a ratio then carries
the migration noise of whichever variant was unlucky. Pinning does what `taskset` does
(`sched_setaffinity`): the server (its postmaster, so every backend forked afterwards, and
the processes already running) gets the first cores, this process the last one. It needs a
local server whose processes this user may re-pin (the embedded server, usually); otherwise
the run is reported as not pinned, with the reason. The server's affinity is put back at the
end.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg


def _parent(pid: int) -> int:
    # /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces and parens.
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if _parent(int(entry.name)) == parent:
                    found.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue  # exited meanwhile
    return found


def _server_processes(url: str) -> list[int]:
    """The postmaster of the server at `url` and its children; empty when not on this host."""
    with psycopg.connect(url, autocommit=True) as conn:
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
        postmaster = _parent(backend)
        if b"postgres" not in Path(f"/proc/{postmaster}/cmdline").read_bytes():
            return []
    return [postmaster, *_children(postmaster)]


@contextmanager
def pinned(url: str, *, enabled: bool) -> Iterator[dict[str, Any]]:
    """Pin when `enabled`; yields what was done (recorded in results.json and the README)."""
    if not enabled:
        yield {"pinned": False, "note": "not pinned (make bench PIN=1 pins client and server)"}
        return
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        yield {"pinned": False, "note": f"not pinned: {len(cpus)} core available"}
        return
    client, server = {cpus[-1]}, set(cpus[:-1])
    restore: dict[int, set[int]] = {}
    try:
        pids = _server_processes(url)
        if not pids:
            raise OSError("the server is not a process on this machine")
        for pid in pids:
            try:
                restore[pid] = os.sched_getaffinity(pid)
                os.sched_setaffinity(pid, server)
            except ProcessLookupError:
                continue  # a backend that just exited
    except (OSError, psycopg.Error) as exc:
        for pid, mask in restore.items():
            _set_quietly(pid, mask)
        yield {"pinned": False, "note": f"not pinned: {exc.__class__.__name__}: {exc}"}
        return
    own = os.sched_getaffinity(0)
    os.sched_setaffinity(0, client)
    try:
        yield {
            "pinned": True,
            "client_cpus": sorted(client),
            "server_cpus": sorted(server),
            "note": f"pinned: client on CPU {_cpus(client)}, server on CPU {_cpus(server)}",
        }
    finally:
        os.sched_setaffinity(0, own)
        postmaster = pids[0]
        # Backends forked while pinned inherited the server's cores: give them all back.
        for pid in [*restore, *_children(postmaster)]:
            _set_quietly(pid, restore.get(pid, restore.get(postmaster, set(cpus))))


def _cpus(cpus: set[int]) -> str:
    return ",".join(str(c) for c in sorted(cpus))


def _set_quietly(pid: int, mask: set[int]) -> None:
    with contextlib.suppress(OSError):  # exited, or no longer ours
        os.sched_setaffinity(pid, mask)
