"""How the CLI prints: readable tables for people, `--json` for scripts, one-line errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any


def info(message: str) -> None:
    """A status line on stderr (stdout stays clean for data and --json)."""
    print(f"chatdb: {message}", file=sys.stderr, flush=True)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return str(value)


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
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


def emit(data: Any, *, as_json: bool, columns: Sequence[str] | None = None) -> None:
    """Print rows (a list of mappings) or a mapping, as a table or as JSON."""
    if as_json:
        print(json.dumps(data, default=str, indent=2))
    elif isinstance(data, Mapping):
        print(table([{"key": k, "value": v} for k, v in data.items()]))
    else:
        print(table(data, columns))


class Progress:
    """A one-line progress bar on stderr (silent when stderr is not a terminal)."""

    def __init__(self, total: int, label: str) -> None:
        self.total = max(total, 1)
        self.label = label
        self.done = 0
        self.enabled = sys.stderr.isatty()

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self.enabled:
            width = 30
            filled = int(width * min(self.done, self.total) / self.total)
            bar = "#" * filled + "." * (width - filled)
            print(
                f"\r{self.label} [{bar}] {self.done}/{self.total}",
                end="",
                file=sys.stderr,
                flush=True,
            )

    def close(self) -> None:
        if self.enabled:
            print(file=sys.stderr)
        else:
            info(f"{self.label}: {self.done}/{self.total}")
