"""Commands that work with the application schema: doctor, seed, maintain, refresh-stats, demo."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from chatdb import Database, migrations
from chatdb.cli.db_commands import resolved
from chatdb.cli.output import emit, info
from chatdb.queries import health, maintenance, usage

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


def cmd_doctor(args: argparse.Namespace) -> int:
    target = resolved()
    report: dict[str, Any] = {}
    problems: list[str] = []
    status = migrations.run_dbmate(target.url, ["status"], capture=True).stdout
    pending = [line[4:] for line in status.splitlines() if line.startswith("[ ]")]
    report["pending_migrations"] = pending
    if pending:
        problems.append(f"{len(pending)} pending migration(s): run `make migrate`")
    with Database(target.url, pool_min_size=0, pool_max_size=1) as db, db.system() as conn:
        report["connectivity"] = {"server": _scalar(conn, "SELECT version()")}
        roles = conn.execute(
            "SELECT r.rolname, r.rolbypassrls, pg_has_role(session_user, r.oid, 'MEMBER') "
            "FROM pg_roles r WHERE r.rolname LIKE 'chatdb\\_%' ORDER BY 1"
        ).fetchall()
        report["roles"] = [{"role": r, "bypassrls": b, "login_is_member": m} for r, b, m in roles]
        if {r[0] for r in roles} != {"chatdb_app", "chatdb_migrator", "chatdb_system"}:
            problems.append("roles missing: run `chatdb db roles` with a privileged connection")
        rls = conn.execute(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' "
            "AND c.relkind IN ('r', 'p') AND c.relname <> 'schema_migrations' "
            "AND NOT c.relispartition ORDER BY 1"
        ).fetchall()
        report["rls"] = [{"table": t, "enabled": e, "forced": f} for t, e, f in rls]
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
    with Database(target.url, pool_min_size=0, pool_max_size=1) as db, db.system() as conn:
        usage.refresh_usage_daily_stats(conn)
    info("usage_daily_stats refreshed (CONCURRENTLY)")
    return 0


def cmd_maintain(args: argparse.Namespace) -> int:
    target = resolved()
    with Database(target.url, pool_min_size=0, pool_max_size=1) as db, db.system() as conn:
        created = maintenance.create_usage_log_partitions(
            conn, months_ahead=args.months_ahead, months_back=0
        )
        dropped = maintenance.drop_usage_log_partitions(
            conn, retention=dt.timedelta(days=args.retention_days)
        )
    emit({"created": created, "dropped": dropped}, as_json=args.json)
    return 0


def register(sub: Any) -> None:
    d = sub.add_parser("doctor", help="health report (exit 1 when something needs fixing)")
    d.set_defaults(handler=cmd_doctor)
    sub.add_parser("refresh-stats", help="refresh the materialized views").set_defaults(
        handler=cmd_refresh_stats
    )
    m = sub.add_parser("maintain", help="usage_logs partitions: create ahead, drop past retention")
    m.add_argument("--months-ahead", type=int, default=3)
    m.add_argument("--retention-days", type=int, default=400)
    m.set_defaults(handler=cmd_maintain)
    from chatdb.cli import demo, seed

    seed.register(sub)
    demo.register(sub)
