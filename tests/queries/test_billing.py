"""billing.sql: subscriptions and payments from webhooks (newer events win), the webhook
event log, reconciliation, and users' encrypted external tokens."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest

from chatdb import AsyncDatabase, Database, Page, errors
from chatdb.queries import billing, models
from chatdb.queries.aio import billing as aio_billing
from chatdb.queries.enums import PaymentStatus, SubscriptionStatus, TokenEnvironment
from support.factories import make_user, set_user
from support.logins import logins

UTC = datetime.UTC
T0 = datetime.datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def sub_params(**kw: Any) -> billing.UpsertSubscriptionParams:
    values: dict[str, Any] = {
        "user_id": None,
        "provider_customer_id": None,
        "provider": "stripe",
        "provider_subscription_id": f"sub_{uuid.uuid4().hex}",
        "status": SubscriptionStatus.ACTIVE,
        "price_id": "price_pro",
        "plan": "pro",
        "quantity": None,
        "current_period_start": T0,
        "current_period_end": T0 + datetime.timedelta(days=30),
        "cancel_at_period_end": None,
        "canceled_at": None,
        "ended_at": None,
        "trial_end": None,
        "metadata": None,
        "last_event_id": "evt_1",
        "last_event_at": T0,
        "created_at": None,
    } | kw
    return billing.UpsertSubscriptionParams(**values)


def pay_params(**kw: Any) -> billing.UpsertPaymentParams:
    values: dict[str, Any] = {
        "id": f"pi_{uuid.uuid4().hex}",
        "provider": "stripe",
        "user_id": None,
        "provider_subscription_id": None,
        "amount_cents": 1999,
        "amount_refunded_cents": None,
        "currency": "usd",
        "status": PaymentStatus.SUCCEEDED,
        "description": "Pro plan",
        "credits_granted": None,
        "billing_details": None,
        "customer_details": None,
        "metadata": None,
        "paid_at": T0,
        "last_event_at": T0,
        "created_at": None,
    } | kw
    return billing.UpsertPaymentParams(**values)


def test_upsert_subscription_applies_newer_and_ignores_older_events(database: Database) -> None:
    user = make_user(database)
    params = sub_params(user_id=user)
    later = T0 + datetime.timedelta(minutes=5)
    with database.system() as conn:
        made = billing.upsert_subscription(conn, params=params)
        newer = billing.upsert_subscription(
            conn,
            params=params._replace(
                status=SubscriptionStatus.CANCELED, last_event_id="evt_3", last_event_at=later
            ),
        )
        older = billing.upsert_subscription(
            conn,
            params=params._replace(
                status=SubscriptionStatus.PAST_DUE,
                last_event_id="evt_2",
                last_event_at=T0 + datetime.timedelta(minutes=1),
            ),
        )
        same = billing.upsert_subscription(conn, params=params._replace(last_event_at=later))
        stored = billing.get_subscription_by_provider_id(
            conn, provider="stripe", provider_subscription_id=params.provider_subscription_id
        )
    assert made is not None and made.user_id == user and made.quantity == 1
    assert newer is not None and newer.id == made.id
    assert older is None and same is None
    assert stored is not None and stored.status == SubscriptionStatus.CANCELED
    assert stored.last_event_id == "evt_3"


@pytest.mark.parametrize("reordered", [False, True])
def test_upsert_subscription_same_second_events_converge_by_status_precedence(
    database: Database, reordered: bool
) -> None:
    # In order, the second event must win the tie; reordered, the first must keep it.
    params = sub_params()
    created = params._replace(status=SubscriptionStatus.INCOMPLETE, last_event_id="evt_created")
    updated = params._replace(status=SubscriptionStatus.ACTIVE, last_event_id="evt_updated")
    with database.system() as conn:
        for event in (updated, created) if reordered else (created, updated):
            billing.upsert_subscription(conn, params=event)
        stored = billing.get_subscription_by_provider_id(
            conn, provider="stripe", provider_subscription_id=params.provider_subscription_id
        )
    assert stored is not None and stored.status == SubscriptionStatus.ACTIVE
    assert stored.last_event_id == "evt_updated" and stored.last_event_at == T0


@pytest.mark.parametrize("reordered", [False, True])
def test_upsert_payment_same_second_events_converge_by_status_precedence(
    database: Database, reordered: bool
) -> None:
    params = pay_params()
    pending = params._replace(status=PaymentStatus.PENDING, paid_at=None)
    succeeded = params._replace(status=PaymentStatus.SUCCEEDED)
    partly_refunded = params._replace(amount_refunded_cents=500)
    with database.system() as conn:
        order = [pending, succeeded, partly_refunded]
        for event in order[::-1] if reordered else order:
            billing.upsert_payment(conn, params=event)
        stored = conn.execute(
            "SELECT status, amount_refunded_cents FROM payments WHERE id = %s", (params.id,)
        ).fetchone()
    assert stored == ("succeeded", 500)


def test_upsert_subscription_and_payment_for_a_deleted_user_apply_without_one(
    database: Database,
) -> None:
    user = make_user(database)
    with database.system() as conn:
        conn.execute("DELETE FROM users WHERE id = %s", (user,))
        sub = billing.upsert_subscription(conn, params=sub_params(user_id=user))
        pay = billing.upsert_payment(conn, params=pay_params(user_id=user))
    assert sub is not None and sub.user_id is None
    assert pay is not None and pay.user_id is None


def test_moving_last_event_at_backwards_is_a_stale_event(database: Database) -> None:
    params = sub_params()
    with database.system() as conn:
        billing.upsert_subscription(conn, params=params)
    with pytest.raises(errors.StaleEvent) as info, database.system() as conn:
        conn.execute(
            "UPDATE subscriptions SET last_event_at = %s WHERE provider_subscription_id = %s",
            (T0 - datetime.timedelta(seconds=1), params.provider_subscription_id),
        )
    assert info.value.constraint == "subscriptions_last_event_at_monotonic_check"


def test_upsert_subscription_finds_the_user_by_stripe_customer(database: Database) -> None:
    user = make_user(database)
    customer = f"cus_{uuid.uuid4().hex}"
    set_user(database, user, stripe_customer_id=customer)
    with database.system() as conn:
        row = billing.upsert_subscription(conn, params=sub_params(provider_customer_id=customer))
        unknown = billing.upsert_subscription(
            conn, params=sub_params(provider_customer_id="cus_unknown")
        )
    assert row is not None and row.user_id == user
    assert unknown is not None and unknown.user_id is None


def test_upsert_subscription_rejects_bad_period_and_writes_nothing(database: Database) -> None:
    params = sub_params(current_period_end=T0 - datetime.timedelta(days=1))
    with pytest.raises(errors.CheckViolation), database.system() as conn:
        billing.upsert_subscription(conn, params=params)
    with database.system() as conn:
        assert (
            billing.get_subscription_by_provider_id(
                conn, provider="stripe", provider_subscription_id=params.provider_subscription_id
            )
            is None
        )


def test_naive_event_time_is_refused_before_sending(database: Database) -> None:
    params = sub_params(last_event_at=datetime.datetime(2026, 1, 1))
    with pytest.raises(errors.InvalidInput, match="last_event_at"), database.system() as conn:
        billing.upsert_subscription(conn, params=params)


def test_get_active_subscription_by_user(database: Database) -> None:
    user, other = make_user(database), make_user(database)
    with database.as_user(user) as conn:
        assert billing.get_active_subscription_by_user(conn, user_id=user) is None
    with database.system() as conn:
        billing.upsert_subscription(
            conn, params=sub_params(user_id=user, status=SubscriptionStatus.CANCELED)
        )
        active = billing.upsert_subscription(conn, params=sub_params(user_id=user))
        billing.upsert_subscription(conn, params=sub_params(user_id=other))
    with database.as_user(user) as conn:
        found = billing.get_active_subscription_by_user(conn, user_id=user)
        assert billing.get_active_subscription_by_user(conn, user_id=other) is None  # RLS
    assert active is not None and found == active


def test_app_role_cannot_write_subscriptions_or_payments(database: Database) -> None:
    user = make_user(database)
    with pytest.raises(errors.PermissionDenied), database.as_user(user) as conn:
        billing.upsert_subscription(conn, params=sub_params(user_id=user))
    with pytest.raises(errors.PermissionDenied), database.as_user(user) as conn:
        billing.upsert_payment(conn, params=pay_params(user_id=user))


def test_list_subscriptions_needing_reconciliation_pages_overdue_ones(db_url: str) -> None:
    with Database(**logins(db_url), pool_min_size=1, pool_max_size=2) as db:
        now = datetime.datetime.now(UTC)
        overdue = []
        with db.system() as conn:
            for i, status in enumerate(
                [
                    SubscriptionStatus.ACTIVE,
                    SubscriptionStatus.TRIALING,
                    SubscriptionStatus.PAST_DUE,
                ]
            ):
                row = billing.upsert_subscription(
                    conn,
                    params=sub_params(
                        status=status,
                        current_period_start=now - datetime.timedelta(days=40),
                        current_period_end=now - datetime.timedelta(days=3 - i),
                    ),
                )
                assert row is not None
                overdue.append(row.id)
            billing.upsert_subscription(  # ended, but canceled: nothing to reconcile
                conn,
                params=sub_params(
                    status=SubscriptionStatus.CANCELED,
                    current_period_start=now - datetime.timedelta(days=40),
                    current_period_end=now - datetime.timedelta(days=10),
                ),
            )
            billing.upsert_subscription(
                conn,
                params=sub_params(
                    current_period_end=now + datetime.timedelta(days=1), current_period_start=now
                ),
            )

            def page(cursor: tuple[Any, Any] | None) -> Page[models.Subscription, tuple[Any, Any]]:
                after_end, after_id = cursor or (None, None)
                rows = billing.list_subscriptions_needing_reconciliation(
                    conn, as_of=now, after_period_end=after_end, after_id=after_id, page_size=3
                )
                return Page.from_rows(rows, 2, cursor=lambda s: (s.current_period_end, s.id))

            first = page(None)
            second = page(first.next_cursor)
        assert first.has_more and not second.has_more
        assert [s.id for s in first.items + second.items] == overdue


def test_upsert_payment_applies_newer_events_only(database: Database) -> None:
    user = make_user(database)
    with database.system() as conn:
        sub = billing.upsert_subscription(conn, params=sub_params(user_id=user))
        assert sub is not None
        params = pay_params(user_id=user, provider_subscription_id=sub.provider_subscription_id)
        made = billing.upsert_payment(conn, params=params)
        refunded = billing.upsert_payment(
            conn,
            params=params._replace(
                status=PaymentStatus.REFUNDED,
                amount_refunded_cents=1999,
                paid_at=None,
                last_event_at=T0 + datetime.timedelta(hours=1),
            ),
        )
        stale = billing.upsert_payment(conn, params=params._replace(status=PaymentStatus.PENDING))
    assert made is not None and made.subscription_id == sub.id
    assert refunded is not None and refunded.status == PaymentStatus.REFUNDED
    assert refunded.paid_at == T0  # kept
    assert stale is None


@pytest.mark.parametrize(
    "kw",
    [
        {"amount_cents": -1},
        {"amount_refunded_cents": 5000},
        {"currency": "USD"},
        {"metadata": [1]},
    ],
)
def test_upsert_payment_rejects_bad_values(database: Database, kw: dict[str, Any]) -> None:
    params = pay_params(**kw)
    with pytest.raises(errors.CheckViolation), database.system() as conn:
        billing.upsert_payment(conn, params=params)


def test_list_payments_by_user_pages_and_hides_others(database: Database) -> None:
    user, other = make_user(database), make_user(database)
    with database.system() as conn:
        made = [billing.upsert_payment(conn, params=pay_params(user_id=user)) for _ in range(3)]
        billing.upsert_payment(conn, params=pay_params(user_id=other))
    with database.as_user(user) as conn:
        rows = billing.list_payments_by_user(
            conn, user_id=user, before_created_at=None, before_id=None, page_size=3
        )
        page = Page.from_rows(rows, 2, cursor=lambda p: (p.created_at, p.id))
        assert page.next_cursor is not None
        rest = billing.list_payments_by_user(
            conn,
            user_id=user,
            before_created_at=page.next_cursor[0],
            before_id=page.next_cursor[1],
            page_size=3,
        )
        assert (
            billing.list_payments_by_user(
                conn, user_id=other, before_created_at=None, before_id=None, page_size=3
            )
            == []
        )
    assert {p.id for p in page.items + rest} == {p.id for p in made if p is not None}
    assert page.has_more and len(rest) == 1


def test_record_webhook_event_once_then_lock_and_mark(database: Database) -> None:
    event_id = f"evt_{uuid.uuid4().hex}"
    args: dict[str, Any] = {
        "provider": "stripe",
        "event_id": event_id,
        "event_type": "customer.subscription.updated",
        "payload": {"id": event_id},
        "event_created_at": T0,
    }
    with database.system() as conn:
        first = billing.record_webhook_event(conn, **args)
        again = billing.record_webhook_event(conn, **args)
        locked = billing.lock_unprocessed_webhook_event(conn, provider="stripe", event_id=event_id)
        assert first is not None and again is None and locked is not None
        assert locked.processed_at is None and locked.attempts == 0
        assert billing.mark_webhook_event_processed(conn, id=first.id) == 1
        assert billing.mark_webhook_event_processed(conn, id=first.id) == 0
        assert (
            billing.lock_unprocessed_webhook_event(conn, provider="stripe", event_id=event_id)
            is None
        )
        assert billing.record_webhook_event_failure(conn, id=first.id, last_error="x") == 0


def test_webhook_event_failures_stay_in_the_retry_queue(database: Database) -> None:
    event_id = f"evt_{uuid.uuid4().hex}"
    with database.system() as conn:
        event = billing.record_webhook_event(
            conn,
            provider="stripe",
            event_id=event_id,
            event_type="invoice.paid",
            payload={},
            event_created_at=None,
        )
        assert event is not None
    with database.system() as conn:
        assert billing.record_webhook_event_failure(conn, id=event.id, last_error="boom") == 1
        queue = billing.list_unprocessed_webhook_events(
            conn,
            received_before=datetime.datetime.now(UTC) + datetime.timedelta(seconds=1),
            batch_size=10_000,
        )
    mine = [e for e in queue if e.id == event.id]
    assert len(mine) == 1 and mine[0].attempts == 1 and mine[0].last_error == "boom"


def test_webhook_event_payload_must_be_an_object(database: Database) -> None:
    with pytest.raises(errors.CheckViolation), database.system() as conn:
        billing.record_webhook_event(
            conn,
            provider="stripe",
            event_id=f"evt_{uuid.uuid4().hex}",
            event_type="x",
            payload=[1, 2],
            event_created_at=None,
        )


def test_app_role_cannot_touch_webhook_events(database: Database) -> None:
    user = make_user(database)
    with pytest.raises(errors.PermissionDenied), database.as_user(user) as conn:
        billing.record_webhook_event(
            conn,
            provider="stripe",
            event_id="evt_x",
            event_type="x",
            payload={},
            event_created_at=None,
        )


def token(
    conn: Any,
    user: uuid.UUID,
    service: str = "github",
    env: TokenEnvironment = TokenEnvironment.PRODUCTION,
    *,
    ciphertext: bytes = b"\x00sealed",
    version: int = 1,
    label: str | None = None,
    scopes: list[str] | None = None,
    expires_at: datetime.datetime | None = None,
) -> models.ExternalToken | None:
    return billing.upsert_external_token(
        conn,
        user_id=user,
        service=service,
        environment=env,
        label=label,
        token_ciphertext=ciphertext,
        token_key_version=version,
        scopes=scopes,
        expires_at=expires_at,
    )


def test_external_tokens_upsert_get_list_touch_delete(database: Database) -> None:
    user = make_user(database)
    with database.as_user(user) as conn:
        assert billing.list_external_tokens_by_user(conn, user_id=user) == []
        made = token(conn, user, scopes=["repo"])
        replaced = token(conn, user, ciphertext=b"\x01new", version=2, label="work")
        staging = token(conn, user, env=TokenEnvironment.STAGING)
        expired = token(
            conn,
            user,
            service="notion",
            expires_at=datetime.datetime.now(UTC) - datetime.timedelta(seconds=1),
        )
        got = billing.get_external_token(
            conn, user_id=user, service="github", environment=TokenEnvironment.PRODUCTION
        )
        assert (
            billing.get_external_token(
                conn, user_id=user, service="notion", environment=TokenEnvironment.PRODUCTION
            )
            is None
        )
        listed = billing.list_external_tokens_by_user(conn, user_id=user)
        assert made is not None and replaced is not None and staging is not None and expired
        assert billing.touch_external_token(conn, id=made.id) == 1
        assert (
            billing.delete_external_token(
                conn, user_id=user, service="github", environment=TokenEnvironment.STAGING
            )
            == 1
        )
    assert replaced.id == made.id and replaced.token_ciphertext == b"\x01new"
    assert replaced.token_key_version == 2 and replaced.scopes == []
    assert got is not None and got.label == "work"
    assert [(t.service, t.environment) for t in listed] == [
        ("github", TokenEnvironment.STAGING),
        ("github", TokenEnvironment.PRODUCTION),
        ("notion", TokenEnvironment.PRODUCTION),
    ]


def test_external_tokens_of_another_user_are_invisible_and_untouchable(database: Database) -> None:
    owner, other = make_user(database), make_user(database)
    with database.as_user(owner) as conn:
        made = token(conn, owner)
        assert made is not None
    with database.as_user(other) as conn:
        assert billing.list_external_tokens_by_user(conn, user_id=owner) == []
        assert billing.touch_external_token(conn, id=made.id) == 0
        assert (
            billing.delete_external_token(
                conn, user_id=owner, service="github", environment=TokenEnvironment.PRODUCTION
            )
            == 0
        )
    with pytest.raises(errors.PermissionDenied), database.as_user(other) as conn:
        token(conn, owner, service="slack")


def test_external_token_rejects_bad_service_and_version(database: Database) -> None:
    user = make_user(database)
    with pytest.raises(errors.CheckViolation), database.as_user(user) as conn:
        token(conn, user, service="Bad Service")
    with pytest.raises(errors.CheckViolation), database.as_user(user) as conn:
        token(conn, user, version=0)


async def test_async_record_webhook_event(async_database: AsyncDatabase) -> None:
    event_id = f"evt_{uuid.uuid4().hex}"
    async with async_database.system() as conn:
        first = await aio_billing.record_webhook_event(
            conn,
            provider="stripe",
            event_id=event_id,
            event_type="x",
            payload={},
            event_created_at=T0,
        )
        again = await aio_billing.record_webhook_event(
            conn,
            provider="stripe",
            event_id=event_id,
            event_type="x",
            payload={},
            event_created_at=T0,
        )
    assert first is not None and again is None
