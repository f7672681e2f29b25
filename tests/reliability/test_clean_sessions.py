"""A clean room per borrow: nothing one borrower does to its pooled session reaches the next.

Every probe runs on a pool of ONE connection, so the next borrower surely gets the connection
the poisoner used. Two set-ups: the production one (`chatdb_app_login` + `chatdb_system_login`,
where much of the poison is refused outright) and the development one (one superuser URL,
where every poison works, so only the reset stands between two borrowers).

Each poison is tried statement by statement in a savepoint: a refusal (chatdb error) is a
pass for that statement, and the transaction goes on to commit (or roll back) what it did.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest

from chatdb import AsyncDatabase, Database, errors
from chatdb.queries import credits, users
from chatdb.queries.aio import users as aio_users
from support.logins import logins

STATEMENT_TIMEOUT_MS = 4321
IDLE_TIMEOUT_MS = 54321
SETTINGS: dict[str, Any] = {
    "pool_min_size": 1,
    "pool_max_size": 1,
    "statement_timeout_ms": STATEMENT_TIMEOUT_MS,
    "idle_in_transaction_timeout_ms": IDLE_TIMEOUT_MS,
    "max_retries": 0,
}
LOCK_KEY = 4242


@dataclass(frozen=True)
class Poison:
    name: str
    statements: tuple[str, ...]
    probe: str  # run by the next borrower of the connection
    clean: Callable[[Any], bool]
    from_outside: bool = False  # probe from another session instead


POISONS = [
    Poison(
        "temp table shadowing users",
        (
            "RESET ROLE",  # where the login is a superuser, its powers are one statement away
            "CREATE TEMP TABLE users (id uuid, email text)",
            "INSERT INTO pg_temp.users VALUES (%(b)s, 'planted@evil.example')",
        ),
        "SELECT email FROM users WHERE id = %(b)s",
        lambda v: v != "planted@evil.example",
    ),
    Poison(
        "money setting in a session GUC",
        ("SELECT set_config('chatdb.signup_credits', '1000000', false)",),
        "SELECT current_setting('chatdb.signup_credits', true)",
        lambda v: v != "1000000",
    ),
    Poison(
        "statement_timeout = 0",
        ("SET statement_timeout = 0",),
        "SELECT current_setting('statement_timeout')",
        lambda v: v == f"{STATEMENT_TIMEOUT_MS}ms",
    ),
    Poison(
        "idle_in_transaction_session_timeout = 0",
        ("SET idle_in_transaction_session_timeout = 0",),
        "SELECT current_setting('idle_in_transaction_session_timeout')",
        lambda v: v == f"{IDLE_TIMEOUT_MS}ms",
    ),
    Poison(
        "pg_temp first in search_path",
        ("SET search_path = pg_temp, public",),
        "SELECT current_setting('search_path')",
        lambda v: v == "public, pg_temp",
    ),
    Poison(
        "session_replication_role = replica (no triggers, no FK checks)",
        ("RESET ROLE", "SET session_replication_role = replica"),
        "SELECT current_setting('session_replication_role')",
        lambda v: v == "origin",
    ),
    Poison(
        "session authorization",
        ("RESET ROLE", "SET SESSION AUTHORIZATION chatdb_system"),
        "SELECT current_user",
        lambda v: v in ("chatdb_app", "chatdb_system"),
    ),
    Poison(
        "session advisory lock",
        (f"SELECT pg_advisory_lock({LOCK_KEY})",),
        f"SELECT pg_try_advisory_lock({LOCK_KEY})",
        lambda v: v is True,
        from_outside=True,
    ),
    Poison(
        "LISTEN",
        ("LISTEN chatdb_poison",),
        "SELECT count(*) FROM pg_listening_channels()",
        lambda v: v == 0,
    ),
    Poison(
        "cursor WITH HOLD",
        ("DECLARE chatdb_poison CURSOR WITH HOLD FOR SELECT 1",),
        "SELECT count(*) FROM pg_cursors",
        lambda v: v == 0,
    ),
]


class Abandon(Exception):
    """Raised to leave a transaction by rolling back."""


@dataclass(frozen=True)
class Room:
    superuser_url: str
    kwargs: dict[str, Any]
    a: uuid.UUID
    b: uuid.UUID

    @property
    def params(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b}


@pytest.fixture(scope="module")
def clone(make_clone: Any) -> tuple[str, uuid.UUID, uuid.UUID]:
    url = make_clone("clean")
    a, b = uuid.uuid4(), uuid.uuid4()
    with psycopg.connect(url, autocommit=True) as conn:
        for who in (a, b):
            conn.execute(
                "INSERT INTO users (id, email) VALUES (%s, %s)", (who, f"{who}@example.com")
            )
    return url, a, b


@pytest.fixture(params=["two_logins", "one_superuser_url"])
def room(request: pytest.FixtureRequest, clone: tuple[str, uuid.UUID, uuid.UUID]) -> Room:
    url, a, b = clone
    urls = logins(url) if request.param == "two_logins" else {"url": url}
    return Room(url, {**urls, **SETTINGS}, a, b)


def _warm_up(db: Database, room: Room) -> None:
    """A generated-only transaction on each pool first: a new connection is reset once
    anyway, and the poison must land on one already known clean."""
    for scope in (db.as_user(room.b), db.system()):
        with scope as conn:
            users.get_user_by_id(conn, id=room.b)


def _poison(conn: Any, poison: Poison, params: dict[str, Any]) -> None:
    for statement in poison.statements:
        try:
            with conn.transaction():
                conn.execute(statement, params)
        except errors.ChatdbError:
            pass  # refused: as good as undone


async def _apoison(conn: Any, poison: Poison, params: dict[str, Any]) -> None:
    for statement in poison.statements:
        try:
            async with conn.transaction():
                await conn.execute(statement, params)
        except errors.ChatdbError:
            pass


def _outside(room: Room, poison: Poison) -> Any:
    with psycopg.connect(room.superuser_url, autocommit=True) as conn:
        row = conn.execute(poison.probe, room.params).fetchone()
    return row[0] if row else None


def _scopes(db: Any, room: Room, who: str) -> tuple[Any, Any]:
    """(the poisoner's scope, the next borrower's scope): the same pool either way."""
    if who == "system":
        return db.system(), db.system()
    return db.as_user(room.a), db.as_user(room.b)


@pytest.mark.parametrize("outcome", ["commit", "rollback"])
@pytest.mark.parametrize("who", ["as_user", "system"])
@pytest.mark.parametrize("poison", POISONS, ids=[p.name for p in POISONS])
def test_nothing_a_borrower_does_to_its_session_reaches_the_next(
    room: Room, poison: Poison, who: str, outcome: str
) -> None:
    with Database(**room.kwargs) as db:
        _warm_up(db, room)
        poisoner, next_borrower = _scopes(db, room, who)
        try:
            with poisoner as conn:
                _poison(conn, poison, room.params)
                if outcome == "rollback":
                    raise Abandon
        except Abandon:
            pass
        if poison.from_outside:
            seen = _outside(room, poison)
        else:
            with next_borrower as conn:
                row = conn.execute(poison.probe, room.params).fetchone()
            seen = row[0] if row else None
    assert poison.clean(seen), f"{poison.name}: the next borrower saw {seen!r}"


@pytest.mark.parametrize("poison", POISONS, ids=[p.name for p in POISONS])
async def test_nothing_a_borrower_does_to_its_session_reaches_the_next_async(
    room: Room, poison: Poison
) -> None:
    async with AsyncDatabase(**room.kwargs) as db:
        for scope in (db.as_user(room.b), db.system()):  # a new connection is reset once
            async with scope as conn:
                await aio_users.get_user_by_id(conn, id=room.b)
        async with db.as_user(room.a) as conn:
            await _apoison(conn, poison, room.params)
        if poison.from_outside:
            seen = _outside(room, poison)
        else:
            async with db.as_user(room.b) as conn:
                cur = await conn.execute(poison.probe, room.params)
                row = await cur.fetchone()
            seen = row[0] if row else None
    assert poison.clean(seen), f"{poison.name}: the next borrower saw {seen!r}"


def test_every_transaction_pins_search_path_and_timeouts(room: Room) -> None:
    probe = (
        "SELECT current_setting('search_path'), current_setting('statement_timeout'),"
        " current_setting('idle_in_transaction_session_timeout')"
    )
    wanted = ("public, pg_temp", f"{STATEMENT_TIMEOUT_MS}ms", f"{IDLE_TIMEOUT_MS}ms")
    with Database(**room.kwargs) as db:
        for scope in (db.as_user(room.a), db.anonymous(), db.system()):
            with scope as conn:
                assert conn.execute(probe).fetchone() == wanted


def test_a_temp_table_cannot_shadow_a_table_even_within_its_own_transaction(
    clone: tuple[str, uuid.UUID, uuid.UUID],
) -> None:
    # The development set-up (a superuser may still create temp tables): unqualified names,
    # as all generated SQL uses them, still resolve to the application's tables.
    url, _, b = clone
    with Database(url, **SETTINGS) as db, db.system() as conn:
        conn.execute("RESET ROLE")
        conn.execute("CREATE TEMP TABLE users (id uuid, credit_balance numeric)")
        conn.execute("INSERT INTO pg_temp.users VALUES (%s, 1000000)", (b,))
        balance = credits.get_credit_balance(conn, user_id=b)
    assert balance is not None and balance < 1000000


def test_the_reset_keeps_the_prepared_statements(room: Room) -> None:
    # No DISCARD ALL: the statements psycopg prepared stay prepared across borrows.
    with Database(**room.kwargs) as db:
        for _ in range(8):
            with db.as_user(room.b) as conn:
                users.get_user_by_id(conn, id=room.b)
        with db.as_user(room.b) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE NOT from_sql"
            ).fetchone()
    assert row is not None and row[0] >= 1


@pytest.fixture
def superuser_conn(clone: tuple[str, uuid.UUID, uuid.UUID]) -> Iterator[psycopg.Connection]:
    with psycopg.connect(clone[0], autocommit=True) as conn:
        yield conn


@pytest.mark.parametrize(
    "role", ["PUBLIC", "chatdb_app", "chatdb_system", "chatdb_app_login", "chatdb_system_login"]
)
def test_the_runtime_roles_cannot_create_temporary_objects(
    superuser_conn: psycopg.Connection, role: str
) -> None:
    if role == "PUBLIC":
        row = superuser_conn.execute(
            "SELECT count(*) FROM pg_database AS d, aclexplode(d.datacl) AS a"
            " WHERE d.datname = current_database() AND a.grantee = 0"
            " AND a.privilege_type = 'TEMPORARY'"
        ).fetchone()
        assert row is not None and row[0] == 0, "PUBLIC holds TEMPORARY on the database"
        row = superuser_conn.execute(
            "SELECT datacl IS NOT NULL FROM pg_database WHERE datname = current_database()"
        ).fetchone()
        assert row == (True,), "the database has the default ACL (PUBLIC may create temp)"
        return
    row = superuser_conn.execute(
        "SELECT has_database_privilege(%s, current_database(), 'TEMPORARY')", (role,)
    ).fetchone()
    assert row == (False,)


def test_the_logins_reach_only_their_own_role(superuser_conn: psycopg.Connection) -> None:
    rows = superuser_conn.execute(
        "SELECT r.rolname, r.rolcanlogin, r.rolsuper, r.rolbypassrls, r.rolinherit,"
        " pg_has_role(r.oid, 'chatdb_app', 'MEMBER'),"
        " pg_has_role(r.oid, 'chatdb_system', 'MEMBER'),"
        " pg_has_role(r.oid, 'chatdb_migrator', 'MEMBER')"
        " FROM pg_roles AS r WHERE r.rolname IN ('chatdb_app_login', 'chatdb_system_login')"
        " ORDER BY 1"
    ).fetchall()
    assert rows == [
        ("chatdb_app_login", True, False, False, False, True, False, False),
        ("chatdb_system_login", True, False, False, False, False, True, False),
    ]


def test_the_app_pool_cannot_run_system_work_and_system_work_has_its_own_pool(
    room: Room,
) -> None:
    with Database(**room.kwargs) as db:
        with db.system() as conn:
            row = conn.execute("SELECT current_user, session_user").fetchone()
        assert row is not None and row[0] == "chatdb_system"
        with db.as_user(room.a) as conn:
            app_login = conn.execute("SELECT session_user").fetchone()
        if "system_url" in room.kwargs:
            assert db.system_pool is not db.pool
            assert row[1] == "chatdb_system_login"
            assert app_login == ("chatdb_app_login",)


# Generated statements leave the session alone, so a transaction of only those skips the
# reset; anything else, through whichever cursor, must still be undone.
def _with_cursor_class(cls: Any) -> Callable[[Any], None]:
    def poison(conn: Any) -> None:
        cls(conn).execute("SELECT set_config('chatdb.poison', 'yes', false)")

    return poison


def _executemany(conn: Any) -> None:
    conn.cursor().executemany("SELECT set_config('chatdb.poison', %s, false)", [("no",), ("yes",)])


def _pipeline(conn: Any) -> None:
    with conn.pipeline():
        conn.execute("SELECT set_config('chatdb.poison', 'yes', false)")


def _generated_text_with_hold(conn: Any) -> None:
    # The text of a generated query, but run as a WITH HOLD server cursor: it outlives the
    # transaction, and the session must still be reset.
    cur = conn.cursor("chatdb_poison", withhold=True)
    cur.execute(users.GET_USER_BY_ID, {"id": uuid.uuid4()})


WAYS: dict[str, tuple[Callable[[Any], None], str, Callable[[Any], bool]]] = {
    "psycopg.Cursor": (
        _with_cursor_class(psycopg.Cursor),
        "SELECT current_setting('chatdb.poison', true)",
        lambda v: v != "yes",
    ),
    "psycopg.ClientCursor": (
        _with_cursor_class(psycopg.ClientCursor),
        "SELECT current_setting('chatdb.poison', true)",
        lambda v: v != "yes",
    ),
    "psycopg.RawCursor": (
        _with_cursor_class(psycopg.RawCursor),
        "SELECT current_setting('chatdb.poison', true)",
        lambda v: v != "yes",
    ),
    "executemany": (
        _executemany,
        "SELECT current_setting('chatdb.poison', true)",
        lambda v: v != "yes",
    ),
    "pipeline": (_pipeline, "SELECT current_setting('chatdb.poison', true)", lambda v: v != "yes"),
    "generated text WITH HOLD": (
        _generated_text_with_hold,
        "SELECT count(*) FROM pg_cursors",
        lambda v: v == 0,
    ),
}


@pytest.mark.parametrize("way", list(WAYS))
def test_session_changes_through_any_cursor_are_reset(room: Room, way: str) -> None:
    poison, probe, clean = WAYS[way]
    with Database(**room.kwargs) as db:
        _warm_up(db, room)
        with db.as_user(room.a) as conn:
            poison(conn)
        with db.as_user(room.b) as conn:
            users.get_user_by_id(conn, id=room.b)  # a generated-only transaction between
        with db.as_user(room.b) as conn:
            row = conn.execute(probe).fetchone()
    assert row is not None and clean(row[0]), f"{way}: the next borrower saw {row[0]!r}"


def test_a_transaction_of_generated_statements_leaves_the_session_known_clean(
    room: Room,
) -> None:
    with Database(**room.kwargs) as db:
        with db.as_user(room.b) as conn:
            conn.execute("SELECT 1")  # raw SQL: reset with this COMMIT
        with db.as_user(room.b) as conn:
            assert conn.chatdb_context.dirty is False
            users.get_user_by_id(conn, id=room.b)
            credits.get_credit_balance(conn, user_id=room.b)
            assert conn.chatdb_context.dirty is False  # no reset needed at its COMMIT
            conn.execute("SELECT 1")
            assert conn.chatdb_context.dirty is True
