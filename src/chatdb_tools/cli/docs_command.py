"""`chatdb docs [--check] [--out docs/schema]`: the schema reference for DBAs.

Builds a throwaway database on the resolved server (embedded PostgreSQL, or DATABASE_URL),
applies the roles and every migration, and writes the reference generated from its catalog
(see `chatdb_tools.schema_docs`). `--check` writes nothing: it fails when the committed files differ
from what the current migrations and queries produce, or when a relation has no comment.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from chatdb.errors import ConfigError
from chatdb_tools import migrations, project

if TYPE_CHECKING:  # imported when the command runs: it needs pglast, a development tool
    from chatdb_tools import schema_docs
from chatdb_tools.cli.base import CONTEXT, run
from chatdb_tools.cli.db_commands import resolved
from chatdb_tools.cli.output import info

_NO_DOT = (
    "Graphviz `dot` not found: SVG diagrams skipped (install the Debian package graphviz); {what}"
)


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(project.work_dir()).as_posix()
    except ValueError:
        return str(path)


def _generate(args: argparse.Namespace) -> schema_docs.Output:
    docs = _schema_docs()
    target = resolved()
    with migrations.scratch_database(target.url, prefix="chatdb_docs") as url:
        migrations.apply_roles(url)
        migrations.run_dbmate(url, ["migrate"], capture=True)
        output: schema_docs.Output = docs.generate(url)
        return output


def _schema_docs() -> Any:
    try:
        from chatdb_tools import schema_docs
    except ModuleNotFoundError as exc:
        raise ConfigError(
            f"`chatdb docs` needs {exc.name}, a development tool that is not installed",
            fix="run `make install` (the dev extra)",
        ) from None
    return schema_docs


def cmd_docs(args: argparse.Namespace) -> int:
    docs = _schema_docs()
    out_dir: Path = args.out or docs.default_out_dir()
    shown = _shown(out_dir)
    output = _generate(args)
    if not output.svg_rendered:
        what = "--check compares the Markdown only" if args.check else "existing SVGs kept"
        info(_NO_DOT.format(what=what))
    missing = output.missing_comments
    if args.check:
        differences = docs.compare(output, out_dir)
        failed = False
        if missing:
            info(
                f"error: {len(missing)} relation(s) or function(s) without COMMENT ON: "
                f"{', '.join(missing)}; "
                "add a comment in a migration"
            )
            failed = True
        if differences:
            info(
                f"error: {shown} is stale ({len(differences)} file(s) differ from what the "
                "migrations and queries produce); run `chatdb docs` (make docs) and commit"
            )
            for line in differences:
                kind, name = line.split(": ", 1)
                print(f"  {kind}: {shown}/{name}")
            failed = True
        if failed:
            return 2
        info(f"{shown} is up to date ({len(output.files)} files)")
        return 0
    if missing:
        info(f"warning: relation(s) or function(s) without COMMENT ON: {', '.join(missing)}")
    changed = docs.write(output, out_dir)
    info(f"wrote {shown}: {len(output.files)} files, {len(changed)} changed")
    return 0


@click.command("docs", context_settings=CONTEXT)
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 2 when the committed docs are stale or a relation lacks a comment.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    metavar="DIR",
    help="Output directory (default: docs/schema).",
)
def docs(check: bool, out: Path | None) -> int:
    """Generate the schema reference (docs/schema).

    Read from a freshly migrated throwaway database.
    """
    return run(cmd_docs, check=check, out=out)


COMMANDS = [docs]
