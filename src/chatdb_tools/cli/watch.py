"""`chatdb watch "<SQL>" --every N`: re-run a query on one connection and redraw it."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from typing import Any

from psycopg.rows import dict_row

from chatdb_tools import migrations
from chatdb_tools.cli.db_commands import resolved
from chatdb_tools.cli.output import table


def cmd_watch(args: argparse.Namespace) -> int:
    target = resolved()
    redraw = sys.stdout.isatty() and not args.json
    # One persistent connection, like psql's \watch; each run is its own read-only
    # transaction so the query sees fresh data and can never write.
    with migrations.connect(target.url) as conn:
        conn.read_only = True
        iteration = 0
        while args.count is None or iteration < args.count:
            if iteration:
                time.sleep(args.every)
            iteration += 1
            with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
                cur.execute(args.sql.encode())
                rows: list[dict[str, Any]] = cur.fetchall() if cur.description else []
            stamp = datetime.now(UTC).isoformat(timespec="seconds")
            if args.json:
                print(json.dumps({"at": stamp, "rows": rows}, default=str), flush=True)
                continue
            if redraw:
                print("\x1b[H\x1b[2J", end="")
            print(f"{stamp}  (every {args.every:g}s)  {args.sql}")
            print(table(rows), flush=True)
    return 0


def register(sub: Any) -> None:
    w = sub.add_parser("watch", help="re-run a query every N seconds on one connection")
    w.add_argument("sql")
    w.add_argument("--every", type=float, default=2.0, metavar="N")
    w.add_argument("--count", type=int, default=None, help="stop after this many runs")
    w.set_defaults(handler=cmd_watch)
