"""usage.sql: the request log, daily counters, the daily stats view and message quotas."""

from __future__ import annotations

import datetime
import threading
import uuid
from decimal import Decimal
from typing import Any

import pytest

from chatdb import AsyncDatabase, Database, errors
from chatdb.queries import usage
from chatdb.queries.aio import usage as aio_usage
from support.factories import make_user, set_user
from support.logins import logins

UTC = datetime.UTC


def log_params(user: uuid.UUID, **kw: Any) -> usage.LogUsageParams:
    values: dict[str, Any] = {
        "created_at": None,
        "user_id": user,
        "chat_id": None,
        "message_id": None,
        "provider": "openai",
        "model": "gpt-4o",
        "input_tokens": 100,
        "output_tokens": 50,
        "cache_read_tokens": None,
        "cache_write_tokens": None,
        "cost": Decimal("0.001"),
        "duration_ms": 420,
        "metadata": None,
    } | kw
    return usage.LogUsageParams(**values)


def test_log_usage_returns_the_row_with_defaults(database: Database) -> None:
    user = make_user(database)
    with database.system() as conn:  # usage logs are billing data: a system flow writes them
        row = usage.log_usage(conn, params=log_params(user, metadata={"finish": "stop"}))
    assert row.user_id == user
    assert (row.cache_read_tokens, row.cache_write_tokens) == (0, 0)
    assert row.metadata == {"finish": "stop"} and row.cost == Decimal("0.001")


@pytest.mark.parametrize(
    ("kw", "error"),
    [
        ({"input_tokens": -1}, errors.CheckViolation),
        ({"cost": Decimal("-0.01")}, errors.CheckViolation),
        ({"metadata": ["not", "an", "object"]}, errors.CheckViolation),
        ({"cost": Decimal("1e20")}, errors.InvalidInput),
        ({"input_tokens": 2**31}, errors.InvalidInput),
    ],
)
def test_log_usage_rejects_bad_values_and_writes_nothing(
    database: Database, kw: dict[str, object], error: type[Exception]
) -> None:
    user = make_user(database)
    with pytest.raises(error), database.system() as conn:
        usage.log_usage(conn, params=log_params(user, **kw))
    with database.as_user(user) as conn:
        since = datetime.datetime(2000, 1, 1, tzinfo=UTC)
        assert usage.usage_by_provider_model(conn, user_id=user, since=since) == []


def test_the_app_cannot_log_usage_for_anyone(database: Database) -> None:
    user, other = make_user(database), make_user(database)
    for who in (user, other):
        with pytest.raises(errors.PermissionDenied), database.as_user(who) as conn:
            usage.log_usage(conn, params=log_params(user, cost=Decimal(0)))
    with database.as_user(user) as conn:
        since = datetime.datetime(2000, 1, 1, tzinfo=UTC)
        assert usage.usage_by_provider_model(conn, user_id=user, since=since) == []


def test_usage_by_provider_model_groups_since_a_time(database: Database) -> None:
    user, other = make_user(database), make_user(database)
    now = datetime.datetime.now(UTC)
    old = now - datetime.timedelta(days=40)
    with database.system() as conn:
        usage.log_usage(conn, params=log_params(user, cost=Decimal("0.5")))
        usage.log_usage(conn, params=log_params(user, cost=Decimal("0.25"), input_tokens=1))
        usage.log_usage(conn, params=log_params(user, model="gpt-mini", cost=Decimal("0.1")))
        usage.log_usage(conn, params=log_params(user, created_at=old, cost=Decimal("9")))
    with database.system() as conn:
        usage.log_usage(conn, params=log_params(other, cost=Decimal("7")))
    since = now - datetime.timedelta(days=1)
    with database.as_user(user) as conn:
        rows = usage.usage_by_provider_model(conn, user_id=user, since=since)
        everything = usage.usage_by_provider_model(conn, user_id=user, since=old)
        # Another user's id gives nothing under RLS.
        assert usage.usage_by_provider_model(conn, user_id=other, since=since) == []
    assert [(r.model, r.request_count, r.input_tokens, r.cost) for r in rows] == [
        ("gpt-4o", 2, 101, Decimal("0.75")),
        ("gpt-mini", 1, 100, Decimal("0.1")),
    ]
    assert everything[0].cost == Decimal("9.75")


def test_usage_by_provider_model_is_empty_without_usage(database: Database) -> None:
    user = make_user(database)
    with database.as_user(user) as conn:
        since = datetime.datetime(2000, 1, 1, tzinfo=UTC)
        assert usage.usage_by_provider_model(conn, user_id=user, since=since) == []


def test_daily_usage_reads_own_rows_of_the_refreshed_view(database: Database) -> None:
    user, other = make_user(database), make_user(database)
    day = datetime.datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    yesterday = day - datetime.timedelta(days=1)
    with database.system() as conn:
        usage.log_usage(conn, params=log_params(user, created_at=day))
        usage.log_usage(conn, params=log_params(user, created_at=day, cost=Decimal("0.002")))
        usage.log_usage(conn, params=log_params(user, created_at=yesterday))
    with database.system() as conn:
        usage.log_usage(conn, params=log_params(other, created_at=day))
    with database.as_user(user) as conn:
        before_refresh = usage.daily_usage(conn, from_day=yesterday.date(), to_day=day.date())
    with database.system() as conn:
        usage.refresh_usage_daily_stats(conn)
    with database.as_user(user) as conn:
        rows = usage.daily_usage(conn, from_day=yesterday.date(), to_day=day.date())
        only_today = usage.daily_usage(conn, from_day=day.date(), to_day=day.date())
    assert before_refresh == []
    assert [(r.day, r.request_count, r.cost) for r in rows] == [
        (yesterday.date(), 1, Decimal("0.001")),
        (day.date(), 2, Decimal("0.003")),
    ]
    assert all(r.user_id == user for r in rows) and len(only_today) == 1
    with database.anonymous() as conn:
        assert usage.daily_usage(conn, from_day=yesterday.date(), to_day=day.date()) == []


def test_app_role_cannot_refresh_the_view(database: Database) -> None:
    user = make_user(database)
    with pytest.raises(errors.PermissionDenied), database.as_user(user) as conn:
        usage.refresh_usage_daily_stats(conn)


def test_increment_daily_message_count_returns_the_new_count(database: Database) -> None:
    user = make_user(database)
    other_day = datetime.date(2026, 1, 1)
    with database.as_user(user) as conn:
        assert usage.get_daily_usage(conn, user_id=user, day=None) is None
        counts = [
            usage.increment_daily_message_count(conn, user_id=user, day=None) for _ in range(3)
        ]
        assert usage.increment_daily_message_count(conn, user_id=user, day=other_day) == 1
        today = usage.get_daily_usage(conn, user_id=user, day=None)
    assert counts == [1, 2, 3]
    assert today is not None and today.message_count == 3


def test_increment_daily_message_count_loses_no_concurrent_update(database: Database) -> None:
    user = make_user(database)
    results: list[int] = []

    def bump() -> None:
        for _ in range(5):
            with database.as_user(user) as conn:
                n = usage.increment_daily_message_count(conn, user_id=user, day=None)
                results.append(n)

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == list(range(1, 41))


def test_increment_for_another_user_is_refused(database: Database) -> None:
    user, other = make_user(database), make_user(database)
    with pytest.raises(errors.PermissionDenied), database.as_user(other) as conn:
        usage.increment_daily_message_count(conn, user_id=user, day=None)


def test_get_quota_info_uses_the_generated_end_date(database: Database) -> None:
    user = make_user(database)
    start = datetime.datetime.now(UTC) - datetime.timedelta(days=2)
    with database.as_user(user) as conn:
        fresh = usage.get_quota_info(conn, user_id=user)
    set_user(
        database,
        user,
        quota=100,
        quota_started_at=start,
        next_quota_reset=start + datetime.timedelta(days=30),
    )
    with database.as_user(user) as conn:
        usage.increment_daily_message_count(conn, user_id=user, day=None)
        usage.increment_daily_message_count(conn, user_id=user, day=None)
        usage.increment_daily_message_count(conn, user_id=user, day=datetime.date(2000, 1, 1))
        info = usage.get_quota_info(conn, user_id=user)
    assert fresh is not None and fresh.end_date is None and not fresh.expired and fresh.used == 0
    assert info is not None and info.quota == 100
    assert info.end_date == start + datetime.timedelta(days=30) and not info.expired
    assert info.used == 2  # the day before the period is not counted


def test_get_quota_info_of_another_user_is_none(database: Database) -> None:
    user, other = make_user(database), make_user(database)
    with database.as_user(other) as conn:
        assert usage.get_quota_info(conn, user_id=user) is None


def test_reset_expired_quotas_starts_a_new_period_of_the_same_length(db_url: str) -> None:
    with Database(**logins(db_url), pool_min_size=1, pool_max_size=2) as db:
        now = datetime.datetime.now(UTC)
        expired = make_user(db)
        open_ended = make_user(db)
        current = make_user(db)
        never = make_user(db)
        set_user(
            db,
            expired,
            quota=10,
            quota_started_at=now - datetime.timedelta(days=8),
            next_quota_reset=now - datetime.timedelta(days=1),
        )
        set_user(db, open_ended, quota_started_at=now - datetime.timedelta(days=3))
        set_user(
            db,
            current,
            quota_started_at=now - datetime.timedelta(days=1),
            next_quota_reset=now + datetime.timedelta(days=6),
        )
        with db.system() as conn:
            first = usage.reset_expired_quotas(
                conn, as_of=now, default_period=datetime.timedelta(days=30), batch_size=1
            )
            second = usage.reset_expired_quotas(
                conn, as_of=now, default_period=datetime.timedelta(days=30), batch_size=10
            )
            third = usage.reset_expired_quotas(
                conn, as_of=now, default_period=datetime.timedelta(days=30), batch_size=10
            )
        by_id = {r.id: r for r in first + second}
        assert len(first) == 1 and set(by_id) == {expired, open_ended} and third == []
        assert by_id[expired].quota_started_at == now
        assert by_id[expired].end_date == now + datetime.timedelta(days=7)
        assert by_id[expired].quota == 10
        assert by_id[open_ended].end_date == now + datetime.timedelta(days=30)
        with db.as_user(current) as conn:
            info = usage.get_quota_info(conn, user_id=current)
        assert info is not None and info.end_date == now + datetime.timedelta(days=6)
        assert never not in by_id


def test_reset_expired_quotas_is_refused_to_the_app_role(database: Database) -> None:
    user = make_user(database)
    with pytest.raises(errors.PermissionDenied), database.as_user(user) as conn:
        usage.reset_expired_quotas(
            conn,
            as_of=datetime.datetime.now(UTC),
            default_period=datetime.timedelta(days=30),
            batch_size=10,
        )


async def test_async_log_usage_and_increment(
    database: Database, async_database: AsyncDatabase
) -> None:
    user = make_user(database)
    async with async_database.system() as conn:
        await aio_usage.log_usage(conn, params=log_params(user))
    async with async_database.as_user(user) as conn:
        count = await aio_usage.increment_daily_message_count(conn, user_id=user, day=None)
        info = await aio_usage.get_quota_info(conn, user_id=user)
    assert count == 1 and info is not None and info.used == 1


def test_reset_expired_quotas_by_concurrent_workers_resets_each_user_once(db_url: str) -> None:
    # SKIP LOCKED: workers racing over the same due users split them, never reset one twice.
    with Database(**logins(db_url), pool_min_size=1, pool_max_size=4) as db:
        now = datetime.datetime.now(UTC)
        due = [make_user(db) for _ in range(12)]
        for user in due:
            set_user(
                db,
                user,
                quota=5,
                quota_started_at=now - datetime.timedelta(days=31),
                next_quota_reset=now - datetime.timedelta(days=1),
            )
        start = threading.Barrier(4)
        reset: list[uuid.UUID] = []
        lock = threading.Lock()

        def work() -> None:
            start.wait()
            while True:
                with db.system() as conn:
                    rows = usage.reset_expired_quotas(
                        conn, as_of=now, default_period=datetime.timedelta(days=30), batch_size=2
                    )
                if not rows:
                    return
                with lock:
                    reset.extend(r.id for r in rows if r.id in due)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(reset) == sorted(due)  # every due user once, none twice
