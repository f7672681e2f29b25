"""Read routing against a real primary and a streaming replica that these tests start.

Read-only transactions go to the replica, writes to the primary; a user's reads stay on the
primary for `read_your_writes_s` after that user wrote; a replica that is down is skipped
for the primary without an error.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from chatdb import AsyncDatabase, Database
from chatdb.cursors import Connection
from support.servers import TempCluster, TempReplica, prepare_chatdb

WINDOW_S = 0.5  # read_your_writes_s: tiny, so the test can outwait it


@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[TempCluster, TempReplica]]:
    """A primary with chatdb's roles and a `notes` table, and its streaming replica."""
    with TempCluster(name="primary") as primary:
        url = prepare_chatdb(primary.url(), migrate=False)  # routing needs roles, not schema
        primary.psql(
            "CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
            " user_id uuid NOT NULL, body text NOT NULL);"
            "GRANT SELECT, INSERT ON notes TO chatdb_app, chatdb_system;",
            dbname="chatdb",
        )
        assert url == primary.url("chatdb")
        with TempReplica(primary) as replica:
            replica.wait_caught_up()
            yield primary, replica


@pytest.fixture
def db(cluster: tuple[TempCluster, TempReplica]) -> Iterator[Database]:
    primary, replica = cluster
    database = Database(
        primary.url("chatdb"),
        replica_urls=[replica.url("chatdb")],
        pool_min_size=0,
        pool_max_size=4,
        read_your_writes_s=WINDOW_S,
    )
    yield database
    database.close()


def _where(conn: Connection) -> tuple[bool, int]:
    """(in recovery, server port): which server runs this transaction."""
    row = conn.execute("SELECT pg_is_in_recovery(), inet_server_port()").fetchone()
    assert row is not None
    return bool(row[0]), int(row[1])


def test_read_only_transactions_go_to_the_replica_and_writes_to_the_primary(
    db: Database, cluster: tuple[TempCluster, TempReplica]
) -> None:
    primary, replica = cluster
    with db.system(read_only=True) as conn:
        assert _where(conn) == (True, replica.port)
    with db.anonymous(read_only=True) as conn:
        assert _where(conn) == (True, replica.port)
    with db.system() as conn:
        assert _where(conn) == (False, primary.port)
        conn.execute(
            "INSERT INTO notes (user_id, body) VALUES (%s, 'written on the primary')",
            (uuid.uuid4(),),
        )
    with db.anonymous() as conn:  # not read-only: the primary, even without a write
        assert _where(conn) == (False, primary.port)


def test_a_users_reads_go_to_the_primary_right_after_their_write_then_to_the_replica(
    db: Database, cluster: tuple[TempCluster, TempReplica]
) -> None:
    _, replica = cluster
    writer, other = uuid.uuid4(), uuid.uuid4()
    with db.as_user(writer) as conn:
        conn.execute("INSERT INTO notes (user_id, body) VALUES (%s, 'mine')", (writer,))
    written_at = time.monotonic()

    with db.as_user(writer, read_only=True) as conn:
        in_recovery, _ = _where(conn)
        seen = conn.execute("SELECT count(*) FROM notes WHERE user_id = %s", (writer,)).fetchone()
    assert time.monotonic() - written_at < WINDOW_S, "too slow to observe the window"
    assert not in_recovery, "a read right after the user's write must go to the primary"
    assert seen == (1,)
    with db.as_user(other, read_only=True) as conn:
        assert _where(conn)[0], "another user's reads are not pinned to the primary"

    time.sleep(WINDOW_S + 0.1)
    replica.wait_caught_up()
    with db.as_user(writer, read_only=True) as conn:
        assert _where(conn)[0], "after the window the user's reads go back to the replica"
        seen = conn.execute("SELECT count(*) FROM notes WHERE user_id = %s", (writer,)).fetchone()
    assert seen == (1,)


def test_a_rolled_back_transaction_does_not_pin_the_user_to_the_primary(
    db: Database, cluster: tuple[TempCluster, TempReplica]
) -> None:
    # Only committed read-write transactions pin a user: a failed one leaves reads on replicas.
    user = uuid.uuid4()
    with pytest.raises(RuntimeError), db.as_user(user):
        raise RuntimeError("rolled back")
    with db.as_user(user, read_only=True) as conn:
        assert _where(conn)[0]


def test_read_only_transactions_fall_back_to_the_primary_when_the_replica_is_down(
    db: Database, cluster: tuple[TempCluster, TempReplica]
) -> None:
    primary, replica = cluster
    with db.system(read_only=True) as conn:  # the replica pool now holds a connection
        assert _where(conn) == (True, replica.port)
    replica.stop()
    try:
        started = time.monotonic()
        with db.system(read_only=True) as conn:
            assert _where(conn) == (False, primary.port)
        first = time.monotonic() - started
        started = time.monotonic()
        with db.anonymous(read_only=True) as conn:
            assert _where(conn) == (False, primary.port)
        second = time.monotonic() - started
        # The first read waits (briefly) for the replica; then it is skipped while cooling down.
        assert first < 3.0
        assert second < 0.5
    finally:
        replica.start()
        replica.wait_caught_up()


@pytest.fixture
async def async_db(cluster: tuple[TempCluster, TempReplica]) -> AsyncIterator[AsyncDatabase]:
    primary, replica = cluster
    database = AsyncDatabase(
        primary.url("chatdb"),
        replica_urls=[replica.url("chatdb")],
        pool_min_size=0,
        pool_max_size=4,
        read_your_writes_s=WINDOW_S,
    )
    await database.open()
    yield database
    await database.close()


async def test_async_read_only_transactions_go_to_the_replica_and_writes_to_the_primary(
    async_db: AsyncDatabase, cluster: tuple[TempCluster, TempReplica]
) -> None:
    primary, replica = cluster
    query = "SELECT pg_is_in_recovery(), inet_server_port()"
    async with async_db.system(read_only=True) as conn:
        assert await (await conn.execute(query)).fetchone() == (True, replica.port)
    writer = uuid.uuid4()
    async with async_db.as_user(writer) as conn:
        assert await (await conn.execute(query)).fetchone() == (False, primary.port)
        await conn.execute("INSERT INTO notes (user_id, body) VALUES (%s, 'async')", (writer,))
    async with async_db.as_user(writer, read_only=True) as conn:
        assert await (await conn.execute(query)).fetchone() == (False, primary.port)
    async with async_db.as_user(uuid.uuid4(), read_only=True) as conn:
        assert await (await conn.execute(query)).fetchone() == (True, replica.port)
