"""Fixtures of the cache tests: the machine's Redis under a key prefix of this test's own
(removed afterwards with SCAN + UNLINK; never FLUSHALL/FLUSHDB), Redis servers a test starts,
stops and kills itself, and users/chats committed in the shared clone."""

from __future__ import annotations

import contextlib
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis

from chatdb import Database
from chatdb.cache import ReadCache, load_cache_settings
from support.factories import email, make_chat, make_user
from support.servers import free_port, port_open

SHARED_REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="session")
def shared_redis() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(SHARED_REDIS_URL, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis at {SHARED_REDIS_URL}: {exc}")
    yield client
    client.close()


def remove_prefix(client: redis.Redis, prefix: str) -> None:
    batch = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    for start in range(0, len(batch), 500):
        client.unlink(*batch[start : start + 500])


@pytest.fixture
def prefix(shared_redis: redis.Redis) -> Iterator[str]:
    """A key prefix of this test's own on the shared Redis, removed afterwards."""
    name = f"chatdb-test-{uuid.uuid4().hex[:12]}"
    yield name
    remove_prefix(shared_redis, name)


@pytest.fixture
def cache(database: Database, prefix: str) -> Iterator[ReadCache]:
    settings = load_cache_settings(redis_url=SHARED_REDIS_URL, prefix=prefix)
    with ReadCache(database, settings=settings) as read_cache:
        yield read_cache


@dataclass
class Owner:
    user_id: uuid.UUID
    private_chat: uuid.UUID
    public_chat: uuid.UUID


def new_owner(database: Database) -> Owner:
    """A user (committed) with one private and one public chat."""
    user_id = make_user(database, email=email("cache"))
    private = make_chat(database, user_id, visibility="private", title="private chat")
    public = make_chat(database, user_id, visibility="public", title="public chat")
    return Owner(user_id, private, public)


@pytest.fixture
def owner(database: Database) -> Iterator[Owner]:
    made = new_owner(database)
    yield made
    with database.system() as conn:
        conn.execute("DELETE FROM users WHERE id = %s", (made.user_id,))


@pytest.fixture
def other_owner(database: Database) -> Iterator[Owner]:
    made = new_owner(database)
    yield made
    with database.system() as conn:
        conn.execute("DELETE FROM users WHERE id = %s", (made.user_id,))


class RedisServer:
    """A `redis-server` of the test's own on a spare port: started, stopped, killed and
    restarted on purpose (the machine's shared Redis is never touched)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--enable-debug-command",
                "yes",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not port_open(self.port):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"redis-server on port {self.port} did not start")
            time.sleep(0.02)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=5)


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(Exception):
            server.stop()


@pytest.fixture
def closed_port_url() -> str:
    """A Redis URL nothing listens on."""
    return f"redis://127.0.0.1:{free_port()}/0"
