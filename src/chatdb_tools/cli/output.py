"""How the CLI prints: tables for people, `--json` for scripts, one-line errors, progress.

On a terminal, tables and progress bars are rich's; piped, a table is plain aligned text (so
scripts and logs get stable columns) and progress is a periodic line with rate and ETA.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any


def info(message: str) -> None:
    """A status line on stderr (stdout stays clean for data and --json)."""
    print(f"chatdb: {message}", file=sys.stderr, flush=True)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return str(value)


def plain_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    """A plain aligned text table."""
    if not rows:
        return "(no rows)"
    cols = list(columns or rows[0].keys())
    cells = [[_cell(row.get(c)) for c in cols] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(cols)]
    line = "  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))
    rule = "  ".join("-" * w for w in widths)
    body = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join([line, rule, *body])


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    """The rows as a table: rich's on a terminal, plain text otherwise."""
    if not rows or not sys.stdout.isatty():
        return plain_table(rows, columns)
    from rich.console import Console
    from rich.table import Table

    cols = list(columns or rows[0].keys())
    rendered = Table(*cols, header_style="bold")
    for row in rows:
        rendered.add_row(*(_cell(row.get(c)) for c in cols))
    console = Console()
    with console.capture() as captured:
        console.print(rendered)
    return captured.get().rstrip("\n")


def emit(data: Any, *, as_json: bool, columns: Sequence[str] | None = None) -> None:
    """Print rows (a list of mappings) or a mapping, as a table or as JSON."""
    if as_json:
        print(json.dumps(data, default=str, indent=2))
    elif isinstance(data, Mapping):
        print(table([{"key": k, "value": v} for k, v in data.items()]))
    else:
        print(table(data, columns))


class Progress:
    """Progress on stderr: rich's bar (rate, ETA) on a terminal; piped, a line every
    `every_s` seconds with the count, rate and ETA, and a last line when done."""

    def __init__(self, total: int, label: str, *, every_s: float = 5.0) -> None:
        self.total = max(total, 1)
        self.label = label
        self.done = 0
        self.every_s = every_s
        self.started = self.last_line = time.monotonic()
        self._bar: Any = None
        if sys.stderr.isatty():
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TaskProgressColumn,
                TextColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TaskProgressColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeRemainingColumn(),
                transient=False,
            )
            self._task = self._bar.add_task(label, total=self.total, rate="")
            self._bar.start()

    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def line(self) -> str:
        """`label: done/total (pct) rate/s, ETA Ns` — what a piped run prints."""
        rate = self.rate()
        left = (self.total - self.done) / rate if rate > 0 else float("inf")
        eta = f"ETA {left:.0f}s" if left != float("inf") else "ETA ?"
        pct = 100 * min(self.done, self.total) / self.total
        return f"{self.label}: {self.done}/{self.total} ({pct:.0f}%) {rate:.1f}/s, {eta}"

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(self._task, advance=n, rate=f"{self.rate():.1f}/s")
            return
        now = time.monotonic()
        if now - self.last_line >= self.every_s:
            self.last_line = now
            info(self.line())

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            return
        elapsed = time.monotonic() - self.started
        info(f"{self.label}: {self.done}/{self.total} in {elapsed:.1f}s ({self.rate():.1f}/s)")
