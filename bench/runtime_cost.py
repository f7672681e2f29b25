"""What the runtime's cursor costs per statement when the log level drops the record (issue 19:
statement logging, timing and error translation under 2 µs a call).

Three measurements, on one connection to the resolved database, the `chatdb.sql` logger at
INFO (statement records are DEBUG, so a fast statement's record is dropped):

- *A/B*: the same prepared one-row statement through psycopg's own cursor and through
  chatdb's (`cursors.Cursor`, what every pooled connection uses), alternating call by call on
  the same connection; the cost is the median of the paired differences over the rounds,
  with its IQR.
- *hooks*: the bookkeeping alone (a statement timer made and done), no I/O: `timeit`, best of 5.
- *profile*: cProfile over calls through chatdb's cursor; the functions of `chatdb.cursors`,
  `chatdb.statements` (what every statement goes through) and `chatdb.logs` with their own
  time per call (cProfile inflates each by its overhead).

`python -m bench.runtime_cost` prints them; `make bench` records them as `runtime_cost`.
"""

from __future__ import annotations

import cProfile
import logging
import pstats
import statistics
import time
import timeit
from typing import Any

import psycopg

from bench.harness import spread

QUERY = "-- name: RuntimeCost :one\nSELECT 1"
LIMIT_US = 2.0


def _calls(conn: Any, factory: Any, n: int) -> list[int]:
    conn.cursor_factory = factory
    clock = time.perf_counter_ns
    out = []
    for _ in range(n):
        t0 = clock()
        conn.execute(QUERY, prepare=True).fetchone()
        out.append(clock() - t0)
    return out


def _pairs(conn: Any, n: int) -> tuple[list[int], list[int]]:
    """`n` calls through each cursor, alternating call by call (which goes first flips), so
    both see the same moment of the machine's noise; the i-th of each list form a pair."""
    from chatdb import cursors

    clock = time.perf_counter_ns
    plain: list[int] = []
    mine: list[int] = []
    for i in range(n):
        for factory in (
            (psycopg.Cursor, cursors.Cursor) if i % 2 else (cursors.Cursor, psycopg.Cursor)
        ):
            conn.cursor_factory = factory
            t0 = clock()
            conn.execute(QUERY, prepare=True).fetchone()
            (plain if factory is psycopg.Cursor else mine).append(clock() - t0)
    return plain, mine


def _profile(conn: Any, n: int) -> list[dict[str, Any]]:
    from chatdb import cursors

    profiler = cProfile.Profile()
    profiler.enable()
    _calls(conn, cursors.Cursor, n)
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    rows = []
    for (path, line, func), (_, ncalls, tottime, cumtime, _) in stats.items():
        if path.endswith(("/chatdb/cursors.py", "/chatdb/statements.py", "/chatdb/logs.py")):
            rows.append({
                "function": f"{path.rsplit('/', 1)[-1]}:{line}({func})", "calls": ncalls,
                "own_us_per_call": round(1e6 * tottime / n, 3),
                "cumulative_us_per_call": round(1e6 * cumtime / n, 3),
            })  # fmt: skip
    return sorted(rows, key=lambda r: -r["own_us_per_call"])


def run(url: str, *, rounds: int = 15, calls: int = 400) -> dict[str, Any]:
    from chatdb import cursors, statements

    sql_logger = logging.getLogger("chatdb.sql")
    level = sql_logger.level
    sql_logger.setLevel(logging.INFO)
    try:
        with cursors.Connection.connect(url, autocommit=True) as conn:
            _calls(conn, psycopg.Cursor, 50)  # prepare, warm
            _calls(conn, cursors.Cursor, 50)
            plain_all: list[int] = []
            chatdb_all: list[int] = []
            diffs = []  # per round: the median of the paired differences, µs
            for _ in range(rounds):
                plain, mine = _pairs(conn, calls)
                plain_all += plain
                chatdb_all += mine
                diffs.append(
                    statistics.median(m - p for m, p in zip(mine, plain, strict=True)) / 1000
                )
            ctx_conn = conn

            def hooks() -> None:
                statements.StatementTimer(ctx_conn, QUERY).done(1)

            n = 100_000
            hooks_us = min(timeit.repeat(hooks, number=n, repeat=5)) / n * 1e6
            profile = _profile(conn, 3000)
    finally:
        sql_logger.setLevel(level)
    q1, q3 = spread(diffs)
    cost = statistics.median(diffs)
    return {
        "statement_us_psycopg_cursor": round(statistics.median(plain_all) / 1000, 2),
        "statement_us_chatdb_cursor": round(statistics.median(chatdb_all) / 1000, 2),
        "cost_us": round(cost, 3),
        "cost_iqr_us": [round(q1, 3), round(q3, 3)],
        "hooks_us": round(hooks_us, 3),
        "limit_us": LIMIT_US,
        "profile": profile,
    }


def text(result: dict[str, Any]) -> str:
    lines = [
        "runtime cost per statement, log record dropped (chatdb cursor - psycopg cursor):",
        f"  A/B: {result['statement_us_chatdb_cursor']:.2f} vs "
        f"{result['statement_us_psycopg_cursor']:.2f} µs, paired difference {result['cost_us']:.2f} µs "
        f"(IQR {result['cost_iqr_us'][0]:.2f}–{result['cost_iqr_us'][1]:.2f}); "
        f"bookkeeping alone {result['hooks_us']:.2f} µs; limit {result['limit_us']} µs",
        "  cProfile (own µs per statement, inflated by the profiler):",
    ]
    for row in result["profile"]:
        lines.append(f"    {row['function']:48} {row['own_us_per_call']:6.2f} own "
                     f"{row['cumulative_us_per_call']:8.2f} cumulative")  # fmt: skip
    return "\n".join(lines)


if __name__ == "__main__":
    from chatdb_tools import target

    print(text(run(target.resolve().url)))
