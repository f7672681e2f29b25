"""The click group every `chatdb` command hangs on, and how a command runs.

Each command is a click command that builds its arguments and calls a handler taking them as
one namespace (`handler(args) -> exit code`), so the handlers stay plain functions that tests
can call. `run` validates the environment first (every variable, whatever the command) and
resolves `--json`: a command that has a result accepts it before or after its name; one that
has none refuses it instead of ignoring it.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import click

from chatdb.config import load_settings
from chatdb.logs import configure_logging

F = TypeVar("F", bound=Callable[..., Any])
Handler = Callable[[argparse.Namespace], int]

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT)
@click.option(
    "--json",
    "json_",
    is_flag=True,
    help="Print the result as JSON on stdout (for commands with a result; "
    "also accepted after the command).",
)
def cli(json_: bool) -> None:
    """chatdb: the database of the chat product, its migrations, health checks and a demo.

    The database is DATABASE_URL when it is set, else the embedded development PostgreSQL
    in .data/pg (started on demand). `chatdb COMMAND --help` describes each command.
    """


def json_option(function: F) -> F:
    """`--json` on a command whose result has a JSON form."""
    decorated: F = click.option(
        "--json", "json", is_flag=True, help="Print the result as JSON on stdout."
    )(function)
    return decorated


def run(handler: Handler, **params: Any) -> int:
    """Validate the environment, resolve `--json`, then run `handler` with `params`."""
    context = click.get_current_context()
    global_json = bool(context.find_root().params.get("json_"))
    if "json" in params:
        params["json"] = bool(params["json"]) or global_json
    elif global_json:
        raise click.UsageError(
            f"--json has no meaning for `{context.command_path}` (it prints no result)"
        )
    else:
        params["json"] = False
    # Every variable is validated before any command runs (LOG_FORMAT included), so a bad
    # one fails here with its name, whatever the command.
    settings = load_settings()
    configure_logging(
        settings.log_format,
        logging.WARNING,
        service=settings.service,
        environment=settings.environment,
    )
    # The pool's own connection warnings repeat what the typed error already says.
    logging.getLogger("psycopg.pool").setLevel(logging.ERROR)
    return handler(argparse.Namespace(**params))
