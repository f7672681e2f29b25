"""The embedded PostgreSQL that chatdb uses when `DATABASE_URL` is unset.

It is pgserver's PostgreSQL 16, with its data in the git-ignored `.data/pg` folder of the
project. It is started on demand, left running so later commands reuse it, and stopped with
`chatdb db stop`. It listens on a unix socket only, inside its data folder.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import time
import warnings
from pathlib import Path

from chatdb.errors import ConfigError

EMBEDDED_DATABASE = "chatdb"


def project_root() -> Path:
    """The folder holding `sqlc.yaml` and `db/`: `CHATDB_HOME`, else the nearest parent of cwd."""
    if home := os.environ.get("CHATDB_HOME"):
        return Path(home).resolve()
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if (candidate / "db" / "migrations").is_dir():
            return candidate
    return here


def data_dir() -> Path:
    """Where the embedded server keeps its cluster."""
    return project_root() / ".data" / "pg"


def pg_bin_dir() -> Path:
    """pgserver's `pginstall/bin`: the one `pg_dump`/`psql`/`pgbench` every machine uses."""
    spec = importlib.util.find_spec("pgserver")
    if spec is None or spec.origin is None:
        raise ConfigError(
            "pgserver is not installed, so there is no embedded PostgreSQL",
            fix="run `make install`, or set DATABASE_URL to a server you run",
        )
    return Path(spec.origin).parent / "pginstall" / "bin"


def _postmaster_pid(pgdata: Path) -> int | None:
    pid_file = pgdata / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def is_running() -> bool:
    """Whether the embedded server of this project is up."""
    return _postmaster_pid(data_dir()) is not None


def server_url(database: str = EMBEDDED_DATABASE) -> str:
    """The libpq URL of a database on the embedded server (unix socket, superuser)."""
    return f"postgresql://postgres@/{database}?host={data_dir()}"


def start() -> str:
    """Start the embedded server if needed; return the URL of the `chatdb` database."""
    pgdata = data_dir()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    was_running = is_running()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            import pgserver
        except ImportError as exc:  # pragma: no cover - install problem
            raise ConfigError(
                "pgserver is not installed, so there is no embedded PostgreSQL",
                fix="run `make install`, or set DATABASE_URL",
            ) from exc
        try:
            # cleanup_mode=None: the server outlives this process, later commands reuse it.
            pgserver.get_server(pgdata, cleanup_mode=None)  # type: ignore[attr-defined]
        except Exception as exc:
            log = pgdata / "log"
            raise ConfigError(
                f"the embedded PostgreSQL in {pgdata} did not start ({exc.__class__.__name__})",
                fix=f"read {log}, or remove {pgdata} to start afresh",
            ) from exc
    if not was_running:
        _tune(pgdata)
    _ensure_database(EMBEDDED_DATABASE)
    return server_url()


# pgserver's defaults suit a notebook; the test suite, benchmarks and stress runs open more
# connections than its 100. Applied once, on a server this process just started.
_SETTINGS = {"max_connections": "300"}


def _tune(pgdata: Path) -> None:
    import psycopg

    with psycopg.connect(server_url("postgres"), autocommit=True) as conn:
        stale = {
            name: value
            for name, value in _SETTINGS.items()
            if str(conn.execute("SELECT current_setting(%s)", (name,)).fetchone()[0]) != value  # type: ignore[index]
        }
        for name, value in stale.items():
            conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")  # constants above, not input
    if stale:
        from pgserver import _commands  # the same pg_ctl, run as pgserver's system user

        user = "pgserver" if os.geteuid() == 0 else None
        log = str(pgdata / "log")
        _commands.pg_ctl(  # type: ignore[attr-defined]
            ["-w", "-l", log, "restart", "-m", "fast"], pgdata=pgdata, user=user, timeout=60
        )


def _ensure_database(name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(server_url("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            # A concurrent command may create it first.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def stop(timeout: float = 30.0) -> bool:
    """Stop the embedded server (fast shutdown). Returns False when it was not running."""
    pgdata = data_dir()
    pid = _postmaster_pid(pgdata)
    if pid is None:
        return False
    os.kill(pid, signal.SIGINT)  # "fast" shutdown: roll back open transactions, then exit
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _postmaster_pid(pgdata) is None:
            return True
        time.sleep(0.1)
    raise ConfigError(
        f"the embedded PostgreSQL (pid {pid}) did not stop within {timeout:.0f} s",
        fix=f"kill {pid} by hand",
    )
