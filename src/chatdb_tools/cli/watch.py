"""`chatdb watch "<SQL>" --every N`: re-run a query on one connection and redraw it."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from typing import Any

import click
from psycopg.rows import dict_row

from chatdb_tools import migrations
from chatdb_tools.cli.base import CONTEXT, json_option, run
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


@click.command("watch", context_settings=CONTEXT)
@click.argument("sql")
@click.option(
    "--every",
    type=click.FloatRange(min=0.1),
    default=2.0,
    show_default=True,
    metavar="SECONDS",
    help="Seconds between runs.",
)
@click.option(
    "--count",
    type=click.IntRange(min=1),
    default=None,
    help="Stop after this many runs (default: until interrupted).",
)
@json_option
def watch_command(sql: str, every: float, count: int | None, json: bool) -> int:
    """Re-run SQL every few seconds and redraw its rows.

    One read-only connection; with --json, one JSON line per run.
    """
    return run(cmd_watch, sql=sql, every=every, count=count, json=json)


COMMANDS = [watch_command]
