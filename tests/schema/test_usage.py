"""usage_logs partitions and their maintenance functions, daily_usage counters, the
usage_daily_stats materialized view with its refresh and own-rows functions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest

from .helpers import APP, SYSTEM, acting, count, expect_error, insert, new_user, one

PARTITIONS = """
    SELECT c.relname FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'usage_logs'::regclass ORDER BY 1
"""


def month_name(moment: datetime) -> str:
    return f"usage_logs_y{moment:%Y}m{moment:%m}"


def months_from_now(months: int) -> datetime:
    now = datetime.now(UTC)
    index = now.year * 12 + now.month - 1 + months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def log(
    conn: psycopg.Connection, user: object, at: datetime | None = None, **values: object
) -> None:
    values = {"provider": "openai", "model": "gpt", **values}
    if at is not None:
        values["created_at"] = at
    insert(conn, "usage_logs", user_id=user, **values)


def test_the_migration_created_monthly_partitions_around_now_and_a_default(
    conn: psycopg.Connection,
) -> None:
    names = {row[0] for row in conn.execute(PARTITIONS)}
    expected = {month_name(months_from_now(m)) for m in range(-1, 4)} | {"usage_logs_default"}
    # The template may be older than this month: then the newest ones are what it created.
    assert "usage_logs_default" in names
    assert len(names) >= 6
    if month_name(months_from_now(3)) in names:
        assert expected <= names


def test_rows_land_in_their_month_or_the_default_partition(conn: psycopg.Connection) -> None:
    user = new_user(conn)
    conn.execute("SELECT create_usage_log_partitions(0)")
    log(conn, user)
    log(conn, user, datetime(1999, 1, 1, tzinfo=UTC))
    rows = conn.execute(
        "SELECT tableoid::regclass::text FROM usage_logs WHERE user_id = %s ORDER BY created_at",
        (user,),
    ).fetchall()
    assert rows == [("usage_logs_default",), (month_name(datetime.now(UTC)),)]


def test_create_partitions_is_idempotent_and_moves_rows_out_of_the_default(
    conn: psycopg.Connection,
) -> None:
    user = new_user(conn)
    far = months_from_now(30)
    log(conn, user, far + timedelta(days=3))
    assert (
        one(conn, "SELECT tableoid::regclass::text FROM usage_logs WHERE user_id = %s", (user,))
        == "usage_logs_default"
    )
    with acting(conn, SYSTEM):
        created = [r[0] for r in conn.execute("SELECT * FROM create_usage_log_partitions(31)")]
        assert month_name(far) in created
        assert conn.execute("SELECT * FROM create_usage_log_partitions(31)").fetchall() == []
    assert one(
        conn, "SELECT tableoid::regclass::text FROM usage_logs WHERE user_id = %s", (user,)
    ) == month_name(far)
    # The new partition carries the parent's indexes, foreign key and owner.
    assert (
        one(conn, "SELECT count(*) FROM pg_indexes WHERE tablename = %s", (month_name(far),)) == 2
    )
    assert (
        one(
            conn,
            "SELECT count(*) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
            (month_name(far),),
        )
        == 1
    )
    assert (
        one(
            conn,
            "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = %s",
            (month_name(far),),
        )
        == "chatdb_migrator"
    )


def test_partition_bounds_are_utc_whatever_the_session_time_zone(conn: psycopg.Connection) -> None:
    conn.execute("SET LOCAL timezone = 'Pacific/Kiritimati'")
    conn.execute("SELECT create_usage_log_partitions(40)")
    lower = months_from_now(40)
    conn.execute("SET LOCAL timezone = 'UTC'")
    bound = one(
        conn,
        "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = %s",
        (month_name(months_from_now(40)),),
    )
    assert bound.startswith(f"FOR VALUES FROM ('{lower:%Y-%m-%d} 00:00:00+00')")


def test_drop_partitions_drops_only_months_past_the_retention(conn: psycopg.Connection) -> None:
    user = new_user(conn)
    conn.execute("SELECT create_usage_log_partitions(0, 6)")
    old = months_from_now(-6)
    log(conn, user, old + timedelta(days=1))
    log(conn, user)
    with acting(conn, SYSTEM):
        dropped = [
            r[0]
            for r in conn.execute("SELECT * FROM drop_usage_log_partitions(interval '3 months')")
        ]
    assert month_name(old) in dropped
    assert month_name(months_from_now(-1)) not in dropped
    assert month_name(datetime.now(UTC)) not in dropped
    assert "usage_logs_default" not in dropped
    names = {row[0] for row in conn.execute(PARTITIONS)}
    assert month_name(old) not in names and "usage_logs_default" in names
    assert count(conn, "usage_logs", "user_id = %s", (user,)) == 1


def test_partition_functions_validate_arguments_and_are_not_for_the_app(
    conn: psycopg.Connection,
) -> None:
    expect_error(conn, "SELECT create_usage_log_partitions(-1)", sqlstate="22023")
    expect_error(conn, "SELECT create_usage_log_partitions(1, 500)", sqlstate="22023")
    expect_error(conn, "SELECT drop_usage_log_partitions(interval '0')", sqlstate="22023")
    with acting(conn, APP, new_user(conn)):
        expect_error(conn, "SELECT create_usage_log_partitions(1)", sqlstate="42501")
        expect_error(conn, "SELECT drop_usage_log_partitions(interval '1 year')", sqlstate="42501")


@pytest.mark.parametrize(
    ("columns", "constraint"),
    [
        ({"input_tokens": -1}, "usage_logs_tokens_check"),
        ({"cost": -1}, "usage_logs_cost_check"),
        ({"duration_ms": -1}, "usage_logs_duration_ms_check"),
        ({"metadata": "[]"}, "usage_logs_metadata_check"),
    ],
)
def test_usage_logs_are_checked(
    conn: psycopg.Connection, columns: dict[str, object], constraint: str
) -> None:
    values = {"user_id": new_user(conn), "provider": "openai", "model": "gpt", **columns}
    expect_error(
        conn,
        f"INSERT INTO usage_logs ({', '.join(values)}) VALUES ({', '.join(['%s'] * len(values))})",
        tuple(values.values()),
        constraint=constraint,
    )


def test_usage_logs_are_private_and_cascade_with_the_user(conn: psycopg.Connection) -> None:
    alice, bob = new_user(conn), new_user(conn)
    log(conn, bob)
    log(conn, bob, datetime(1999, 1, 1, tzinfo=UTC))
    log(conn, alice)
    with acting(conn, APP, alice):
        assert count(conn, "usage_logs") == 1
        # Usage logs are billing data: a system flow writes them, for anyone (LogUsage).
        for user in (bob, alice):
            expect_error(
                conn,
                "INSERT INTO usage_logs (user_id, provider, model) VALUES (%s, 'x', 'y')",
                (user,),
                sqlstate="42501",
            )
        expect_error(conn, "SELECT count(*) FROM usage_logs_default", sqlstate="42501")
    conn.execute("DELETE FROM users WHERE id = %s", (bob,))
    assert count(conn, "usage_logs", "user_id = %s", (bob,)) == 0


def test_daily_usage_is_upserted_per_user_and_utc_day(conn: psycopg.Connection) -> None:
    user = new_user(conn)
    increment = (
        "INSERT INTO daily_usage (user_id, message_count) VALUES (%s, 1) "
        "ON CONFLICT (user_id, day) DO UPDATE SET message_count = daily_usage.message_count + 1 "
        "RETURNING message_count"
    )
    with acting(conn, APP, user):
        assert [one(conn, increment, (user,)) for _ in range(3)] == [1, 2, 3]
        assert one(conn, "SELECT day FROM daily_usage") == datetime.now(UTC).date()
        expect_error(
            conn,
            "UPDATE daily_usage SET message_count = -1",
            constraint="daily_usage_counters_check",
        )
    expect_error(
        conn,
        "INSERT INTO daily_usage (user_id, day) VALUES (%s, current_date - 1), (%s, current_date - 1)",
        (user, user),
        constraint="daily_usage_pkey",
    )


def test_usage_daily_stats_refresh_and_own_rows(conn: psycopg.Connection) -> None:
    alice, bob = new_user(conn), new_user(conn)
    day = datetime(2026, 3, 4, 23, 30, tzinfo=UTC)
    for user in (alice, alice, bob):
        log(conn, user, day, input_tokens=10, output_tokens=5, cost="0.01")
    log(conn, alice, day + timedelta(hours=1), input_tokens=1)  # the next UTC day
    with acting(conn, SYSTEM):
        conn.execute("SELECT refresh_usage_daily_stats()")
        assert count(conn, "usage_daily_stats", "user_id = %s", (alice,)) == 2
    with acting(conn, APP, alice):
        rows = conn.execute(
            "SELECT day, request_count, input_tokens, cost FROM current_user_usage_daily_stats(%s, %s)",
            (date(2026, 3, 1), date(2026, 3, 31)),
        ).fetchall()
        assert rows == [
            (date(2026, 3, 4), 2, 20, Decimal("0.02")),
            (date(2026, 3, 5), 1, 1, Decimal("0")),
        ]
        expect_error(conn, "SELECT * FROM usage_daily_stats", sqlstate="42501")
        expect_error(conn, "SELECT refresh_usage_daily_stats()", sqlstate="42501")
    with acting(conn, APP, None):
        assert (
            conn.execute(
                "SELECT * FROM current_user_usage_daily_stats('2000-01-01', '2100-01-01')"
            ).fetchall()
            == []
        )


@pytest.mark.parametrize(
    "change",
    [
        "message_count = message_count - 1",
        "input_tokens = 0",
        "output_tokens = 0",
        "cost = 0",
        "day = day - 1",
    ],
)
def test_the_app_cannot_lower_its_own_daily_usage_counters(
    conn: psycopg.Connection, change: str
) -> None:
    user = new_user(conn)
    insert(
        conn,
        "daily_usage",
        user_id=user,
        message_count=5,
        input_tokens=50,
        output_tokens=50,
        cost=1,
    )
    with acting(conn, APP, user):
        if change.startswith("message_count"):
            expect_error(
                conn,
                f"UPDATE daily_usage SET {change} WHERE user_id = %s",
                (user,),
                constraint="daily_usage_counters_monotonic_check",
            )
        else:  # token counts, cost and the day are not the app's to write at all
            expect_error(
                conn,
                f"UPDATE daily_usage SET {change} WHERE user_id = %s",
                (user,),
                sqlstate="42501",
            )
        conn.execute(
            "UPDATE daily_usage SET message_count = message_count + 1 WHERE user_id = %s", (user,)
        )
    with acting(conn, SYSTEM):  # corrections and resets stay possible
        conn.execute("UPDATE daily_usage SET message_count = 0 WHERE user_id = %s", (user,))
    assert one(conn, "SELECT message_count FROM daily_usage WHERE user_id = %s", (user,)) == 0
