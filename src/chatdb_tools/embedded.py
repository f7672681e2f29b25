"""The embedded PostgreSQL that the chatdb tooling uses when `DATABASE_URL` is unset.

It is pgserver's PostgreSQL 16, with its data in the git-ignored `.data/pg` folder of the
project. The CLI and the make targets start it on demand (the runtime never does), leave it
running so later commands reuse it, and `chatdb db stop` stops it. It listens on a unix
socket only, inside its data folder.

Starting is serialised by a file lock beside the data folder, so two commands started at
once on a fresh clone (two `make demo`) make one cluster and both use it. A data folder that
belongs to another user is refused before anything touches it: pgserver would otherwise hand
it to its own `pgserver` user when run as root, or fail half-way when not.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import os
import pwd
import signal
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

from chatdb.errors import ConfigError
from chatdb_tools import project

EMBEDDED_DATABASE = "chatdb"
# When run as root, pgserver runs PostgreSQL as this unprivileged system user.
ROOT_RUNS_AS = "pgserver"


def data_dir() -> Path:
    """Where the embedded server keeps its cluster."""
    return project.work_dir() / ".data" / "pg"


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _allowed_owners() -> set[int]:
    """The owners of a data folder this process may use without damaging it.

    As root, pgserver runs PostgreSQL as its `pgserver` user and hands the folder to it (a
    folder root made and pgserver has not yet handed over is root's); otherwise the folder
    must be this user's own.
    """
    me = os.geteuid()
    if me != 0:
        return {me}
    try:
        return {0, pwd.getpwnam(ROOT_RUNS_AS).pw_uid}
    except KeyError:
        return {0}


def _refuse(path: Path, owner: int) -> ConfigError:
    who = _user_name(os.geteuid())
    return ConfigError(
        f"the embedded PostgreSQL data folder {path} belongs to {_user_name(owner)}, but this "
        f"command runs as {who}; it was left untouched",
        fix="run the command as the user who made it, or set CHATDB_HOME to a folder of "
        f"{who}'s own, or set DATABASE_URL",
    )


def check_ownership(pgdata: Path | None = None) -> None:
    """Refuse, in one line and before touching anything, a data folder of another user."""
    pgdata = pgdata or data_dir()
    try:
        if pgdata.exists() and (owner := pgdata.stat().st_uid) not in _allowed_owners():
            raise _refuse(pgdata, owner)
        parent = pgdata.parent
        if parent.exists() and os.geteuid() != 0 and not os.access(parent, os.W_OK):
            raise _refuse(parent, parent.stat().st_uid)
    except PermissionError:
        who = _user_name(os.geteuid())
        raise ConfigError(
            f"the embedded PostgreSQL data folder {pgdata} cannot be reached by {who} "
            "(permission denied); it was left untouched",
            fix="run the command as the user who made it, or set CHATDB_HOME to a folder of "
            f"{who}'s own, or set DATABASE_URL",
        ) from None


@contextlib.contextmanager
def _start_lock(pgdata: Path) -> Iterator[None]:
    """An exclusive lock beside the data folder for the whole start (initdb, tune, database)."""
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    with open(pgdata.parent / "pg.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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
    check_ownership(pgdata)
    try:
        with _start_lock(pgdata):
            return _start_locked(pgdata)
    except PermissionError as exc:  # e.g. a .data of another user that we may not write
        raise ConfigError(
            f"the embedded PostgreSQL data folder {pgdata} cannot be used by this user "
            f"({exc.strerror}); it was left untouched",
            fix="run the command as the user who made it, or set CHATDB_HOME or DATABASE_URL",
        ) from None


def _start_locked(pgdata: Path) -> str:
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
