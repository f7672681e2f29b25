"""Commands that work with the application schema: doctor, seed, maintain, refresh-stats, demo."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

import click
import psycopg
import psycopg.conninfo

from chatdb import Database, dburl
from chatdb.config import load_settings
from chatdb.connect_args import connect_kwargs
from chatdb.errors import ChatdbError
from chatdb.queries import health, maintenance, usage
from chatdb_tools import migrations
from chatdb_tools.cli.base import CONTEXT, json_option, run
from chatdb_tools.cli.db_commands import ROLES, resolved
from chatdb_tools.cli.logins import login_report
from chatdb_tools.cli.output import emit, info

# Settings a production server should have; doctor shows them beside their values.
_SETTINGS = (
    "server_version",
    "statement_timeout",
    "idle_in_transaction_session_timeout",
    "lock_timeout",
    "max_connections",
    "shared_buffers",
    "work_mem",
    "random_page_cost",
    "track_io_timing",
)


def _scalar(conn: Any, query: str, params: tuple[Any, ...] = ()) -> Any:
    row = conn.execute(query, params).fetchone()
    return row[0] if row else None


def _rows(items: list[Any]) -> list[dict[str, Any]]:
    return [item.model_dump() if hasattr(item, "model_dump") else dict(item) for item in items]


def cli_database(url: str) -> Database:
    """A one-connection Database for a CLI command. Its settings go through
    `load_settings`, so the environment is validated as for any application."""
    return Database(url, settings=load_settings(pool_min_size=0, pool_max_size=1))


# The role model (docs/decisions/001-role-model.md) as the grants in the migrations give it.
# chatdb_app has no privilege at all here: tokens, provider webhooks, the cross-user view.
APP_NO_ACCESS = frozenset(
    {"verification_tokens", "webhook_events", "usage_daily_stats", "app_settings"}
)
# Read-only for chatdb_system too: deployment settings are written by the migrator only.
SYSTEM_READ_ONLY = frozenset({"app_settings"})
# chatdb_app reads and writes these through column grants only (never password_hash).
APP_COLUMNS_ONLY = frozenset({"users"})
# Append-only for everyone: no UPDATE or DELETE even for chatdb_system.
APPEND_ONLY = frozenset({"credit_ledger"})
_DML = ("SELECT", "INSERT", "UPDATE", "DELETE")
_NEVER = ("TRUNCATE", "REFERENCES", "TRIGGER")

_GRANTS_SQL = """
SELECT c.relname, c.relkind, r.rolname,
       ARRAY(SELECT p FROM unnest(%s::text[]) AS p
             WHERE has_table_privilege(r.oid, c.oid, p)) AS table_privileges,
       has_any_column_privilege(r.oid, c.oid, 'SELECT') AS any_column_select
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
CROSS JOIN pg_roles AS r
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') AND NOT c.relispartition
  AND r.rolname IN ('chatdb_app', 'chatdb_system')
ORDER BY 1, 3
"""


def grant_problems(rows: list[tuple[str, str, str, list[str], bool]]) -> list[str]:
    """What in the grants departs from the role model; rows come from `_GRANTS_SQL`."""
    problems: list[str] = []
    for table, kind, role, privileges, any_column in rows:
        have = set(privileges)
        never = sorted(have & set(_NEVER))
        if never:
            problems.append(f"{role} has {', '.join(never)} on {table}")
        if table == "schema_migrations":
            if have or any_column:
                problems.append(f"{role} has privileges on schema_migrations")
            continue
        if role == "chatdb_app":
            if table in APP_NO_ACCESS and (have or any_column):
                problems.append(f"chatdb_app has privileges on {table} (system-only)")
            elif table in APP_COLUMNS_ONLY and have & set(_DML):
                problems.append(f"chatdb_app has table-wide {', '.join(sorted(have))} on {table}")
        elif role == "chatdb_system":
            if kind in ("v", "m") or table in SYSTEM_READ_ONLY:
                wanted = {"SELECT"}
                if table in SYSTEM_READ_ONLY and have & {"INSERT", "UPDATE", "DELETE"}:
                    problems.append(f"chatdb_system may write {table} (migrator only)")
            elif table in APPEND_ONLY:
                wanted = {"SELECT", "INSERT"}
            else:
                wanted = set(_DML)
            missing = sorted(wanted - have)
            if missing:
                problems.append(f"chatdb_system is missing {', '.join(missing)} on {table}")
        if table in APPEND_ONLY and have & {"UPDATE", "DELETE"}:
            problems.append(f"{role} may UPDATE/DELETE append-only {table}")
    return problems


def _ddl_problems(conn: Any) -> list[str]:
    """chatdb_app and chatdb_system run DML only: they own nothing and create nothing."""
    problems = []
    for role in ("chatdb_app", "chatdb_system"):
        owned = _scalar(
            conn,
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = %s",
            (role,),
        )
        if owned:
            problems.append(f"{role} owns {owned} object(s) in public (it could alter them)")
        if _scalar(conn, "SELECT has_schema_privilege(%s, 'public', 'CREATE')", (role,)):
            problems.append(f"{role} may CREATE in schema public (DDL)")
    return problems


def _setting_warnings(conn: Any) -> list[str]:
    """Defaults a connection gets when it sets nothing itself (psql, dbmate, other apps).

    chatdb's own pools set statement_timeout in every transaction, so these are warnings:
    they do not make doctor fail.
    """
    warnings = []
    for name, advice in (
        ("statement_timeout", "ALTER DATABASE/ROLE ... SET statement_timeout = '30s'"),
        (
            "idle_in_transaction_session_timeout",
            "ALTER DATABASE/ROLE ... SET idle_in_transaction_session_timeout = '60s'",
        ),
    ):
        if _scalar(conn, "SELECT current_setting(%s)", (name,)) in ("0", "0ms"):
            warnings.append(f"{name} is 0 (no limit) at the server/database/role level: {advice}")
    lc_messages = str(_scalar(conn, "SELECT current_setting('lc_messages')") or "")
    if lc_messages and not lc_messages.startswith(("C", "POSIX", "en")):
        warnings.append(
            f"lc_messages is {lc_messages}: chatdb tells StillReferenced from NotFoundError "
            "(23503) by PostgreSQL's English message; ALTER DATABASE ... SET lc_messages = 'C'"
        )
    return warnings


def connection_report(url: str, conn: Any) -> tuple[dict[str, Any], list[str]]:
    """What the application's pools will use to reach `url` (TCP keepalives, sslmode) and
    whether this connection is encrypted, with a warning for clear text to another host."""
    settings = load_settings()
    kwargs = connect_kwargs(settings, url)
    from_url = psycopg.conninfo.conninfo_to_dict(url).get("sslmode")
    sslmode = str(kwargs.get("sslmode") or from_url or "prefer (libpq default)")
    report = {
        "tcp_keepalives": bool(kwargs.get("keepalives")),
        "keepalives_idle_s": kwargs.get("keepalives_idle"),
        "keepalives_interval_s": kwargs.get("keepalives_interval"),
        "keepalives_count": kwargs.get("keepalives_count"),
        "sslmode": sslmode,
        "ssl_in_use": bool(
            _scalar(conn, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        ),
    }
    warnings = []
    if not dburl.is_local(url) and not report["ssl_in_use"]:
        warnings.append(
            "the connection to a remote server is not encrypted: set DB_SSLMODE=require "
            "(or verify-full with DB_SSLROOTCERT)"
        )
    if not report["tcp_keepalives"]:
        warnings.append("TCP keepalives are off (DB_TCP_KEEPALIVES): a dead peer goes unnoticed")
    return report, warnings


def _drift(target: dburl.ResolvedDatabase) -> tuple[list[str], str | None]:
    """The schema drift lines, or why drift could not be checked (a warning, not a problem)."""
    server, why = migrations.shadow_server(target.url, embedded_target=target.source == "embedded")
    if server is None:
        return [], why.replace("shadow check skipped", "schema drift not checked")
    try:
        return migrations.schema_drift(target.url, server).lines(), None
    except (ChatdbError, psycopg.Error) as exc:
        return [], f"schema drift not checked: {str(exc).splitlines()[0]}"


def cmd_doctor(args: argparse.Namespace) -> int:
    target = resolved()
    report: dict[str, Any] = {}
    problems: list[str] = []
    warnings: list[str] = []
    # A plain connection as the login role: doctor must work where roles or migrations are
    # missing (it reports that) and must not need dbmate, which logs in as chatdb_migrator.
    with migrations.connect(target.url) as conn:
        report["connectivity"] = {"server": _scalar(conn, "SELECT version()")}
        report["connection"], connection_warnings = connection_report(target.url, conn)
        warnings += connection_warnings
        roles = conn.execute(
            "SELECT r.rolname, r.rolbypassrls, pg_has_role(session_user, r.oid, 'MEMBER') "
            "FROM pg_roles r WHERE r.rolname = ANY (%s) ORDER BY 1",
            (list(ROLES),),
        ).fetchall()
        report["roles"] = [{"role": r, "bypassrls": b, "login_is_member": m} for r, b, m in roles]
        missing_roles = sorted(set(ROLES) - {r[0] for r in roles})
        if missing_roles:
            problems.append(
                f"roles missing: {', '.join(missing_roles)}: run `chatdb db roles` with a "
                "privileged connection"
            )
        # With a system login of its own, DATABASE_URL needs chatdb_app only; alone, all three.
        system_url = load_settings().database_system_url
        needed = {"chatdb_app"} if system_url else set(ROLES)
        not_member = [r for r, _, member in roles if not member and r in needed]
        if not_member:
            problems.append(
                f"the login role cannot SET ROLE to {', '.join(not_member)}: run `chatdb db roles` "
                "as this login (with a privileged connection)"
            )
        if not missing_roles:
            report["logins"], found, cautions = login_report(
                conn, system_url=system_url, development=target.source == "embedded"
            )
            problems += found
            warnings += cautions
        try:
            applied: set[str] | None = set(migrations.applied_versions(target.url))
        except psycopg.errors.InsufficientPrivilege:
            applied = None  # an application login may not read schema_migrations
        if applied is None:
            report["pending_migrations"] = "unknown"
            warnings.append(
                "pending migrations unknown: this login may not read schema_migrations "
                "(`chatdb status` with the migrating URL tells)"
            )
        else:
            pending = [v for v in migrations.migration_versions() if v not in applied]
            report["pending_migrations"] = pending
            if pending:
                problems.append(f"{len(pending)} pending migration(s): run `make migrate`")
        if not missing_roles:
            privileges = list(_DML + _NEVER)
            found = grant_problems(conn.execute(_GRANTS_SQL, (privileges,)).fetchall())
            found += _ddl_problems(conn)
            report["grants"] = found or ["as the role model says"]
            problems += found
        rls = conn.execute(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' "
            "AND c.relkind IN ('r', 'p') AND c.relname <> 'schema_migrations' "
            "AND NOT c.relispartition ORDER BY 1"
        ).fetchall()
        report["rls"] = [{"table": t, "enabled": e, "forced": f} for t, e, f in rls]
        disabled = [t for t, e, _ in rls if not e]
        if disabled:
            problems.append(f"RLS disabled on: {', '.join(disabled)}")
        unforced = [t for t, e, f in rls if e and not f]
        if unforced:
            problems.append(f"RLS enabled but not forced on: {', '.join(unforced)}")
        fks = _rows(health.list_foreign_keys_without_index(conn))
        report["foreign_keys_without_index"] = fks
        if fks:
            problems.append(f"{len(fks)} foreign key(s) without a covering index")
        report["unused_indexes"] = _rows(health.list_unused_indexes(conn))
        report["table_sizes"] = _rows(health.table_sizes(conn))[:15]
        report["settings"] = [
            {"name": name, "value": _scalar(conn, "SELECT current_setting(%s)", (name,))}
            for name in _SETTINGS
        ]
        warnings += _setting_warnings(conn)
    drift_lines, drift_warning = _drift(target)
    report["schema_drift"] = drift_lines
    if drift_lines:
        problems.append(
            f"schema drift: {len(drift_lines)} difference(s) from what the migrations build "
            "(`chatdb schema drift` lists them)"
        )
    if drift_warning:
        warnings.append(drift_warning)
    report["warnings"] = warnings
    report["problems"] = problems
    if args.json:
        emit(report, as_json=True)
    else:
        for section, value in report.items():
            print(f"\n== {section.replace('_', ' ')}")
            if (isinstance(value, list) and value and isinstance(value[0], dict)) or isinstance(
                value, dict
            ):
                emit(value, as_json=False)
            else:
                print("\n".join(map(str, value)) if value else "(none)")
    return 1 if problems else 0


def cmd_refresh_stats(args: argparse.Namespace) -> int:
    target = resolved()
    with cli_database(target.url) as db, db.system() as conn:
        usage.refresh_usage_daily_stats(conn)
    info("usage_daily_stats refreshed (CONCURRENTLY)")
    if args.json:
        emit({"refreshed": ["usage_daily_stats"]}, as_json=True)
    return 0


def cmd_maintain(args: argparse.Namespace) -> int:
    target = resolved()
    with cli_database(target.url) as db, db.system() as conn:
        created = maintenance.create_usage_log_partitions(
            conn, months_ahead=args.months_ahead, months_back=0
        )
        dropped = maintenance.drop_usage_log_partitions(
            conn, retention=dt.timedelta(days=args.retention_days)
        )
    emit({"created": created, "dropped": dropped}, as_json=args.json)
    return 0


@click.command("doctor", context_settings=CONTEXT)
@json_option
def doctor(json: bool) -> int:
    """Health report; exit 1 when something needs fixing.

    Connectivity, migrations, roles and grants, RLS, indexes, schema drift and settings;
    warnings do not count.
    """
    return run(cmd_doctor, json=json)


@click.command("refresh-stats", context_settings=CONTEXT)
@json_option
def refresh_stats(json: bool) -> int:
    """Refresh the usage materialized view (CONCURRENTLY)."""
    return run(cmd_refresh_stats, json=json)


@click.command("maintain", context_settings=CONTEXT)
@click.option(
    "--months-ahead",
    type=click.IntRange(0, 36),
    default=3,
    show_default=True,
    help="Create usage_logs partitions for this many coming months.",
)
@click.option(
    "--retention-days",
    type=click.IntRange(1, 36500),
    default=400,
    show_default=True,
    help="Drop usage_logs partitions that end more than this many days ago.",
)
@json_option
def maintain(months_ahead: int, retention_days: int, json: bool) -> int:
    """usage_logs partitions: create ahead, drop past retention.

    Run it daily.
    """
    return run(cmd_maintain, months_ahead=months_ahead, retention_days=retention_days, json=json)


COMMANDS = [doctor, refresh_stats, maintain]
