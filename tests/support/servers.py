"""PostgreSQL clusters, streaming replicas and PgBouncer that a test starts for itself.

    with TempCluster() as primary, TempReplica(primary) as replica:
        prepare_chatdb(primary.url())           # roles + migrations in database `chatdb`
        replica.wait_caught_up()
        db = Database(primary.url("chatdb"), replica_urls=[replica.url("chatdb")])

    with TempPgBouncer(upstream_url) as bouncer:  # transaction pooling on loopback
        db = Database(bouncer.url("chatdb"), pgbouncer=True)

Everything listens on 127.0.0.1 only (plus a socket in the server's own temporary folder),
on a free port, and is bounded in time: each start waits for readiness with a timeout and
fails with the tail of the server's log. Every manager stops its server in `__exit__`, kills
it when a clean stop fails, and removes its folder; an `atexit` net stops anything still
running when the interpreter exits.

PostgreSQL and PgBouncer refuse to run as root. When the tests run as root, the servers run
as the unprivileged system user `pgserver` (the one pgserver uses for the embedded server,
created here when missing) through `runuser`, in folders owned by that user. The binaries
are pgserver's PostgreSQL 16 (`chatdb_tools.embedded.pg_bin_dir()`), the same everywhere.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Literal, Self

import psycopg
from psycopg import sql

from chatdb import dburl
from chatdb_tools import embedded, migrations

RUN_AS = "pgserver"
PGBOUNCER = Path("/usr/sbin/pgbouncer")
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 20.0
ShutdownMode = Literal["smart", "fast", "immediate"]


class ServerError(RuntimeError):
    """A test server could not be set up, started or stopped; the message quotes its log."""


# -- processes, users, ports ------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _as_root() -> bool:
    return os.geteuid() == 0


def ensure_server_user() -> None:
    """Create the unprivileged `pgserver` system user when running as root and it is missing."""
    if not _as_root():
        return
    try:
        pwd.getpwnam(RUN_AS)
    except KeyError:
        _run(
            ["useradd", "--system", "--user-group", "--no-create-home", RUN_AS],
            what=f"create the system user {RUN_AS}",
        )


def _server_command(command: Sequence[str]) -> list[str]:
    """`command` run as the server user when we are root (servers refuse root)."""
    if _as_root():
        return ["runuser", "-u", RUN_AS, "--", *command]
    return list(command)


def _run(
    command: Sequence[str], *, what: str, timeout: float = START_TIMEOUT_S, as_server: bool = False
) -> subprocess.CompletedProcess[str]:
    argv = _server_command(command) if as_server else list(command)
    env = {**os.environ, "LC_ALL": "C", "TZ": "UTC"}
    env.pop("PGDATA", None)
    try:
        result = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env=env,
            stdin=subprocess.DEVNULL,
            cwd="/",  # the server user may not be allowed into the current folder
        )
    except subprocess.TimeoutExpired as exc:
        raise ServerError(f"could not {what}: timed out after {timeout:g} s") from exc
    if result.returncode != 0:
        output = (result.stderr or result.stdout).strip()
        raise ServerError(f"could not {what} (exit {result.returncode}): {output}")
    return result


def _owned_tempdir(prefix: str) -> Path:
    """A new private folder the server user owns."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o700)
    if _as_root():
        entry = pwd.getpwnam(RUN_AS)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    return path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A daemon we signalled may linger as a zombie until something reaps it: that is dead.
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def _kill(pid: int, first: signal.Signals, timeout: float = 5.0) -> None:
    """Signal `pid` with `first`, then SIGKILL it if it is still there after `timeout`."""
    for sig, wait in ((first, timeout), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not _alive(pid):
                return
            time.sleep(0.05)


def _tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.strip().splitlines()[-lines:])


class _Server:
    """What every managed server shares: context management and the atexit safety net."""

    def _register(self) -> None:
        with _LIVE_LOCK:
            _LIVE.add(self)

    def _unregister(self) -> None:
        with _LIVE_LOCK:
            _LIVE.discard(self)

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        raise NotImplementedError


# Servers started and not yet closed: the atexit net closes them if a test run dies early.
_LIVE: set[_Server] = set()
_LIVE_LOCK = threading.Lock()


@atexit.register
def _close_leftovers() -> None:
    for server in list(_LIVE):
        with contextlib.suppress(Exception):
            server.close()


# -- PostgreSQL ---------------------------------------------------------------------------------

# Tuned for short-lived test clusters: durability across an OS crash is not needed (a
# PostgreSQL crash or immediate shutdown still keeps every commit: WAL reaches the OS cache).
_CLUSTER_SETTINGS: dict[str, str] = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "60",
    "shared_buffers": "32MB",
    "fsync": "off",
    "full_page_writes": "off",
    "wal_level": "replica",
    "max_wal_senders": "8",
    "max_replication_slots": "8",
    "hot_standby": "on",
    "log_min_messages": "warning",
    "log_line_prefix": "'%m [%p] '",
    "unix_socket_permissions": "0700",
}


class TempCluster(_Server):
    """A PostgreSQL 16 cluster of the test's own: temporary data folder, free loopback port.

    The superuser is `user` (default `postgres`); local and 127.0.0.1 connections (including
    replication) are trusted, so URLs carry no password. The port stays the same across
    `restart()`, so pools pointed at `url()` can reconnect.
    """

    def __init__(
        self,
        *,
        user: str = "postgres",
        settings: dict[str, str] | None = None,
        start_timeout_s: float = START_TIMEOUT_S,
        name: str = "cluster",
        bin_dir: Path | None = None,
    ) -> None:
        self.bin_dir = bin_dir or embedded.pg_bin_dir()
        self.user = user
        self.name = name
        self.settings = {**_CLUSTER_SETTINGS, **(settings or {})}
        self.start_timeout_s = start_timeout_s
        self.base: Path | None = None
        self.port = 0

    # paths
    @property
    def data_dir(self) -> Path:
        return self._base() / "data"

    @property
    def socket_dir(self) -> Path:
        return self._base() / "run"

    @property
    def log_file(self) -> Path:
        return self._base() / "server.log"

    def _base(self) -> Path:
        if self.base is None:
            raise ServerError(f"{self.name}: not created yet (call start())")
        return self.base

    def _bin(self, tool: str) -> str:
        return str(self.bin_dir / tool)

    # creation
    def _create(self) -> None:
        """Make the data folder (initdb) and write the configuration."""
        _run(
            [
                self._bin("initdb"),
                "--pgdata",
                str(self.data_dir),
                "--username",
                self.user,
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                "--locale",
                "C",
                "--no-sync",
                "--no-instructions",
            ],
            what=f"initdb the {self.name} cluster",
            as_server=True,
        )
        self._append_config(self.settings)

    def _append_config(self, settings: dict[str, str]) -> None:
        # Later lines win, so appending overrides what initdb (or a base backup) wrote.
        lines = "".join(f"{key} = {value}\n" for key, value in settings.items())
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(f"\n# chatdb tests ({self.name})\n{lines}")

    def _ensure_created(self) -> None:
        if self.base is not None:
            return
        ensure_server_user()
        self._register()
        self.base = _owned_tempdir(f"chatdb-{self.name}-")
        run = self.socket_dir
        run.mkdir(mode=0o700)
        if _as_root():
            entry = pwd.getpwnam(RUN_AS)
            os.chown(run, entry.pw_uid, entry.pw_gid)
        self._create()

    # lifecycle
    def start(self) -> None:
        """Create the cluster on first use, then start it and wait until it accepts queries."""
        self._ensure_created()
        if self.is_running():
            return
        attempts = 1 if self.port else 3  # a fresh port may be taken between pick and bind
        for attempt in range(attempts):
            if not self.port or attempt:
                self.port = free_port()
            try:
                self._pg_ctl_start()
                break
            except ServerError:
                if attempt == attempts - 1 or "could not bind" not in _tail(self.log_file):
                    self._kill_postmaster()
                    raise
        self._wait_ready()

    def _pg_ctl_start(self) -> None:
        options = f"-p {self.port} -k {self.socket_dir}"
        try:
            _run(
                [
                    self._bin("pg_ctl"),
                    "start",
                    "--pgdata",
                    str(self.data_dir),
                    "--log",
                    str(self.log_file),
                    "--wait",
                    "--timeout",
                    str(int(self.start_timeout_s)),
                    "-o",
                    options,
                ],
                what=f"start the {self.name} cluster",
                timeout=self.start_timeout_s + 10,
                as_server=True,
            )
        except ServerError as exc:
            raise ServerError(f"{exc}\n--- {self.log_file}\n{_tail(self.log_file)}") from None

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout_s
        while True:
            try:
                with psycopg.connect(self.url(), connect_timeout=2, autocommit=True) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise ServerError(
                        f"the {self.name} cluster did not accept connections within "
                        f"{self.start_timeout_s:g} s: {exc}\n{_tail(self.log_file)}"
                    ) from exc
                time.sleep(0.1)

    def postmaster_pid(self) -> int | None:
        if self.base is None:
            return None
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None
        return pid if _alive(pid) else None

    def is_running(self) -> bool:
        return self.postmaster_pid() is not None

    def stop(self, mode: ShutdownMode = "fast") -> None:
        """Stop the server (`fast`: roll back sessions; `immediate`: crash-stop, recovery on
        the next start). Kills it when it does not stop in time."""
        if not self.is_running():
            return
        try:
            _run(
                [
                    self._bin("pg_ctl"),
                    "stop",
                    "--pgdata",
                    str(self.data_dir),
                    "--mode",
                    mode,
                    "--wait",
                    "--timeout",
                    str(int(STOP_TIMEOUT_S)),
                ],
                what=f"stop the {self.name} cluster",
                timeout=STOP_TIMEOUT_S + 10,
                as_server=True,
            )
        except ServerError:
            self._kill_postmaster()
            if self.is_running():
                raise

    def restart(self, mode: ShutdownMode = "fast") -> None:
        """Stop and start again on the same port and data."""
        self.stop(mode)
        self.start()

    def _kill_postmaster(self) -> None:
        pid = self.postmaster_pid()
        if pid is not None:
            # SIGQUIT is PostgreSQL's immediate shutdown; its children exit with it.
            _kill(pid, signal.SIGQUIT)

    def close(self) -> None:
        """Stop the server (killing it if needed) and delete its folder."""
        try:
            if self.is_running():
                try:
                    self.stop("immediate")
                except ServerError:
                    self._kill_postmaster()
        finally:
            if self.base is not None:
                shutil.rmtree(self.base, ignore_errors=True)
                self.base = None
            self._unregister()

    # use
    def url(self, dbname: str = "postgres") -> str:
        """A superuser URL over TCP loopback (trust authentication: no password)."""
        if not self.port:
            raise ServerError(f"{self.name}: not started")
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{dbname}"

    def psql(self, command: str, dbname: str = "postgres") -> str:
        """Run SQL with psql (stopping at the first error); return its unaligned output."""
        result = _run(
            [
                self._bin("psql"),
                "--no-psqlrc",
                "--quiet",
                "--no-align",
                "--tuples-only",
                "--set",
                "ON_ERROR_STOP=1",
                "--dbname",
                self.url(dbname),
                "--command",
                command,
            ],
            what=f"run psql on the {self.name} cluster",
        )
        return result.stdout.strip()

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)


class TempReplica(TempCluster):
    """A hot-standby streaming replica of a running `TempCluster`, through a replication slot.

    Made with `pg_basebackup -R` (so it follows the primary as soon as it starts); its own
    folder and port; read-only queries only. Everything the primary has (roles, databases,
    migrations) arrives by replication.
    """

    def __init__(self, primary: TempCluster, *, name: str = "replica") -> None:
        super().__init__(user=primary.user, name=name, start_timeout_s=primary.start_timeout_s)
        self.primary = primary
        self.slot = ""

    def _create(self) -> None:
        if not self.primary.is_running():
            raise ServerError("the primary must be running to take a base backup")
        self.slot = f"chatdb_{self.name}_{os.getpid()}_{free_port()}"
        _run(
            [
                self._bin("pg_basebackup"),
                "--dbname",
                f"host=127.0.0.1 port={self.primary.port} user={self.user} "
                f"application_name={self.name}",
                "--pgdata",
                str(self.data_dir),
                "--write-recovery-conf",
                "--wal-method",
                "stream",
                "--create-slot",
                "--slot",
                self.slot,
                "--checkpoint",
                "fast",
                "--no-sync",
            ],
            what=f"take a base backup of {self.primary.name} for {self.name}",
            as_server=True,
        )

    def wait_caught_up(self, timeout: float = 15.0) -> None:
        """Wait until the replica has replayed everything the primary has written so far."""
        with psycopg.connect(self.primary.url(), autocommit=True) as conn:
            row = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()
        assert row is not None
        target = row[0]
        deadline = time.monotonic() + timeout
        with psycopg.connect(self.url(), autocommit=True) as conn:
            while True:
                done = conn.execute(
                    "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)
                ).fetchone()
                if done and done[0]:
                    return
                if time.monotonic() > deadline:
                    raise ServerError(
                        f"{self.name} did not replay up to {target} within {timeout:g} s\n"
                        f"{_tail(self.log_file)}"
                    )
                time.sleep(0.02)

    def close(self) -> None:
        try:
            super().close()
        finally:
            # The slot would keep WAL on the primary forever; drop it once nobody uses it.
            if self.slot and self.primary.is_running():
                with contextlib.suppress(psycopg.Error):
                    with psycopg.connect(self.primary.url(), autocommit=True) as conn:
                        conn.execute(
                            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                            "WHERE slot_name = %s AND NOT active",
                            (self.slot,),
                        )
                self.slot = ""


# -- PgBouncer ----------------------------------------------------------------------------------


def pgbouncer_available() -> bool:
    return PGBOUNCER.exists() and os.access(PGBOUNCER, os.X_OK)


PGBOUNCER_MISSING = (
    f"PgBouncer is not installed ({PGBOUNCER}); install it with "
    "`apt-get install pgbouncer` (.ci/run does this in CI)"
)


class TempPgBouncer(_Server):
    """Debian's PgBouncer on a free loopback port, pooling in front of `upstream_url`.

    `upstream_url` may name a TCP server (`postgresql://user@127.0.0.1:5432/db`) or a unix
    socket folder (`postgresql://user@/db?host=/path`). Any database name is passed through
    (`* = host=... port=...`). Clients authenticate with `trust` (the user must still be
    listed in the auth file, with the upstream password when the URL has one); the server
    side uses the same user. `pool_size` server connections per database/user pair.
    """

    def __init__(
        self,
        upstream_url: str,
        *,
        pool_mode: Literal["session", "transaction", "statement"] = "transaction",
        pool_size: int = 1,
        start_timeout_s: float = 10.0,
    ) -> None:
        params = psycopg.conninfo.conninfo_to_dict(upstream_url)
        self.upstream_host = str(params.get("host") or "/var/run/postgresql")
        self.upstream_port = int(params.get("port") or 5432)
        self.user = str(params.get("user") or pwd.getpwuid(os.getuid()).pw_name)
        self.password = str(params.get("password") or "")
        self.pool_mode = pool_mode
        self.pool_size = pool_size
        self.start_timeout_s = start_timeout_s
        self.base: Path | None = None
        self.port = 0

    @property
    def log_file(self) -> Path:
        assert self.base is not None
        return self.base / "pgbouncer.log"

    @property
    def pid_file(self) -> Path:
        assert self.base is not None
        return self.base / "pgbouncer.pid"

    def _check_upstream_reachable(self) -> None:
        """A unix-socket upstream must be reachable by the user PgBouncer runs as."""
        if not self.upstream_host.startswith("/") or not _as_root():
            return
        socket_path = f"{self.upstream_host}/.s.PGSQL.{self.upstream_port}"
        probe = subprocess.run(
            _server_command(["test", "-w", socket_path]),
            check=False,
            timeout=10,
            cwd="/",
        )
        if probe.returncode != 0:
            raise ServerError(
                f"user {RUN_AS} (PgBouncer refuses root) cannot open {socket_path}; "
                "let it traverse that folder, or put PgBouncer in front of a TCP server"
            )

    def _write_config(self) -> Path:
        assert self.base is not None
        escaped = self.password.replace('"', '""')
        (self.base / "users.txt").write_text(f'"{self.user}" "{escaped}"\n')
        config = self.base / "pgbouncer.ini"
        config.write_text(
            "[databases]\n"
            f"* = host={self.upstream_host} port={self.upstream_port}\n"
            "\n[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {self.base / 'users.txt'}\n"
            f"admin_users = {self.user}\n"
            f"pool_mode = {self.pool_mode}\n"
            f"default_pool_size = {self.pool_size}\n"
            "min_pool_size = 0\n"
            "reserve_pool_size = 0\n"
            "max_client_conn = 200\n"
            "server_login_retry = 1\n"
            "query_wait_timeout = 30\n"
            "ignore_startup_parameters = extra_float_digits\n"
            f"logfile = {self.log_file}\n"
            f"pidfile = {self.pid_file}\n"
        )
        if _as_root():
            entry = pwd.getpwnam(RUN_AS)
            for path in (config, self.base / "users.txt"):
                os.chown(path, entry.pw_uid, entry.pw_gid)
                path.chmod(0o600)
        return config

    def start(self) -> None:
        if not pgbouncer_available():
            raise ServerError(PGBOUNCER_MISSING)
        if self.pid() is not None:
            return
        ensure_server_user()
        self._check_upstream_reachable()
        if self.base is None:
            self._register()
            self.base = _owned_tempdir("chatdb-pgbouncer-")
        for attempt in range(3):  # a fresh port may be taken between pick and bind
            self.port = free_port()
            config = self._write_config()
            try:
                # -d: daemonise once the listening socket is set up; the pid lands in pid_file.
                _run(
                    [str(PGBOUNCER), "-d", str(config)],
                    what="start PgBouncer",
                    timeout=self.start_timeout_s,
                    as_server=True,
                )
                self._wait_ready()
                return
            except ServerError as exc:
                self._kill_daemon()
                log = _tail(self.log_file)
                if attempt == 2 or "Address already in use" not in log:
                    raise ServerError(f"{exc}\n--- {self.log_file}\n{log}") from None

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout_s
        while not (self.pid() is not None and port_open(self.port)):
            if time.monotonic() > deadline:
                raise ServerError(f"PgBouncer did not listen within {self.start_timeout_s:g} s")
            time.sleep(0.05)

    def pid(self) -> int | None:
        if self.base is None:
            return None
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if _alive(pid) else None

    def _kill_daemon(self) -> None:
        pid = self.pid()
        if pid is not None:
            # SIGINT: PgBouncer's safe shutdown (waits for server connections to be released);
            # SIGKILL after the grace period.
            _kill(pid, signal.SIGINT, timeout=5.0)

    def stop(self) -> None:
        self._kill_daemon()

    def close(self) -> None:
        try:
            self._kill_daemon()
        finally:
            if self.base is not None:
                shutil.rmtree(self.base, ignore_errors=True)
                self.base = None
            self._unregister()

    def url(self, dbname: str) -> str:
        """A client URL for `dbname` through this PgBouncer."""
        if not self.port:
            raise ServerError("PgBouncer is not started")
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{dbname}"


# -- chatdb on a fresh server ------------------------------------------------------------------


def prepare_chatdb(server_url: str, dbname: str = "chatdb", *, migrate: bool = True) -> str:
    """Create `dbname` on the server of `server_url`, provision chatdb's roles there
    (db/roles.sql) and apply every migration in db/migrations; return its URL.

    A fresh `TempCluster` has none of chatdb's roles or schema; this gives it what the
    migrated template of the main test server has.
    """
    with psycopg.connect(server_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    url = dburl.with_database(server_url, dbname)
    migrations.apply_roles(url)
    if migrate:
        migrations.run_dbmate(url, ["migrate"], capture=True)
    return url
