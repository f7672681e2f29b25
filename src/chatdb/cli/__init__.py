"""The `chatdb` command: database lifecycle, migrations, health and demo.

Each subcommand lives in a small module and registers itself on the parser; errors that
a person can fix print as one line (`chatdb: error: ...; fix`) instead of a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

import psycopg

from chatdb.cli import db_commands
from chatdb.cli.output import info
from chatdb.config import load_settings
from chatdb.errors import ChatdbError, translate
from chatdb.logs import configure_logging


def _accept_json_everywhere(parser: argparse.ArgumentParser) -> None:
    """`--json` after the subcommand too (`chatdb status --json`), at every level.

    SUPPRESS as the default keeps a subcommand from resetting the global flag to False.
    """
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                child.add_argument(
                    "--json", action="store_true", default=argparse.SUPPRESS, help=_JSON_HELP
                )
                _accept_json_everywhere(child)


_JSON_HELP = "machine-readable output"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chatdb", description=__doc__)
    parser.add_argument("--json", action="store_true", help=_JSON_HELP)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    db_commands.register(sub)
    db_commands.register_psql(sub)
    for module_name in ("chatdb.cli.watch", "chatdb.cli.app_commands", "chatdb.cli.docs_command"):
        try:
            module = __import__(module_name, fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.register(sub)
    _accept_json_everywhere(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        # Every variable is validated before any command runs (LOG_FORMAT included), so a
        # bad one fails here with its name, whatever the command.
        settings = load_settings()
        configure_logging(
            settings.log_format,
            logging.WARNING,
            service=settings.service,
            environment=settings.environment,
        )
        # The pool's own connection warnings repeat what the typed error already says.
        logging.getLogger("psycopg.pool").setLevel(logging.ERROR)
        code = args.handler(args)
    except ChatdbError as exc:
        info(f"error: {exc}")
        sys.exit(2)
    except psycopg.Error as exc:
        info(f"error: {translate(exc)}")
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(code or 0)
