"""credit_ledger: insert-only, idempotent by operation_id, the only writer of
users.credit_balance, signup credits through it; exact under concurrency."""

from __future__ import annotations

import threading
import uuid
from decimal import Decimal

import psycopg
import pytest

from .helpers import (
    APP,
    SIGNUP_CREDITS,
    SYSTEM,
    acting,
    configure,
    count,
    expect_error,
    new_user,
    one,
)

SPEND = """
    INSERT INTO credit_ledger (user_id, operation_id, amount, reason)
    VALUES (%s, %s, %s, 'usage')
    RETURNING balance_after
"""
GRANT = """
    INSERT INTO credit_ledger (user_id, operation_id, amount, reason)
    VALUES (%s, %s, %s, 'purchase')
    RETURNING balance_after
"""


def balance(conn: psycopg.Connection, user_id: uuid.UUID) -> Decimal:
    return Decimal(one(conn, "SELECT credit_balance FROM users WHERE id = %s", (user_id,)))


def ledger_sum(conn: psycopg.Connection, user_id: uuid.UUID) -> Decimal:
    return Decimal(
        one(
            conn,
            "SELECT coalesce(sum(amount), 0) FROM credit_ledger WHERE user_id = %s",
            (user_id,),
        )
    )


def test_new_user_gets_signup_credits_through_the_ledger(conn: psycopg.Connection) -> None:
    user = new_user(conn)
    row = conn.execute(
        "SELECT operation_id, amount, balance_after, reason FROM credit_ledger WHERE user_id = %s",
        (user,),
    ).fetchall()
    assert row == [(f"signup:{user}", SIGNUP_CREDITS, SIGNUP_CREDITS, "signup")]
    assert balance(conn, user) == SIGNUP_CREDITS


def test_signup_credits_follow_app_settings_and_zero_disables_them(
    conn: psycopg.Connection,
) -> None:
    configure(conn, signup_credits=Decimal("7.5"))
    assert balance(conn, new_user(conn)) == Decimal("7.5")
    configure(conn, signup_credits=0)
    user = new_user(conn)
    assert balance(conn, user) == 0
    assert count(conn, "credit_ledger", "user_id = %s", (user,)) == 0
    for bad in (Decimal("-1"), Decimal("NaN")):
        expect_error(
            conn,
            "UPDATE app_settings SET signup_credits = %s",
            (bad,),
            constraint="app_settings_signup_credits_check",
        )


@pytest.mark.parametrize("scope", ["SET LOCAL", "SET"])
def test_a_session_setting_does_not_change_signup_credits(
    conn: psycopg.Connection, scope: str
) -> None:
    # The old trigger read chatdb.signup_credits, which any session may set.
    conn.execute(f"{scope} chatdb.signup_credits = '1000000'")
    with acting(conn, SYSTEM):
        conn.execute("SELECT set_config('chatdb.signup_credits', '1000000', true)")
        user = one(conn, "INSERT INTO users (email) VALUES ('rich@example.com') RETURNING id")
    assert balance(conn, user) == SIGNUP_CREDITS
    conn.execute("RESET chatdb.signup_credits")


@pytest.mark.parametrize("role", [APP, SYSTEM])
def test_runtime_roles_cannot_change_app_settings(conn: psycopg.Connection, role: str) -> None:
    user = new_user(conn)
    for statement in (
        "UPDATE app_settings SET signup_credits = 1000000",
        "UPDATE app_settings SET max_successful_referrals = 1000000",
        "DELETE FROM app_settings",
        "INSERT INTO app_settings (singleton) VALUES (true)",
    ):
        with acting(conn, role, user):
            expect_error(conn, statement, sqlstate="42501")
    with acting(conn, SYSTEM):
        assert one(conn, "SELECT signup_credits FROM app_settings") == SIGNUP_CREDITS
    with acting(conn, APP, user):
        expect_error(conn, "SELECT signup_credits FROM app_settings", sqlstate="42501")


def test_ledger_insert_applies_the_amount_and_returns_balance_after(
    conn: psycopg.Connection,
) -> None:
    user = new_user(conn)
    with acting(conn, SYSTEM):
        assert one(conn, GRANT, (user, "stripe:evt_1", Decimal("50"))) == 150
    with acting(conn, APP, user):
        assert one(conn, SPEND, (user, "msg:1", Decimal("-0.25"))) == Decimal("149.75")
    assert balance(conn, user) == Decimal("149.75") == ledger_sum(conn, user)


def test_writer_supplied_balance_after_is_replaced(conn: psycopg.Connection) -> None:
    user = new_user(conn)
    after = one(
        conn,
        "INSERT INTO credit_ledger (user_id, operation_id, amount, reason, balance_after) "
        "VALUES (%s, 'promo:1', 5, 'promotion', 999999) RETURNING balance_after",
        (user,),
    )
    assert after == SIGNUP_CREDITS + 5


def test_spending_more_than_the_balance_fails_with_the_named_check_and_writes_nothing(
    conn: psycopg.Connection,
) -> None:
    user = new_user(conn)
    with acting(conn, APP, user):
        error = expect_error(
            conn,
            SPEND,
            (user, "msg:too-much", Decimal("-100.000001")),
            constraint="users_credit_balance_nonnegative_check",
        )
    assert error.sqlstate == "23514"
    assert error.diag.table_name == "users"
    assert balance(conn, user) == SIGNUP_CREDITS
    assert count(conn, "credit_ledger", "operation_id = 'msg:too-much'") == 0
    with acting(conn, APP, user):
        assert one(conn, SPEND, (user, "msg:all", -SIGNUP_CREDITS)) == 0


def test_an_applied_operation_is_a_no_op_that_returns_no_row(conn: psycopg.Connection) -> None:
    user = new_user(conn)
    with acting(conn, APP, user):
        assert conn.execute(SPEND, (user, "msg:42", -10)).fetchall() == [(90,)]
        assert conn.execute(SPEND, (user, "msg:42", -10)).fetchall() == []
    assert balance(conn, user) == 90
    assert count(conn, "credit_ledger", "operation_id = 'msg:42'") == 1


def test_reusing_an_operation_id_for_another_entry_is_a_unique_violation(
    conn: psycopg.Connection,
) -> None:
    user, other = new_user(conn), new_user(conn)
    conn.execute(SPEND, (user, "msg:7", -1))
    expect_error(
        conn,
        SPEND,
        (user, "msg:7", -2),
        constraint="credit_ledger_operation_id_key",
        sqlstate="23505",
    )
    expect_error(
        conn,
        SPEND,
        (other, "msg:7", -1),
        constraint="credit_ledger_operation_id_key",
        sqlstate="23505",
    )
    # The signup operation of a user can never be granted twice.
    expect_error(
        conn,
        "INSERT INTO credit_ledger (user_id, operation_id, amount, reason) VALUES (%s, %s, 5, 'signup')",
        (user, f"signup:{user}"),
        constraint="credit_ledger_operation_id_key",
    )


def test_app_user_cannot_probe_another_users_operation_id(conn: psycopg.Connection) -> None:
    alice, bob = new_user(conn), new_user(conn)
    with acting(conn, APP, alice):
        conn.execute(SPEND, (alice, "msg:alice-secret", -7))
    with acting(conn, APP, bob):
        # Alice's exact entry: the "already applied" no-op (INSERT 0 0) would confirm it.
        probe = expect_error(conn, SPEND, (alice, "msg:alice-secret", -7), sqlstate="42501")
        fresh = expect_error(conn, SPEND, (alice, "msg:never-used", -7), sqlstate="42501")
        assert str(probe) == str(fresh)
        # Alice's operation id on Bob's own entry.
        reused = expect_error(conn, SPEND, (bob, "msg:alice-secret", -1), sqlstate="42501")
        assert reused.diag.constraint_name == "credit_ledger_operation_id_key"
        for error in (probe, fresh, reused):
            # CONTEXT is the PL/pgSQL location ("... line 77 at RAISE"), never data.
            shown = "\n".join(
                line for line in str(error).splitlines() if not line.startswith("CONTEXT:")
            )
            text = " ".join(
                filter(None, (shown, error.diag.message_detail, error.diag.message_hint))
            )
            assert str(alice) not in text and "7" not in text and "usage" not in text
    assert balance(conn, alice) == SIGNUP_CREDITS - 7
    assert balance(conn, bob) == SIGNUP_CREDITS
    assert count(conn, "credit_ledger", "operation_id = 'msg:alice-secret'") == 1


def test_system_reusing_another_users_operation_id_names_no_data_of_theirs(
    conn: psycopg.Connection,
) -> None:
    alice, bob = new_user(conn), new_user(conn)
    conn.execute(SPEND, (alice, "msg:alice-entry", -7))
    with acting(conn, SYSTEM):
        error = expect_error(
            conn,
            SPEND,
            (bob, "msg:alice-entry", -1),
            constraint="credit_ledger_operation_id_key",
            sqlstate="23505",
        )
    text = " ".join(filter(None, (str(error), error.diag.message_detail)))
    assert str(alice) not in text and "-7" not in text


def test_on_conflict_cannot_bypass_the_trigger(conn: psycopg.Connection) -> None:
    # The unique constraint is deferrable, so it cannot be an ON CONFLICT arbiter: an
    # ON CONFLICT that skipped the row after the trigger moved the balance is impossible.
    user = new_user(conn)
    expect_error(
        conn,
        "INSERT INTO credit_ledger (user_id, operation_id, amount, reason) VALUES (%s, 'msg:1', -1, 'usage') "
        "ON CONFLICT (operation_id) DO NOTHING",
        (user,),
        sqlstate="55000",  # not supported with deferrable constraints
    )


def test_ledger_rows_cannot_be_updated_deleted_or_truncated(conn: psycopg.Connection) -> None:
    user = new_user(conn)
    for statement in (
        "UPDATE credit_ledger SET amount = 1000 WHERE user_id = %s",
        "DELETE FROM credit_ledger WHERE user_id = %s",
    ):
        error = expect_error(conn, statement, (user,), constraint="credit_ledger_insert_only_check")
        assert error.sqlstate == "23514"
    expect_error(conn, "TRUNCATE credit_ledger", constraint="credit_ledger_insert_only_check")
    with acting(conn, SYSTEM):
        expect_error(
            conn, "DELETE FROM credit_ledger WHERE user_id = %s", (user,), sqlstate="42501"
        )


def test_deleting_the_user_deletes_their_ledger(conn: psycopg.Connection) -> None:
    user = new_user(conn)
    conn.execute(SPEND, (user, "msg:1", -1))
    conn.execute("DELETE FROM users WHERE id = %s", (user,))
    assert count(conn, "credit_ledger", "user_id = %s", (user,)) == 0


def test_credit_balance_cannot_be_written_except_through_the_ledger(
    conn: psycopg.Connection,
) -> None:
    user = new_user(conn)
    with acting(conn, SYSTEM):
        expect_error(
            conn,
            "UPDATE users SET credit_balance = 1000 WHERE id = %s",
            (user,),
            constraint="users_credit_balance_ledger_check",
        )
        expect_error(
            conn,
            "INSERT INTO users (email, credit_balance) VALUES ('rich@example.com', 5)",
            constraint="users_credit_balance_ledger_check",
        )
        # Other columns stay writable.
        conn.execute("UPDATE users SET name = 'Ada' WHERE id = %s", (user,))
    with acting(conn, APP, user):
        expect_error(
            conn, "UPDATE users SET credit_balance = 1000 WHERE id = %s", (user,), sqlstate="42501"
        )


def test_the_app_may_only_spend_its_own_credits(conn: psycopg.Connection) -> None:
    user, other = new_user(conn), new_user(conn)
    with acting(conn, APP, user):
        expect_error(conn, GRANT, (user, "stripe:evt_free", 1000), sqlstate="42501")
        expect_error(conn, SPEND, (other, "msg:theirs", -1), sqlstate="42501")
        assert conn.execute("SELECT user_id FROM credit_ledger").fetchall() == [(user,)]
    assert balance(conn, other) == SIGNUP_CREDITS


@pytest.mark.parametrize(
    ("operation_id", "amount", "reason", "constraint"),
    [
        ("msg:1", 0, "adjustment", "credit_ledger_amount_check"),
        ("msg:1", 5, "usage", "credit_ledger_reason_amount_check"),
        ("msg:1", -5, "purchase", "credit_ledger_reason_amount_check"),
        ("no-kind", -1, "usage", "credit_ledger_operation_id_check"),
        ("Msg:1", -1, "usage", "credit_ledger_operation_id_check"),
    ],
)
def test_ledger_entries_are_checked(
    conn: psycopg.Connection, operation_id: str, amount: int, reason: str, constraint: str
) -> None:
    user = new_user(conn)
    expect_error(
        conn,
        "INSERT INTO credit_ledger (user_id, operation_id, amount, reason) VALUES (%s, %s, %s, %s)",
        (user, operation_id, amount, reason),
        constraint=constraint,
    )
    conn.execute(
        "INSERT INTO credit_ledger (user_id, operation_id, amount, reason) VALUES (%s, 'adj:1', -1, 'adjustment')",
        (user,),
    )


def test_ledger_for_a_missing_user_is_a_foreign_key_violation(conn: psycopg.Connection) -> None:
    expect_error(
        conn,
        SPEND,
        (uuid.uuid4(), "msg:1", -1),
        constraint="credit_ledger_user_id_fkey",
        sqlstate="23503",
    )


def _spend_in_thread(
    url: str,
    user: uuid.UUID,
    operation_id: str,
    amount: int,
    start: threading.Barrier,
    results: list[str],
) -> None:
    with psycopg.connect(url) as conn:
        start.wait()
        try:
            with conn.transaction():
                conn.execute(f"SET LOCAL ROLE {APP}")
                conn.execute("SELECT set_config('app.user_id', %s, true)", (str(user),))
                rows = conn.execute(SPEND, (user, operation_id, amount)).fetchall()
            results.append("charged" if rows else "already")
        except psycopg.errors.CheckViolation as exc:
            results.append(exc.diag.constraint_name or "?")


def test_concurrent_spending_is_exact_and_never_overdraws(db_url: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        user = new_user(conn)
    workers, results = 16, list[str]()
    start = threading.Barrier(workers)
    threads = [
        threading.Thread(
            target=_spend_in_thread, args=(db_url, user, f"msg:{i}", -10, start, results)
        )
        for i in range(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("charged") == SIGNUP_CREDITS // 10
    assert results.count("users_credit_balance_nonnegative_check") == workers - SIGNUP_CREDITS // 10
    with psycopg.connect(db_url) as conn:
        assert balance(conn, user) == 0 == ledger_sum(conn, user)


def test_concurrent_retries_of_one_operation_charge_once(db_url: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        user = new_user(conn)
    workers, results = 8, list[str]()
    start = threading.Barrier(workers)
    threads = [
        threading.Thread(
            target=_spend_in_thread, args=(db_url, user, "msg:same", -3, start, results)
        )
        for _ in range(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["already"] * (workers - 1) + ["charged"]
    with psycopg.connect(db_url) as conn:
        assert balance(conn, user) == SIGNUP_CREDITS - 3 == ledger_sum(conn, user)


@pytest.mark.parametrize(
    "operation_id",
    ["signup:{user}", "referral:{user}:referrer", "stripe:evt_1", "promo:x", "subscription:1"],
)
def test_the_app_cannot_take_a_system_operation_id_namespace(
    conn: psycopg.Connection, operation_id: str
) -> None:
    user = new_user(conn)
    taken = operation_id.format(user=uuid.uuid4())  # nobody has used it
    with acting(conn, APP, user):
        fresh = expect_error(conn, SPEND, (user, taken, Decimal("-0.000001")), sqlstate="42501")
    assert fresh.diag.constraint_name == "credit_ledger_operation_id_namespace_check"
    assert count(conn, "credit_ledger", "operation_id = %s", (taken,)) == 0
    # The system flow that owns the namespace can still use the id afterwards.
    with acting(conn, SYSTEM):
        assert one(conn, GRANT, (user, taken, Decimal("1"))) == SIGNUP_CREDITS + 1


def test_a_refused_namespace_says_nothing_about_whether_the_id_exists(
    conn: psycopg.Connection,
) -> None:
    alice, mallory = new_user(conn), new_user(conn)
    existing = f"signup:{alice}"  # granted when alice signed up
    assert count(conn, "credit_ledger", "operation_id = %s", (existing,)) == 1
    with acting(conn, APP, mallory):
        errors = [
            expect_error(conn, SPEND, (mallory, op, Decimal("-1")))
            for op in (existing, f"signup:{uuid.uuid4()}")
        ]
    assert {(e.sqlstate, e.diag.constraint_name, e.diag.message_primary) for e in errors} == {
        (
            "42501",
            "credit_ledger_operation_id_namespace_check",
            "this operation_id namespace is reserved for system flows",
        )
    }


def test_the_app_spends_in_its_own_namespaces(conn: psycopg.Connection) -> None:
    user = new_user(conn)
    with acting(conn, APP, user):
        for namespace in ("app", "usage", "msg", "burn"):
            one(conn, SPEND, (user, f"{namespace}:{uuid.uuid4()}", Decimal("-1")))
    assert balance(conn, user) == SIGNUP_CREDITS - 4
