# Generated from src/chatdb/aio/connection_setup.py by tools/async_to_sync.py. DO NOT EDIT:
# edit the async source, then run `make sync-twins` (also part of `make generate`).
"""Per-connection set-up: `configure` once for every new connection, and the session reset
before a connection that ran anything but generated statements is lent again."""

from __future__ import annotations

import math
import time
from typing import Any

import orjson
import psycopg
from psycopg import generators
from psycopg.pq import ExecStatus, TransactionStatus
from psycopg.pq.abc import PGresult
from psycopg.types import TypeInfo
from psycopg.types.json import set_json_dumps, set_json_loads
from psycopg_pool import ConnectionPool

from chatdb import session_state
from chatdb.config import Settings
from chatdb.cursors import Connection
from chatdb.errors import InvalidInput

# What a borrower may have left in its session, undone before the connection goes back to
# the pool: DISCARD ALL without DEALLOCATE ALL and DISCARD PLANS, which would throw away the
# server-side prepared statements (and their plans) that make generated calls fast. Cursors
# (WITH HOLD survive commit), SET SESSION AUTHORIZATION, every session GUC (custom `chatdb.*`
# too, `session_replication_role`, `statement_timeout = 0`, `search_path`), the role (RESET
# ALL skips it; RESET ROLE returns to the login's default role), LISTEN, session advisory
# locks, temporary objects (superusers keep TEMPORARY), cached sequence values.
RESET_SQL = (
    b"CLOSE ALL; SET SESSION AUTHORIZATION DEFAULT; RESET ALL; RESET ROLE; UNLISTEN *; "
    b"SELECT pg_catalog.pg_advisory_unlock_all(); DISCARD TEMP; DISCARD SEQUENCES"
)
# The usual way out of a transaction: COMMIT and the reset in ONE round trip. If COMMIT
# fails, the server skips the rest of the string, and the caller resets separately.
COMMIT_AND_RESET_SQL = b"COMMIT; " + RESET_SQL

# The enums of the application schema. Registering them (with their array types) makes
# enum[] columns load as lists of labels instead of the text '{a,b}'; pydantic then turns
# the labels into the generated StrEnums. Read once per Database: oids do not change.
_ENUMS_SQL = """
SELECT t.typname, t.oid, t.typarray
FROM pg_catalog.pg_type AS t
JOIN pg_catalog.pg_namespace AS n ON n.oid = t.typnamespace
WHERE t.typtype = 'e' AND n.nspname = ANY (current_schemas(false))
ORDER BY t.oid
"""


class EnumTypes:
    """The enum type infos of one database, fetched by the first connection, then reused."""

    def __init__(self) -> None:
        self.infos: list[TypeInfo] | None = None

    def rows_needed(self) -> bool:
        return self.infos is None

    def remember(self, rows: list[tuple[str, int, int]]) -> None:
        self.infos = [TypeInfo(name, oid, array_oid) for name, oid, array_oid in rows]

    def register(self, conn: Connection) -> None:
        for info in self.infos or ():
            info.register(conn)


def _has_non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_has_non_finite(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_non_finite(v) for v in value)
    return False


def _dumps(value: Any) -> str:
    """JSON text for a json/jsonb parameter; NaN and Infinity are refused, not nulled.

    JSON has no NaN: orjson writes it as `null`, which would silently store a different value.
    It can only hide where the output says `null`, so the walk runs only then.
    """
    out = orjson.dumps(value)
    if b"null" in out and _has_non_finite(value):
        raise InvalidInput("invalid input: JSON cannot represent NaN or Infinity")
    return out.decode()


def install_json_adapters(conn: Connection) -> None:
    """orjson for json/jsonb on this connection only (measured ~27% faster on jsonb pages)."""
    set_json_loads(orjson.loads, conn)
    set_json_dumps(_dumps, conn)


# A connection that was in use moments ago is almost surely alive; pinging it on every
# checkout costs a round trip per transaction (measured: +60% on a point read in its own
# transaction). Connections idle longer than this are pinged, and broken ones replaced.
IDLE_CHECK_S = 2.0


def check_connection(conn: Connection) -> None:
    """psycopg-pool `check`: ping a connection that has been idle, raise if it is broken."""
    if time.monotonic() - conn.chatdb_context.last_used >= IDLE_CHECK_S:
        ConnectionPool.check_connection(conn)


def configure_connections(settings: Settings) -> Any:
    """psycopg-pool `configure`: JSON adapters, the slow-statement threshold, the enums."""
    enums = EnumTypes()

    def configure(conn: Connection) -> None:
        install_json_adapters(conn)
        conn.chatdb_context.slow_ms = settings.slow_query_ms
        if enums.rows_needed():
            with conn.transaction():
                cur = conn.execute(_ENUMS_SQL)
                enums.remember(cur.fetchall())
        enums.register(conn)

    return configure


# Why not psycopg-pool's `reset` callback: with one, the pool hands every returned connection
# to a worker thread, which measured +67% (median wall time) on a point read in its own
# transaction. Sent with the COMMIT the reset costs no round trip, but still ~15-20% CPU on
# that point read, so it runs only after a transaction that ran something other than
# generated statements (session_state). Every borrow goes through `Database._transaction`,
# which calls the functions below.


def _raise_first_error(results: list[PGresult], encoding: str) -> None:
    for result in results:
        if result.status == ExecStatus.FATAL_ERROR:
            raise psycopg.errors.error_from_result(result, encoding=encoding)


def commit_and_reset(conn: Connection, reset: bool) -> None:
    """Commit; with `reset`, clean the session in the same round trip (COMMIT_AND_RESET_SQL).

    Sent as one simple query by psycopg's own send/fetch generators, not a cursor: a cursor
    would turn the nine results into Python objects, which measured as much as the
    statements themselves. The first error is raised as psycopg's, as from `conn.commit()`,
    for the caller to translate (a lost connection here is an ambiguous commit).
    """
    if not reset:
        conn.commit()
        return
    with conn.lock:
        conn.pgconn.send_query(COMMIT_AND_RESET_SQL)
        results = conn.wait(generators.execute(conn.pgconn))
    _raise_first_error(results, conn.info.encoding)


# The runtime's own statements that leave nothing in the session: the pool's liveness ping
# and the enum lookup of a new connection.
session_state.trust("")
session_state.trust(_ENUMS_SQL)


def reset_session(conn: Connection) -> None:
    """Roll back and clean the session (RESET_SQL) after a transaction that did not commit.

    A connection that cannot be cleaned is closed, and the pool replaces it: it must never
    reach another borrower as it is.
    """
    try:
        if conn.closed:
            return
        if conn.pgconn.transaction_status != TransactionStatus.IDLE:
            conn.rollback()
        conn.set_autocommit(True)  # one implicit transaction: no BEGIN/COMMIT round trips
        try:
            with psycopg.Cursor(conn) as cur:
                cur.execute(RESET_SQL, prepare=False)
        finally:
            conn.set_autocommit(False)
        conn.chatdb_context.dirty = False
    except Exception:  # whatever went wrong, the session is not known clean
        conn.close()
