"""Database lifecycle and migrations: `db start|stop|url|roles`, `migrate`, `rollback`, ..."""

from __future__ import annotations

import argparse
import re
from typing import Any

from chatdb import dburl, embedded, migrations
from chatdb.cli.output import emit, info
from chatdb.config import load_settings
from chatdb.errors import ConfigError


def resolved(start: bool = True, *, check: bool = True) -> dburl.ResolvedDatabase:
    """Resolve the database and say which one this command uses.

    With `check`, connect once first: an unreachable server, a missing database or role
    fails here within DB_CONNECT_TIMEOUT_S with libpq's reason, instead of a pool or dbmate
    waiting out its own timeout and blaming something else.
    """
    target = dburl.resolve(start=start)
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


def cmd_migrate(args: argparse.Namespace) -> int:
    target = resolved()
    _provision_if_allowed(target.url)
    if target.source == "DATABASE_URL" and not args.no_shadow_check:
        info("shadow check: applying every migration to a throwaway database")
        diff = migrations.check_shadow(target.url)
        if diff is not None:
            raise ConfigError(
                "the migrations do not build the committed db/schema/schema.sql:\n" + diff,
                fix="run `make generate` and commit the dump, or fix the migration",
            )
    with migrations.migration_lock(target.url):
        before = set(migrations.applied_versions(target.url))
        _dbmate(target.url, ["migrate"], args)
        after = migrations.applied_versions(target.url)
    written = None
    if target.source == "embedded" and args.write_schema:
        path = migrations.write_schema_dump(target.url)
        written = str(path.relative_to(embedded.project_root()))
        info(f"schema dump written to {written}")
    if args.json:
        applied = [v for v in after if v not in before]
        emit(
            {
                "applied": applied,
                "current": after[-1] if after else None,
                "schema_dump_written": written,
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
    result = migrations.run_dbmate(target.url, ["status"], capture=True)
    if args.json:
        rows: list[dict[str, Any]] = []
        for line in result.stdout.splitlines():
            match = re.match(r"\[(X| )\] (\S+)", line)
            if match:
                rows.append({"migration": match.group(2), "applied": match.group(1) == "X"})
        emit(rows, as_json=True)
    else:
        print(result.stdout, end="")
    return 0


def cmd_new_migration(args: argparse.Namespace) -> int:
    if not re.fullmatch(r"[a-z][a-z0-9_]*", args.name):
        raise ConfigError(
            f"migration name {args.name!r} is not snake_case", fix="use e.g. NAME=add_chat_tags"
        )
    import subprocess

    subprocess.run(
        [
            migrations.dbmate_binary(),
            "--migrations-dir",
            str(migrations.migrations_dir()),
            "new",
            args.name,
        ],
        check=True,
    )
    return 0


def cmd_schema_dump(args: argparse.Namespace) -> int:
    target = resolved()
    path = migrations.write_schema_dump(target.url)
    info(f"schema dump written to {path.relative_to(embedded.project_root())}")
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


def register(sub: Any) -> None:
    db = sub.add_parser("db", help="the database itself: start|stop|url|roles")
    dbsub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    dbsub.add_parser("start", help="start the embedded PostgreSQL").set_defaults(
        handler=cmd_db_start
    )
    dbsub.add_parser("stop", help="stop the embedded PostgreSQL").set_defaults(handler=cmd_db_stop)
    dbsub.add_parser("url", help="print the resolved database URL").set_defaults(handler=cmd_db_url)
    dbsub.add_parser("roles", help="provision roles (privileged connection)").set_defaults(
        handler=cmd_db_roles
    )

    m = sub.add_parser("migrate", help="apply pending migrations (shadow check, advisory lock)")
    m.add_argument(
        "--no-shadow-check",
        action="store_true",
        help="skip proving the migrations on a throwaway database first",
    )
    m.add_argument(
        "--no-write-schema",
        dest="write_schema",
        action="store_false",
        help="on the embedded server, do not rewrite db/schema/schema.sql",
    )
    m.set_defaults(handler=cmd_migrate)
    sub.add_parser("rollback", help="roll back the latest migration").set_defaults(
        handler=cmd_rollback
    )
    sub.add_parser("status", help="applied and pending migrations").set_defaults(handler=cmd_status)
    n = sub.add_parser("new-migration", help="create db/migrations/<timestamp>_<name>.sql")
    n.add_argument("name")
    n.set_defaults(handler=cmd_new_migration)

    s = sub.add_parser("schema", help="the schema dump: dump|check|roundtrip")
    ssub = s.add_subparsers(dest="schema_command", required=True, metavar="ACTION")
    ssub.add_parser(
        "dump", help="rewrite db/schema/schema.sql from a shadow database"
    ).set_defaults(handler=cmd_schema_dump)
    ssub.add_parser("check", help="fail when db/schema/schema.sql is stale").set_defaults(
        handler=cmd_schema_check
    )
    ssub.add_parser(
        "roundtrip", help="prove up -> down -> up rebuilds the same schema"
    ).set_defaults(handler=cmd_migrations_roundtrip)


def cmd_psql(args: argparse.Namespace) -> int:
    import os
    import shutil

    target = resolved()
    pgcli = shutil.which("pgcli")
    program = pgcli or str(embedded.pg_bin_dir() / "psql")
    os.execv(program, [program, target.url])
    return 0  # pragma: no cover - execv does not return


def register_psql(sub: Any) -> None:
    sub.add_parser("psql", help="open psql (or pgcli) on the resolved database").set_defaults(
        handler=cmd_psql
    )
