"""The benchmark harness works: `python -m bench --smoke` runs every workload end to end.

Benchmarks are not tests (issue 9): this only checks that the harness runs against the
resolved database and writes a complete results file. CI installs only `.[dev]`, so the
SQLAlchemy and asyncpg baselines may be absent; they must then be reported as skipped, not
crash the run.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PER_CALL = {
    "get_user_by_id",
    "get_session_and_user",
    "list_messages_by_chat",
    "insert_message",
    "get_user_by_id_tx",
    "consume_credits",
}


def test_bench_smoke_runs_every_workload_and_writes_results(
    server_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "results.json"
    env = {**os.environ, "DATABASE_URL": server_url}
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads(out.read_text())

    assert results["mode"] == "smoke"
    cells = results["per_call"]
    assert {c["workload"] for c in cells} == PER_CALL
    assert {(c["mode"], c["clients"]) for c in cells} == {
        ("sync", 1), ("sync", 2), ("async", 1), ("async", 2)
    }  # fmt: skip
    for cell in cells:
        base = "psycopg" if cell["mode"] == "sync" else "psycopg async"
        assert cell["stats"][base]["calls"] > 0
        assert cell["stats"][base]["ratio"] == 1.0
    assert {b["name"] for b in results["bulk"]} >= {
        ":copyfrom (generated, chatdb.Database)",
        "psycopg COPY binary",
        "psycopg COPY binary, unindexed unconstrained copy (server ceiling)",
        "psycopg executemany (pipelined)",
        "psycopg row by row",
    }
    assert len(results["scaling"]) == 2
    assert {m["row_type"] for m in results["model_building"]} >= {"tuple", "dataclass", "pydantic"}
    assert results["explain"], "the EXPLAIN check found no generated statements"
    targets = {t["target"] for t in results["targets"]}
    assert targets >= {
        "one", "page", "dataclass", "copy", "keyset", "keyset_growth", "flow", "runtime_cost"
    }  # fmt: skip
    # The runtime's per-statement cost, with the profile that says where it goes.
    cost = results["runtime_cost"]
    assert cost["limit_us"] == 2.0 and len(cost["cost_iqr_us"]) == 2
    assert any("cursors.py" in row["function"] for row in cost["profile"])
    if importlib.util.find_spec("asyncpg") is not None:
        assert "page_asyncpg" in targets
    # Issue 19: every ratio comes with its spread over the rounds (smoke runs two rounds).
    page = next(c for c in cells if c["workload"] == "list_messages_by_chat" and c["clients"] == 1)
    q1, q3 = page["stats"]["chatdb.Database" if page["mode"] == "sync" else "chatdb.AsyncDatabase"][
        "ratio_iqr"
    ]
    assert 0 < q1 <= q3
    assert all(len(t["iqr"]) == 2 for t in results["targets"])
    assert results["pinning"] == {
        "pinned": False,
        "note": "not pinned (make bench PIN=1 pins client and server)",
    }

    cache = results["cache"]
    if "skipped" not in cache:  # no Redis on this machine
        assert set(cache["workloads"]) == {
            "usage_dashboard",
            "public_chat_page",
            "public_chat",
            "companion",
        }
        assert all(0 < w["hit_rate"] <= 1 for w in cache["workloads"].values())
        assert "cache" in {t["target"] for t in results["targets"]}
        assert "read cache" in result.stdout and "hit rate" in result.stdout

    skipped = {name: why for c in cells for name, why in c["skipped"].items()}
    if importlib.util.find_spec("sqlalchemy") is None:
        assert skipped["SQLAlchemy ORM"] == "skipped: sqlalchemy not installed"
    if importlib.util.find_spec("asyncpg") is None:
        assert skipped["asyncpg"] == "skipped: asyncpg not installed"
