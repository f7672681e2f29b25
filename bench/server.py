"""The server's own limit: pgbench select-only on the same server, one client.

pgbench initialises its small standard database (scale 1) in a throwaway database of its own
and runs `-S -M prepared -c 1 -T <seconds>`: one prepared primary-key SELECT per
transaction, with no Python at all. Its per-transaction latency is what a point read costs
the server and libpq; raw psycopg's point read is compared with it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from chatdb_tools import embedded, migrations


def pgbench_binary() -> str | None:
    try:
        path = embedded.pg_bin_dir() / "pgbench"
    except Exception:
        path = Path("/nonexistent")
    return str(path) if path.exists() else shutil.which("pgbench")


def run(server_url: str, seconds: int) -> dict[str, float | str]:
    binary = pgbench_binary()
    if binary is None:
        return {"skipped": "pgbench not found"}
    with migrations.scratch_database(server_url, prefix="chatdb_pgbench") as url:
        init = subprocess.run(
            [binary, "-i", "-s", "1", "-q", url], capture_output=True, text=True, check=False
        )
        if init.returncode != 0:
            return {"skipped": f"pgbench -i failed: {init.stderr.strip()[-200:]}"}
        result = subprocess.run(
            [binary, "-n", "-S", "-M", "prepared", "-c", "1", "-T", str(seconds), url],
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        return {"skipped": f"pgbench failed: {result.stderr.strip()[-200:]}"}
    tps = re.search(r"tps = ([\d.]+)", result.stdout)
    latency = re.search(r"latency average = ([\d.]+) ms", result.stdout)
    if not tps or not latency:
        return {"skipped": "could not read pgbench output"}
    return {"tps": float(tps.group(1)), "latency_us": float(latency.group(1)) * 1000}
