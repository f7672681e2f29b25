"""Recovery within a second: once the server accepts connections again, calls succeed.

The outage is made by a TCP proxy on loopback that these tests control, in front of the real
test server: `down()` closes its listening socket (new connections are refused, as from a
stopped server) and cuts every relayed connection; `up()` listens on the same port again.
The outage lasts long enough (4.5 s) for psycopg-pool's own doubling backoff (1 s, 2 s, 4 s)
to have grown past a second; chatdb's pools retry within `MAX_RECONNECT_DELAY_S` and try a
real connection before failing a caller from the last error.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from chatdb import AsyncDatabase, Database, errors
from support.relay import Proxy, through, upstream_of

OUTAGE_S = 4.5
RECOVERY_LIMIT_S = 1.0


@pytest.fixture
def proxy(make_clone: Callable[[str], str]) -> Iterator[tuple[Proxy, str]]:
    url = make_clone("recovery")
    relay = Proxy(upstream_of(url))
    relay.up()
    yield relay, through(url, relay.port)
    relay.down()


SETTINGS: dict[str, Any] = {
    "pool_min_size": 2,
    "pool_max_size": 4,
    "pool_timeout_s": 5.0,
    "connect_timeout_s": 2,
    "max_retries": 0,
}


def _ping(db: Database) -> None:
    with db.system() as conn:
        conn.execute("SELECT 1")


def _outage(db_call: Callable[[], None], relay: Proxy) -> int:
    """Take the server away for OUTAGE_S while a caller keeps calling; return how many of
    its calls failed (each with DatabaseUnavailable, nothing else)."""
    relay.down()
    failures = 0
    until = time.monotonic() + OUTAGE_S
    while time.monotonic() < until:
        try:
            db_call()
        except errors.DatabaseUnavailable:
            failures += 1
        time.sleep(0.05)
    return failures


def test_calls_succeed_within_a_second_after_the_server_is_back(
    proxy: tuple[Proxy, str],
) -> None:
    relay, url = proxy
    with Database(url, **SETTINGS) as db:
        db.open(wait=True)
        _ping(db)
        assert _outage(lambda: _ping(db), relay) > 0
        relay.up()
        back = time.monotonic()
        while True:
            try:
                _ping(db)
                break
            except errors.DatabaseUnavailable:
                assert time.monotonic() - back < RECOVERY_LIMIT_S + 2, "never recovered"
                time.sleep(0.02)
        recovered_in = time.monotonic() - back
        assert recovered_in < RECOVERY_LIMIT_S, f"recovered after {recovered_in:.2f} s"
        for _ in range(20):  # and it stays recovered: the pool refilled
            _ping(db)


def test_the_pool_itself_reconnects_within_the_bounded_backoff(proxy: tuple[Proxy, str]) -> None:
    """Without any caller asking, the pool has its connections back within a second."""
    relay, url = proxy
    with Database(url, **SETTINGS) as db:
        db.open(wait=True)
        relay.down()
        with contextlib.suppress(errors.DatabaseUnavailable):
            _ping(db)  # finds its connection dead: the pool starts reconnecting
        time.sleep(OUTAGE_S)
        relay.up()
        time.sleep(RECOVERY_LIMIT_S)
        stats = db.pool.get_stats()
        assert stats.get("pool_available", 0) >= 1, stats


async def test_async_calls_succeed_within_a_second_after_the_server_is_back(
    proxy: tuple[Proxy, str],
) -> None:
    relay, url = proxy
    async with AsyncDatabase(url, **SETTINGS) as db:

        async def ping() -> None:
            async with db.system() as conn:
                await conn.execute("SELECT 1")

        await ping()
        relay.down()
        failures = 0
        until = time.monotonic() + OUTAGE_S
        while time.monotonic() < until:
            try:
                await ping()
            except errors.DatabaseUnavailable:
                failures += 1
            await asyncio.sleep(0.05)
        assert failures > 0
        relay.up()
        back = time.monotonic()
        while True:
            try:
                await ping()
                break
            except errors.DatabaseUnavailable:
                assert time.monotonic() - back < RECOVERY_LIMIT_S + 2, "never recovered"
                await asyncio.sleep(0.02)
        recovered_in = time.monotonic() - back
        assert recovered_in < RECOVERY_LIMIT_S, f"recovered after {recovered_in:.2f} s"


def test_the_proxy_really_cuts_the_server_off(proxy: tuple[Proxy, str]) -> None:
    relay, url = proxy
    relay.down()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=2).close()
    relay.up()
    psycopg.connect(url, connect_timeout=2).close()
