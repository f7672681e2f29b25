"""`make stress`: the reliability scenarios run large, with a summary table.

    python -m tests.reliability.stress [--scale N] [--only NAME ...]
    python tests/reliability/stress.py

Runs against DATABASE_URL, else the embedded PostgreSQL, in a fresh migrated database of its
own (created and dropped here). Prints one table: per scenario the operations, transaction
retries, errors by class, invariant checks passed and seconds; exits 1 if an invariant broke.
"""

from __future__ import annotations

import argparse
import logging
import sys
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `reliability` as in pytest

from psycopg import sql

from chatdb import dburl
from chatdb_tools import migrations, target
from reliability import scenarios


def sizes(scale: int) -> dict[str, dict[str, Any]]:
    """Scenario sizes for `--scale` (1 = the default stress run, a minute or two on 2 cores)."""
    return {
        "credits_threads": {"threads": 32, "calls": 4000 * scale, "distinct": 1000 * scale},
        "credits_async": {"tasks": 32, "calls": 4000 * scale, "distinct": 1000 * scale},
        "referral_race": {"redeemers": 60 * scale, "threads": 32},
        "webhook_replay": {"threads": 32, "subscriptions": 10 * scale, "deliveries": 10},
        "daily_counters": {"threads": 32, "users_count": 4, "per_thread": 100 * scale},
        "tool_transitions": {"threads": 32, "executions": 40 * scale, "attempts_per_thread": 60},
        "credits_under_terminate": {"threads": 12, "calls": 300 * scale, "kills": 8},
        # On a cluster of its own (never the shared server): restarted under the load.
        "credits_under_restart": {"threads": 12, "calls": 300 * scale, "restarts": 2},
    }


def _quiet() -> None:
    """Only the table goes to the terminal: statement failures are expected under load."""
    for name in ("chatdb", "psycopg"):
        logger = logging.getLogger(name)
        logger.addHandler(logging.NullHandler())
        logger.propagate = False


def _database(server: str) -> tuple[str, str]:
    name = f"chatdb_stress_{uuid.uuid4().hex[:8]}"
    with migrations.connect(server) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = dburl.with_database(server, name)
    migrations.apply_roles(url)
    migrations.run_dbmate(url, ["migrate"], capture=True)
    return name, url


def _drop(server: str, name: str) -> None:
    with migrations.connect(server) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _table(rows: list[list[str]]) -> str:
    header = ["scenario", "operations", "retries", "errors by class", "checks passed", "seconds"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="multiply the sizes (default 1)")
    parser.add_argument("--only", nargs="*", choices=list(scenarios.SCENARIOS), default=None)
    args = parser.parse_args(argv)
    _quiet()
    server = target.resolve().url
    rows: list[list[str]] = []
    failed = False
    for name, params in sizes(args.scale).items():
        if args.only and name not in args.only:
            continue
        db_name, url = _database(server)
        try:
            outcome = scenarios.SCENARIOS[name](url, **params)
            errors = ", ".join(f"{k} {v}" for k, v in sorted(outcome.errors.items())) or "-"
            rows.append(
                [
                    outcome.scenario,
                    str(outcome.operations),
                    str(outcome.retries),
                    errors,
                    str(outcome.checks),
                    f"{outcome.seconds:.1f}",
                ]
            )
        except AssertionError as exc:
            failed = True
            rows.append([name, "-", "-", f"INVARIANT BROKEN: {exc}", "-", "-"])
        except Exception as exc:  # one broken scenario must not hide the table
            failed = True
            first = str(exc).splitlines()[0] if str(exc) else ""
            rows.append([name, "-", "-", f"CRASHED: {type(exc).__name__} 1 ({first})", "-", "-"])
        finally:
            _drop(server, db_name)
    print(_table(rows))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
