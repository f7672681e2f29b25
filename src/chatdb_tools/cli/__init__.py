"""The `chatdb` command (click): database lifecycle, migrations, health and a demo.

Each subcommand lives in a small module beside this one; errors a person can fix print as
one line (`chatdb: error: ...; fix`) instead of a traceback, usage mistakes included.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click
import psycopg

from chatdb.errors import ChatdbError, translate
from chatdb_tools.cli import app_commands, db_commands, demo, docs_command, seed, watch
from chatdb_tools.cli.base import cli
from chatdb_tools.cli.output import info

for module in (db_commands, app_commands, seed, demo, watch, docs_command):
    for command in module.COMMANDS:
        cli.add_command(command)


def main(argv: Sequence[str] | None = None) -> None:
    try:
        code = cli.main(
            args=list(argv) if argv is not None else None, prog_name="chatdb", standalone_mode=False
        )
    except click.UsageError as exc:
        hint = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
        info(f"error: {exc.format_message()}{hint}")
        sys.exit(2)
    except click.Abort:
        sys.exit(130)
    except ChatdbError as exc:
        info(f"error: {exc}")
        sys.exit(2)
    except psycopg.Error as exc:
        info(f"error: {translate(exc)}")
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
