"""Database lifecycle and migrations: `db start|stop|url|roles`, `migrate`, `rollback`, ..."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import click

from chatdb import dburl
from chatdb.config import load_settings
from chatdb.errors import ConfigError
from chatdb_tools import backup, embedded, migrations, pg_tools, project
from chatdb_tools.cli.base import CONTEXT, json_option, run
from chatdb_tools.cli.output import emit, info
from chatdb_tools.target import resolve


def resolved(start: bool = True, *, check: bool = True) -> dburl.ResolvedDatabase:
    """Resolve the database and say which one this command uses.

    With `check`, connect once first: an unreachable server, a missing database or role
    fails here within DB_CONNECT_TIMEOUT_S with libpq's reason, instead of a pool or dbmate
    waiting out its own timeout and blaming something else.
    """
    target = resolve(start=start)
    info(f"using {target.describe()}")
    if check:
        migrations.check_reachable(target.url, load_settings().connect_timeout_s)
    return target


def cmd_db_start(args: argparse.Namespace) -> int:
    url = embedded.start()
    info(f"embedded PostgreSQL running in {embedded.data_dir()}")
    print(url)
    return 0


def cmd_db_stop(args: argparse.Namespace) -> int:
    if embedded.stop():
        info(f"embedded PostgreSQL in {embedded.data_dir()} stopped")
    else:
        info("embedded PostgreSQL was not running")
    return 0


def cmd_db_url(args: argparse.Namespace) -> int:
    target = resolved(check=False)
    if args.json:
        emit({"url": target.url, "source": target.source}, as_json=True)
    else:
        print(target.url)
    return 0


ROLES = ("chatdb_migrator", "chatdb_system", "chatdb_app")


def cmd_db_roles(args: argparse.Namespace) -> int:
    target = resolved()
    migrations.apply_roles(target.url)
    info(f"roles {', '.join(ROLES)} provisioned")
    if args.json:
        emit({"provisioned": list(ROLES)}, as_json=True)
    return 0


def _provision_if_allowed(url: str) -> None:
    if migrations.can_provision_roles(url):
        migrations.apply_roles(url)
    else:
        info(
            "the login role cannot create roles: assuming `chatdb db roles` ran with a privileged one"
        )


def _shadow_check(target: dburl.ResolvedDatabase) -> None:
    """Prove the migrations on throwaway databases before they touch the target."""
    server, where = migrations.shadow_server(target.url, embedded_target=False)
    if server is None:
        info(where)
        return
    info(f"shadow check on {where}: applying every migration to a throwaway database")
    diff = migrations.check_shadow_catalog(server)
    if diff is not None:
        raise ConfigError(
            "the migrations do not build the committed db/schema/schema.sql:\n" + diff,
            fix="run `make generate` and commit the dump, or fix the migration",
        )


def cmd_migrate(args: argparse.Namespace) -> int:
    target = resolved()
    _provision_if_allowed(target.url)
    migrations.refuse_edited(target.url)
    if target.source == "DATABASE_URL" and not args.no_shadow_check:
        _shadow_check(target)
    backup_file = None
    with migrations.migration_lock(target.url):
        before = set(migrations.applied_versions(target.url))
        pending = [v for v in migrations.migration_versions() if v not in before]
        if args.backup is not None and pending:
            backup_file = backup.backup(target.url, args.backup)
            info(f"backup written to {backup_file} (restore: chatdb db restore {backup_file})")
        _dbmate(target.url, ["migrate"], args)
        after = migrations.applied_versions(target.url)
        migrations.record_checksums(target.url)
    written = None
    if target.source == "embedded" and args.write_schema and project.is_checkout():
        path = migrations.write_schema_dump(target.url)
        written = project.display(path)
        info(f"schema dump written to {written}")
    if args.json:
        applied = [v for v in after if v not in before]
        emit(
            {
                "applied": applied,
                "current": after[-1] if after else None,
                "schema_dump_written": written,
                "backup": str(backup_file) if backup_file else None,
            },
            as_json=True,
        )
    return 0


def _dbmate(url: str, command: list[str], args: argparse.Namespace) -> None:
    """dbmate, its own output kept off stdout under --json (stdout is the JSON result)."""
    result = migrations.run_dbmate(url, command, capture=args.json)
    if args.json and result.stdout:
        info(result.stdout.strip())


def cmd_rollback(args: argparse.Namespace) -> int:
    target = resolved()
    with migrations.migration_lock(target.url):
        before = migrations.applied_versions(target.url)
        _dbmate(target.url, ["rollback"], args)
        after = set(migrations.applied_versions(target.url))
    if args.json:
        emit({"rolled_back": [v for v in before if v not in after]}, as_json=True)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    target = resolved()
    files = migrations.migration_files()
    recorded = migrations.recorded_checksums(target.url)
    edited = set(migrations.edited_migrations(target.url))
    rows: list[dict[str, Any]] = []
    for version in sorted(set(files) | set(recorded)):
        rows.append(
            {
                "migration": files.get(version, f"{version} (file missing)"),
                "applied": version in recorded,
                "edited": version in edited,
            }
        )
    pending = [row for row in rows if not row["applied"]]
    if args.json:
        emit(rows, as_json=True)
    else:
        for row in rows:
            mark = "!" if row["edited"] else "X" if row["applied"] else " "
            note = "  (edited after it was applied)" if row["edited"] else ""
            print(f"[{mark}] {row['migration']}{note}")
        print(f"\nApplied: {len(rows) - len(pending)}\nPending: {len(pending)}")
        if edited:
            print(f"Edited after applying: {len(edited)}")
    return 1 if args.exit_code and (pending or edited) else 0


# What `make new-migration` writes: the shape every migration here has, so the file passes
# `make lint` and `make verify` as it stands (an empty body is a valid no-op migration).
MIGRATION_TEMPLATE = """\
-- domain: {name}
-- Why this change: say what it is for, and what it locks on a large table.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';


-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

"""


def _next_version(folder: Path, now: str) -> str:
    """`now`, or one second after the newest migration when that one is dated later (a
    clock behind a teammate's): dbmate applies and rolls back by version order, so a new
    migration must sort last, or `rollback` would undo someone else's."""
    import datetime as dt

    versions = [p.name.split("_", 1)[0] for p in folder.glob("*.sql")]
    newest = max((v for v in versions if v.isdigit() and len(v) == 14), default="")
    if newest < now:
        return now
    later = dt.datetime.strptime(newest, "%Y%m%d%H%M%S") + dt.timedelta(seconds=1)
    return later.strftime("%Y%m%d%H%M%S")


def cmd_new_migration(args: argparse.Namespace) -> int:
    import datetime as dt

    if not re.fullmatch(r"[a-z][a-z0-9_]*", args.name):
        raise ConfigError(
            f"migration name {args.name!r} is not snake_case", fix="use e.g. NAME=add_chat_tags"
        )
    folder = migrations.migrations_dir()
    stamp = _next_version(folder, dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S"))
    path = folder / f"{stamp}_{args.name}.sql"
    if path.exists():
        raise ConfigError(f"{path.name} exists already", fix="wait a second, or pick another name")
    path.write_text(MIGRATION_TEMPLATE.format(name=args.name))
    info(f"created {project.display(path)}")
    return 0


def cmd_schema_drift(args: argparse.Namespace) -> int:
    target = resolved()
    server, where = migrations.shadow_server(
        target.url, embedded_target=target.source == "embedded"
    )
    if server is None:
        raise ConfigError(
            "schema drift needs a throwaway database to build the migrations in, but this "
            "login cannot create databases",
            fix="set SHADOW_DATABASE_URL to a server (same major version) where it can",
        )
    found = migrations.schema_drift(target.url, server)
    if args.json:
        emit(found.as_dict(), as_json=True)
    elif found:
        print("\n".join(found.lines()))
    else:
        info(f"no drift: the database is what its applied migrations build (built on {where})")
    return 1 if found else 0


def cmd_db_reset(args: argparse.Namespace) -> int:
    """Drop, recreate and migrate the database (development).

    Roles and every migration are applied afresh. A DATABASE_URL database needs --yes.
    """
    target = resolved()
    if target.source != "embedded" and not args.yes:
        raise ConfigError(
            f"refusing to reset {target.describe()}: every row would be lost",
            fix="pass --yes to reset a DATABASE_URL database (development only)",
        )
    name = dburl.database_name(target.url)
    maintenance = dburl.with_database(target.url, "postgres")
    from psycopg import sql

    with migrations.connect(maintenance) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    migrations.apply_roles(target.url)
    with migrations.migration_lock(target.url):
        migrations.run_dbmate(target.url, ["migrate"], capture=True)
        migrations.record_checksums(target.url)
    info(
        f"database {name} reset: {len(migrations.applied_versions(target.url))} migrations applied"
    )
    return 0


def cmd_db_restore(args: argparse.Namespace) -> int:
    target = resolved()
    with migrations.migration_lock(target.url):
        backup.restore(target.url, args.file)
    info(f"restored {args.file} into {target.describe()}")
    return 0


def cmd_schema_dump(args: argparse.Namespace) -> int:
    target = resolved()
    path = migrations.write_schema_dump(target.url)
    info(f"schema dump written to {project.display(path)}")
    return 0


def cmd_schema_check(args: argparse.Namespace) -> int:
    target = resolved()
    diff = migrations.check_shadow(target.url)
    if diff is not None:
        raise ConfigError(
            "db/schema/schema.sql is stale:\n" + diff,
            fix="run `make generate` and commit db/schema/schema.sql",
        )
    info("db/schema/schema.sql matches the migrations")
    return 0


def cmd_migrations_roundtrip(args: argparse.Namespace) -> int:
    """up -> down (all) -> up on a throwaway database; both dumps must be identical."""
    target = resolved()
    with migrations.scratch_database(target.url, prefix="chatdb_roundtrip") as scratch:
        migrations.apply_roles(scratch)
        migrations.run_dbmate(scratch, ["up"], capture=True)
        first = migrations.dump_schema(scratch)
        count = len(list(migrations.migrations_dir().glob("*.sql")))
        for _ in range(count):
            migrations.run_dbmate(scratch, ["rollback"], capture=True)
        migrations.run_dbmate(scratch, ["up"], capture=True)
        second = migrations.dump_schema(scratch)
    if first != second:
        raise ConfigError(
            "up -> down -> up does not rebuild the same schema",
            fix="make every migrate:down undo exactly its migrate:up",
        )
    info(f"up -> down -> up: {count} migrations reversible, schema identical")
    return 0


def cmd_psql(args: argparse.Namespace) -> int:
    import os
    import shutil

    target = resolved()
    pgcli = shutil.which("pgcli") if not args.args else None  # psql's own options go to psql
    program = pgcli or str(pg_tools.find("psql", target.url))
    os.execv(program, [program, *args.args, target.url])
    return 0  # pragma: no cover - execv does not return


# -- the commands ---------------------------------------------------------------------------


@click.group("db", context_settings=CONTEXT)
def db_group() -> None:
    """The database: start, stop, url, roles, reset, restore."""


@db_group.command("start")
def db_start() -> int:
    """Start the embedded PostgreSQL and print its URL."""
    return run(cmd_db_start)


@db_group.command("stop")
def db_stop() -> int:
    """Stop the embedded PostgreSQL."""
    return run(cmd_db_stop)


@db_group.command("url")
@json_option
def db_url(json: bool) -> int:
    """Print the URL of the database commands use."""
    return run(cmd_db_url, json=json)


@db_group.command("roles")
@json_option
def db_roles(json: bool) -> int:
    """Provision the three roles (superuser or CREATEROLE login)."""
    return run(cmd_db_roles, json=json)


@db_group.command("reset")
@click.option(
    "--yes", is_flag=True, help="Also reset a DATABASE_URL database, not only the embedded one."
)
def db_reset(yes: bool) -> int:
    """Drop, recreate and migrate the database (development).

    Roles and every migration are applied afresh. A DATABASE_URL database needs --yes.
    """
    return run(cmd_db_reset, yes=yes)


@db_group.command("restore")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def db_restore(file: Path) -> int:
    """Restore FILE, a backup made by `migrate --backup`.

    Schema public is replaced by the backup's in one transaction. See docs/operations.md.
    """
    return run(cmd_db_restore, file=file)


@click.command("migrate", context_settings=CONTEXT)
@click.option(
    "--no-shadow-check",
    is_flag=True,
    help="Skip proving the migrations on a throwaway database first.",
)
@click.option(
    "--write-schema/--no-write-schema",
    default=True,
    show_default=True,
    help="On the embedded server, rewrite db/schema/schema.sql afterwards.",
)
@click.option(
    "--backup",
    type=click.Path(path_type=Path, file_okay=False),
    metavar="DIR",
    default=None,
    help="Before applying, write a restorable dump (pg_dump -Fc) of the database into DIR.",
)
@json_option
def migrate(no_shadow_check: bool, write_schema: bool, backup: Path | None, json: bool) -> int:
    """Apply pending migrations.

    Provisions roles when the login may, proves the migrations on a throwaway database
    (shadow check), applies them under an advisory lock as chatdb_migrator and records
    each one's checksum. An applied migration edited since is refused.
    """
    return run(
        cmd_migrate,
        no_shadow_check=no_shadow_check,
        write_schema=write_schema,
        backup=backup,
        json=json,
    )


@click.command("rollback", context_settings=CONTEXT)
@json_option
def rollback(json: bool) -> int:
    """Roll back the latest migration (its migrate:down section)."""
    return run(cmd_rollback, json=json)


@click.command("status", context_settings=CONTEXT)
@click.option(
    "--exit-code",
    is_flag=True,
    help="Exit 1 when a migration is pending or an applied one was edited.",
)
@json_option
def status(exit_code: bool, json: bool) -> int:
    """Applied, pending and edited migrations."""
    return run(cmd_status, exit_code=exit_code, json=json)


@click.command("new-migration", context_settings=CONTEXT)
@click.argument("name")
def new_migration(name: str) -> int:
    """Create a migration from a template that lints clean.

    Writes db/migrations/<timestamp>_NAME.sql with timeouts set in both sections.
    """
    return run(cmd_new_migration, name=name)


@click.group("schema", context_settings=CONTEXT)
def schema_group() -> None:
    """The schema dump (dump, check, roundtrip) and drift."""


@schema_group.command("dump")
def schema_dump() -> int:
    """Rewrite db/schema/schema.sql from a throwaway database."""
    return run(cmd_schema_dump)


@schema_group.command("check")
def schema_check() -> int:
    """Fail when db/schema/schema.sql is not what the migrations build."""
    return run(cmd_schema_check)


@schema_group.command("roundtrip")
def schema_roundtrip() -> int:
    """Prove up -> down -> up rebuilds the same schema."""
    return run(cmd_migrations_roundtrip)


@schema_group.command("drift")
@json_option
def schema_drift(json: bool) -> int:
    """Compare the live database with what its migrations build.

    Exits 1 on drift: tables, columns, indexes, constraints, policies, grants, views,
    functions, triggers and enums added, missing or defined differently.
    """
    return run(cmd_schema_drift, json=json)


@click.command(
    "psql",
    context_settings={**CONTEXT, "ignore_unknown_options": True, "help_option_names": ["--help"]},
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def psql(args: tuple[str, ...]) -> int:
    """Open psql on the database; ARGS go to psql.

    `chatdb psql -c 'SELECT 1'` runs one statement.

    Without ARGS, pgcli when it is installed.
    """
    return run(cmd_psql, args=list(args))


COMMANDS = [db_group, migrate, rollback, status, new_migration, schema_group, psql]
