"""The `chatdb` console script: says in one line which extra to install when click is missing.

`pip install chatdb` is the runtime alone; the command line comes with the `cli` extra (and
with `migrate`, which deployments install).
"""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from chatdb_tools.cli import main as run
    except ModuleNotFoundError as exc:
        if exc.name not in ("click", "rich"):
            raise
        print(
            f"chatdb: error: the command line needs {exc.name}, which is not installed; "
            "pip install 'chatdb[cli]' (or 'chatdb[migrate]' to deploy migrations)",
            file=sys.stderr,
        )
        sys.exit(2)
    run()
