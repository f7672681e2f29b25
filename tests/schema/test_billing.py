"""subscriptions, payments, webhook_events, external_tokens: constraints, survival of billing
records when the user is deleted, newer-event-wins upserts, privacy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from .helpers import APP, SYSTEM, acting, count, expect_error, insert, new_user, one

T0 = datetime(2026, 11, 1, tzinfo=UTC)

UPSERT_SUBSCRIPTION = """
    INSERT INTO subscriptions (user_id, provider_subscription_id, status, last_event_at)
    VALUES (%(user)s, 'sub_1', %(status)s, %(at)s)
    ON CONFLICT (provider, provider_subscription_id) DO UPDATE
    SET status = EXCLUDED.status, last_event_at = EXCLUDED.last_event_at
    WHERE subscriptions.last_event_at < EXCLUDED.last_event_at
    RETURNING status
"""


def subscription(conn: psycopg.Connection, user: object, **values: object) -> object:
    values = {
        "provider_subscription_id": f"sub_{datetime.now().timestamp()}",
        "status": "active",
        "last_event_at": T0,
        **values,
    }
    return insert(conn, "subscriptions", user_id=user, **values)


def payment(conn: psycopg.Connection, user: object, **values: object) -> object:
    values = {
        "id": "pi_1",
        "amount_cents": 1999,
        "currency": "usd",
        "status": "succeeded",
        "last_event_at": T0,
        **values,
    }
    return insert(conn, "payments", user_id=user, **values)


def test_billing_records_survive_the_user_with_user_id_null(conn: psycopg.Connection) -> None:
    user = new_user(conn)
    sub = subscription(conn, user)
    pay = payment(conn, user, subscription_id=sub)
    conn.execute("DELETE FROM users WHERE id = %s", (user,))
    assert one(conn, "SELECT user_id FROM subscriptions WHERE id = %s", (sub,)) is None
    assert one(conn, "SELECT user_id FROM payments WHERE id = %s", (pay,)) is None


def test_an_older_subscription_event_never_overwrites_a_newer_one(conn: psycopg.Connection) -> None:
    user = new_user(conn)
    with acting(conn, SYSTEM):
        assert (
            one(conn, UPSERT_SUBSCRIPTION, {"user": user, "status": "active", "at": T0}) == "active"
        )
        assert (
            one(
                conn,
                UPSERT_SUBSCRIPTION,
                {"user": user, "status": "canceled", "at": T0 + timedelta(hours=1)},
            )
            == "canceled"
        )
        late = conn.execute(
            UPSERT_SUBSCRIPTION, {"user": user, "status": "active", "at": T0 + timedelta(minutes=5)}
        )
        assert late.fetchall() == []
    assert (
        one(conn, "SELECT status FROM subscriptions WHERE provider_subscription_id = 'sub_1'")
        == "canceled"
    )


@pytest.mark.parametrize("table", ["subscriptions", "payments"])
def test_no_writer_can_move_last_event_at_backwards(conn: psycopg.Connection, table: str) -> None:
    user = new_user(conn)
    row = subscription(conn, user) if table == "subscriptions" else payment(conn, user)
    with acting(conn, SYSTEM):
        expect_error(
            conn,
            f"UPDATE {table} SET last_event_at = %s WHERE id = %s",
            (T0 - timedelta(seconds=1), row),
            constraint=f"{table}_last_event_at_monotonic_check",
            sqlstate="23514",
        )
        # The same event time or a later one is fine.
        conn.execute(f"UPDATE {table} SET last_event_at = %s WHERE id = %s", (T0, row))
        conn.execute(
            f"UPDATE {table} SET last_event_at = %s WHERE id = %s", (T0 + timedelta(hours=1), row)
        )
    assert one(conn, f"SELECT last_event_at FROM {table} WHERE id = %s", (row,)) == T0 + timedelta(
        hours=1
    )


@pytest.mark.parametrize(
    ("columns", "constraint"),
    [
        ({"quantity": -1}, "subscriptions_quantity_check"),
        (
            {"current_period_start": T0, "current_period_end": T0 - timedelta(days=1)},
            "subscriptions_period_check",
        ),
        ({"metadata": "[]"}, "subscriptions_metadata_check"),
    ],
)
def test_subscriptions_are_checked(
    conn: psycopg.Connection, columns: dict[str, object], constraint: str
) -> None:
    values = {
        "provider_subscription_id": "sub_x",
        "status": "active",
        "last_event_at": T0,
        **columns,
    }
    expect_error(
        conn,
        f"INSERT INTO subscriptions ({', '.join(values)}) VALUES ({', '.join(['%s'] * len(values))})",
        tuple(values.values()),
        constraint=constraint,
    )


def test_subscription_ids_are_unique_per_provider(conn: psycopg.Connection) -> None:
    subscription(conn, None, provider_subscription_id="sub_9")
    subscription(conn, None, provider_subscription_id="sub_9", provider="paddle")
    expect_error(
        conn,
        "INSERT INTO subscriptions (provider_subscription_id, status, last_event_at) VALUES ('sub_9', 'active', now())",
        constraint="subscriptions_provider_provider_subscription_id_key",
    )


@pytest.mark.parametrize(
    ("columns", "constraint"),
    [
        ({"amount_cents": -1}, "payments_amount_cents_check"),
        ({"amount_refunded_cents": 2000}, "payments_amount_refunded_cents_check"),
        ({"amount_refunded_cents": -1}, "payments_amount_refunded_cents_check"),
        ({"currency": "USD"}, "payments_currency_check"),
        ({"currency": "dollars"}, "payments_currency_check"),
        ({"credits_granted": -1}, "payments_credits_granted_check"),
        ({"billing_details": "[]"}, "payments_details_check"),
        ({"id": "pi_dup"}, "payments_pkey"),
    ],
)
def test_payments_are_checked(
    conn: psycopg.Connection, columns: dict[str, object], constraint: str
) -> None:
    payment(conn, None, id="pi_dup")
    values = {
        "id": "pi_2",
        "amount_cents": 1999,
        "currency": "usd",
        "status": "succeeded",
        "last_event_at": T0,
        **columns,
    }
    expect_error(
        conn,
        f"INSERT INTO payments ({', '.join(values)}) VALUES ({', '.join(['%s'] * len(values))})",
        tuple(values.values()),
        constraint=constraint,
    )
    payment(conn, None, id="pi_3", amount_refunded_cents=1999, status="refunded")


def test_a_webhook_event_is_recorded_once(conn: psycopg.Connection) -> None:
    record = (
        "INSERT INTO webhook_events (provider, event_id, event_type, payload) "
        "VALUES ('stripe', 'evt_1', 'invoice.paid', '{}') ON CONFLICT (provider, event_id) DO NOTHING RETURNING id"
    )
    with acting(conn, SYSTEM):
        assert len(conn.execute(record).fetchall()) == 1
        assert conn.execute(record).fetchall() == []
        expect_error(
            conn,
            "INSERT INTO webhook_events (provider, event_id, event_type, payload) VALUES ('stripe', 'evt_1', 'x', '{}')",
            constraint="webhook_events_provider_event_id_key",
        )
        expect_error(
            conn,
            "INSERT INTO webhook_events (provider, event_id, event_type, payload) VALUES ('stripe', 'evt_2', 'x', '[]')",
            constraint="webhook_events_payload_check",
        )
        expect_error(
            conn,
            "UPDATE webhook_events SET attempts = -1",
            constraint="webhook_events_attempts_check",
        )
    with acting(conn, APP, new_user(conn)):
        expect_error(conn, "SELECT * FROM webhook_events", sqlstate="42501")


def test_billing_is_read_only_and_private_for_the_app(conn: psycopg.Connection) -> None:
    alice, bob = new_user(conn), new_user(conn)
    subscription(conn, alice)
    subscription(conn, bob)
    payment(conn, alice, id="pi_a")
    payment(conn, bob, id="pi_b")
    with acting(conn, APP, alice):
        assert conn.execute("SELECT user_id FROM subscriptions").fetchall() == [(alice,)]
        assert conn.execute("SELECT id FROM payments").fetchall() == [("pi_a",)]
        expect_error(conn, "UPDATE payments SET status = 'refunded'", sqlstate="42501")
        expect_error(
            conn,
            "INSERT INTO subscriptions (user_id, provider_subscription_id, status, last_event_at) "
            "VALUES (%s, 'sub_free', 'active', now())",
            (alice,),
            sqlstate="42501",
        )


def test_external_tokens_are_encrypted_unique_and_private(conn: psycopg.Connection) -> None:
    alice, bob = new_user(conn), new_user(conn)
    insert(
        conn,
        "external_tokens",
        user_id=bob,
        service="github",
        token_ciphertext=b"\x01" * 40,
        token_key_version=1,
    )
    with acting(conn, APP, alice):
        insert(
            conn,
            "external_tokens",
            user_id=alice,
            service="github",
            token_ciphertext=b"\x02" * 40,
            token_key_version=1,
        )
        insert(
            conn,
            "external_tokens",
            user_id=alice,
            service="github",
            environment="staging",
            token_ciphertext=b"\x02" * 40,
            token_key_version=1,
        )
        assert count(conn, "external_tokens") == 2
        expect_error(
            conn,
            "INSERT INTO external_tokens (user_id, service, token_ciphertext, token_key_version) "
            "VALUES (%s, 'github', '\\x01', 1)",
            (alice,),
            constraint="external_tokens_user_id_service_environment_key",
        )
        expect_error(
            conn,
            "INSERT INTO external_tokens (user_id, service, token_ciphertext, token_key_version) "
            "VALUES (%s, 'Git Hub', '\\x01', 1)",
            (alice,),
            constraint="external_tokens_service_check",
        )
        expect_error(
            conn,
            "INSERT INTO external_tokens (user_id, service, token_ciphertext, token_key_version) "
            "VALUES (%s, 'gitlab', '\\x01', 0)",
            (alice,),
            constraint="external_tokens_token_key_version_check",
        )
        expect_error(
            conn,
            "INSERT INTO external_tokens (user_id, service, token_ciphertext, token_key_version) "
            "VALUES (%s, 'gitlab', '\\x01', 1)",
            (bob,),
            sqlstate="42501",
        )
    conn.execute("DELETE FROM users WHERE id = %s", (alice,))
    assert count(conn, "external_tokens", "user_id = %s", (alice,)) == 0
