"""referrals: no self-referral, referred once, completion stamp, and the per-referrer maximum
of successful referrals, enforced race-safely."""

from __future__ import annotations

import threading
import time
import uuid

import psycopg

from .helpers import APP, SYSTEM, acting, configure, count, expect_error, insert, new_user, one

REDEEM = (
    "INSERT INTO referrals (referrer_id, referred_id, status, completed_at, credits_awarded) "
    "VALUES (%s, %s, 'completed', now(), 10)"
)


def referral_count(conn: psycopg.Connection, user: uuid.UUID) -> int:
    return int(one(conn, "SELECT successful_referral_count FROM users WHERE id = %s", (user,)))


def test_a_user_cannot_refer_themselves(conn: psycopg.Connection) -> None:
    user = new_user(conn)
    expect_error(
        conn, REDEEM, (user, user), constraint="referrals_no_self_referral_check", sqlstate="23514"
    )


def test_a_user_is_referred_at_most_once(conn: psycopg.Connection) -> None:
    first, second, referred = new_user(conn), new_user(conn), new_user(conn)
    conn.execute(REDEEM, (first, referred))
    expect_error(
        conn, REDEEM, (second, referred), constraint="referrals_referred_id_key", sqlstate="23505"
    )
    expect_error(conn, REDEEM, (first, referred), constraint="referrals_pkey")


def test_completed_at_is_set_exactly_when_completed(conn: psycopg.Connection) -> None:
    referrer, referred = new_user(conn), new_user(conn)
    expect_error(
        conn,
        "INSERT INTO referrals (referrer_id, referred_id, status) VALUES (%s, %s, 'completed')",
        (referrer, referred),
        constraint="referrals_completed_at_check",
    )
    expect_error(
        conn,
        "INSERT INTO referrals (referrer_id, referred_id, completed_at) VALUES (%s, %s, now())",
        (referrer, referred),
        constraint="referrals_completed_at_check",
    )
    expect_error(
        conn,
        "INSERT INTO referrals (referrer_id, referred_id, credits_awarded) VALUES (%s, %s, -1)",
        (referrer, referred),
        constraint="referrals_credits_awarded_check",
    )
    insert(conn, "referrals", referrer_id=referrer, referred_id=referred)
    assert referral_count(conn, referrer) == 0
    conn.execute(
        "UPDATE referrals SET status = 'completed', completed_at = now() WHERE referred_id = %s",
        (referred,),
    )
    assert referral_count(conn, referrer) == 1


def test_the_maximum_of_successful_referrals_is_enforced(conn: psycopg.Connection) -> None:
    configure(conn, max_successful_referrals=2)
    referrer = new_user(conn)
    completed = [new_user(conn), new_user(conn)]
    for referred in completed:
        conn.execute(REDEEM, (referrer, referred))
    error = expect_error(
        conn,
        REDEEM,
        (referrer, new_user(conn)),
        constraint="referrals_referrer_maximum_check",
        sqlstate="23514",
    )
    assert error.diag.table_name == "referrals"
    # Pending referrals do not count; completing one over the maximum is refused too.
    pending = new_user(conn)
    insert(conn, "referrals", referrer_id=referrer, referred_id=pending)
    expect_error(
        conn,
        "UPDATE referrals SET status = 'completed', completed_at = now() WHERE referred_id = %s",
        (pending,),
        constraint="referrals_referrer_maximum_check",
    )
    # Cancelling a completed referral frees its slot.
    conn.execute(
        "UPDATE referrals SET status = 'cancelled', completed_at = NULL WHERE referred_id = %s",
        (completed[0],),
    )
    assert referral_count(conn, referrer) == 1
    conn.execute(
        "UPDATE referrals SET status = 'completed', completed_at = now() WHERE referred_id = %s",
        (pending,),
    )
    assert referral_count(conn, referrer) == 2


def test_the_default_maximum_is_ten(conn: psycopg.Connection) -> None:
    referrer = new_user(conn)
    for _ in range(10):
        conn.execute(REDEEM, (referrer, new_user(conn)))
    expect_error(
        conn, REDEEM, (referrer, new_user(conn)), constraint="referrals_referrer_maximum_check"
    )


def test_a_skipped_insert_does_not_count(conn: psycopg.Connection) -> None:
    referrer, referred = new_user(conn), new_user(conn)
    conn.execute(REDEEM, (referrer, referred))
    rows = conn.execute(
        REDEEM + " ON CONFLICT DO NOTHING RETURNING referrer_id", (new_user(conn), referred)
    ).fetchall()
    assert rows == []
    assert referral_count(conn, referrer) == 1


def test_referrals_are_visible_to_both_participants_only_and_written_by_system(
    conn: psycopg.Connection,
) -> None:
    referrer, referred, stranger = new_user(conn), new_user(conn), new_user(conn)
    with acting(conn, SYSTEM):
        conn.execute(REDEEM, (referrer, referred))
    for user, visible in ((referrer, 1), (referred, 1), (stranger, 0)):
        with acting(conn, APP, user):
            assert count(conn, "referrals") == visible
    with acting(conn, APP, stranger):
        expect_error(conn, REDEEM, (referrer, stranger), sqlstate="42501")


def test_concurrent_redemptions_never_exceed_the_maximum(db_url: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        referrer = new_user(conn)
        referred = [new_user(conn) for _ in range(12)]
        configure(conn, max_successful_referrals=5)
    start = threading.Barrier(len(referred))
    outcomes: list[str] = []

    def redeem(user: uuid.UUID) -> None:
        with psycopg.connect(db_url) as conn:
            start.wait()
            try:
                with conn.transaction():
                    conn.execute(f"SET LOCAL ROLE {SYSTEM}")
                    conn.execute(REDEEM, (referrer, user))
                outcomes.append("ok")
            except psycopg.Error as exc:
                outcomes.append(exc.diag.constraint_name or exc.sqlstate or "?")

    threads = [threading.Thread(target=redeem, args=(user,)) for user in referred]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 5
    assert outcomes.count("referrals_referrer_maximum_check") == 7
    with psycopg.connect(db_url) as conn:
        assert (
            count(conn, "referrals", "referrer_id = %s AND status = 'completed'", (referrer,)) == 5
        )
        assert referral_count(conn, referrer) == 5


def test_two_users_cannot_refer_each_other(conn: psycopg.Connection) -> None:
    alice, bob = new_user(conn), new_user(conn)
    conn.execute(REDEEM, (alice, bob))
    for status in ("completed", "pending"):
        expect_error(
            conn,
            "INSERT INTO referrals (referrer_id, referred_id, status, completed_at) "
            "VALUES (%s, %s, %s, CASE WHEN %s = 'completed' THEN now() END)",
            (bob, alice, status, status),
            constraint="referrals_no_mutual_referral_check",
            sqlstate="23514",
        )
    carol = new_user(conn)
    conn.execute(REDEEM, (bob, carol))  # bob refers someone else: fine
    expect_error(
        conn,
        "UPDATE referrals SET referrer_id = %s WHERE referred_id = %s",
        (carol, bob),
        constraint="referrals_no_mutual_referral_check",
    )
    assert referral_count(conn, bob) == 1


def test_concurrent_mutual_referrals_leave_one(db_url: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as setup:
        alice, bob = new_user(setup), new_user(setup)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def redeem(referrer: uuid.UUID, referred: uuid.UUID) -> None:
        with psycopg.connect(db_url) as conn:
            start.wait()
            try:
                with conn.transaction():
                    conn.execute(f"SET LOCAL ROLE {SYSTEM}")
                    conn.execute(REDEEM, (referrer, referred))
                    time.sleep(0.2)  # both inserts are in flight together
                outcomes.append("ok")
            except psycopg.Error as exc:
                outcomes.append(exc.diag.constraint_name or exc.sqlstate or "?")

    threads = [threading.Thread(target=redeem, args=pair) for pair in ((alice, bob), (bob, alice))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "referrals_no_mutual_referral_check"]
    with psycopg.connect(db_url) as conn:
        assert count(conn, "referrals", "referrer_id IN (%s, %s)", (alice, bob)) == 1
