"""process_webhook_event: each event recorded and processed once; replayed, concurrent or
reordered deliveries never change the final state."""

from __future__ import annotations

import datetime
import random
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from chatdb import Database, errors
from chatdb.flows.billing import process_webhook_event
from chatdb.flows.privacy import erase_user
from chatdb.queries import billing
from chatdb.queries.enums import PaymentStatus, SubscriptionStatus
from support.factories import make_user
from support.logins import logins

UTC = datetime.UTC
T0 = datetime.datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def ts(at: datetime.datetime) -> int:
    return int(at.timestamp())


def sub_event(
    sub_id: str,
    status: str,
    at: datetime.datetime,
    *,
    user: uuid.UUID | None = None,
    kind: str = "customer.subscription.updated",
    **obj: Any,
) -> dict[str, Any]:
    event_id = f"evt_{uuid.uuid4().hex}"
    body = {
        "id": sub_id,
        "object": "subscription",
        # One Stripe customer per subscription: the flow links a user to their customer.
        "customer": f"cus_{sub_id}",
        "status": status,
        "items": {"data": [{"price": {"id": "price_pro", "lookup_key": "pro"}}]},
        "quantity": 1,
        "current_period_start": ts(at),
        "current_period_end": ts(at + datetime.timedelta(days=30)),
        "cancel_at_period_end": False,
        "metadata": {"user_id": str(user)} if user else {},
    } | obj
    return {
        "provider": "stripe",
        "event_id": event_id,
        "event_type": kind,
        "occurred_at": at,
        "payload": {"id": event_id, "type": kind, "created": ts(at), "data": {"object": body}},
    }


def payment_event(
    pi_id: str, kind: str, at: datetime.datetime, *, user: uuid.UUID | None = None, **obj: Any
) -> dict[str, Any]:
    event_id = f"evt_{uuid.uuid4().hex}"
    body = {
        "id": pi_id,
        "object": "payment_intent",
        "amount": 1999,
        "currency": "USD",
        "status": "succeeded",
        "description": "Credits pack",
        "metadata": {"user_id": str(user)} if user else {},
    } | obj
    return {
        "provider": "stripe",
        "event_id": event_id,
        "event_type": kind,
        "occurred_at": at,
        "payload": {"id": event_id, "type": kind, "data": {"object": body}},
    }


def deliver(db: Database, event: dict[str, Any]) -> bool:
    return db.system().run(lambda conn: process_webhook_event(conn, **event))


def subscription(db: Database, sub_id: str) -> Any:
    with db.system() as conn:
        return billing.get_subscription_by_provider_id(
            conn, provider="stripe", provider_subscription_id=sub_id
        )


def event_row(db: Database, event: dict[str, Any]) -> Any:
    with db.system() as conn:
        return conn.execute(
            "SELECT processed_at IS NOT NULL, attempts FROM webhook_events "
            "WHERE provider = %s AND event_id = %s",
            (event["provider"], event["event_id"]),
        ).fetchone()


def test_subscription_event_is_applied_and_marked_processed(database: Database) -> None:
    user = make_user(database)
    sub_id = f"sub_{uuid.uuid4().hex}"
    event = sub_event(sub_id, "active", T0, user=user, kind="customer.subscription.created")
    assert deliver(database, event) is True
    row = subscription(database, sub_id)
    assert row.user_id == user and row.status == SubscriptionStatus.ACTIVE
    assert row.plan == "pro" and row.price_id == "price_pro"
    assert row.current_period_end == T0 + datetime.timedelta(days=30)
    assert row.last_event_id == event["event_id"] and row.last_event_at == T0
    assert event_row(database, event) == (True, 1)
    with database.as_user(user) as conn:
        active = billing.get_active_subscription_by_user(conn, user_id=user)
    assert active is not None and active.id == row.id


def test_replayed_event_changes_nothing(database: Database) -> None:
    sub_id = f"sub_{uuid.uuid4().hex}"
    event = sub_event(sub_id, "active", T0)
    assert deliver(database, event) is True
    before = subscription(database, sub_id)
    assert [deliver(database, event) for _ in range(3)] == [False, False, False]
    assert subscription(database, sub_id) == before
    assert event_row(database, event) == (True, 1)


def test_older_event_after_a_newer_one_changes_nothing(database: Database) -> None:
    sub_id = f"sub_{uuid.uuid4().hex}"
    newer = sub_event(sub_id, "canceled", T0 + datetime.timedelta(minutes=2))
    older = sub_event(sub_id, "active", T0)
    assert deliver(database, newer) is True
    assert deliver(database, older) is False
    row = subscription(database, sub_id)
    assert row.status == SubscriptionStatus.CANCELED and row.last_event_id == newer["event_id"]
    assert event_row(database, older) == (True, 1)  # processed, just not applied


@pytest.mark.parametrize("reordered", [False, True])
def test_same_second_subscription_events_end_active_in_any_order(
    database: Database, reordered: bool
) -> None:
    sub_id = f"sub_{uuid.uuid4().hex}"
    created = sub_event(sub_id, "incomplete", T0, kind="customer.subscription.created")
    updated = sub_event(sub_id, "active", T0)
    first, second = (updated, created) if reordered else (created, updated)
    assert deliver(database, first) is True
    assert deliver(database, second) is not reordered
    row = subscription(database, sub_id)
    assert row.status == SubscriptionStatus.ACTIVE and row.last_event_id == updated["event_id"]


@pytest.mark.parametrize("reordered", [False, True])
def test_same_second_payment_created_and_succeeded_end_succeeded_in_any_order(
    database: Database, reordered: bool
) -> None:
    pi_id = f"pi_{uuid.uuid4().hex}"
    created = payment_event(pi_id, "payment_intent.created", T0, status="requires_payment_method")
    succeeded = payment_event(pi_id, "payment_intent.succeeded", T0)
    for event in (succeeded, created) if reordered else (created, succeeded):
        deliver(database, event)
    with database.system() as conn:
        row = conn.execute(
            "SELECT status, paid_at FROM payments WHERE id = %s", (pi_id,)
        ).fetchone()
    assert row == ("succeeded", T0)


def test_events_for_an_erased_user_apply_with_no_user(database: Database) -> None:
    user = make_user(database)
    sub_id, pi_id = f"sub_{uuid.uuid4().hex}", f"pi_{uuid.uuid4().hex}"
    assert deliver(database, sub_event(sub_id, "active", T0, user=user)) is True
    with database.system() as conn:
        assert erase_user(conn, user_id=user)
    later = T0 + datetime.timedelta(minutes=1)
    assert deliver(database, sub_event(sub_id, "canceled", later, user=user)) is True
    assert deliver(database, payment_event(pi_id, "payment_intent.succeeded", later, user=user))
    row = subscription(database, sub_id)
    assert row.status == SubscriptionStatus.CANCELED and row.user_id is None
    with database.system() as conn:
        paid = conn.execute("SELECT user_id, status FROM payments WHERE id = %s", (pi_id,))
        assert paid.fetchone() == (None, "succeeded")


def test_payment_events_in_any_order_end_refunded(database: Database) -> None:
    user = make_user(database)
    pi_id = f"pi_{uuid.uuid4().hex}"
    succeeded = payment_event(pi_id, "payment_intent.succeeded", T0, user=user)
    refunded = payment_event(
        pi_id,
        "charge.refunded",
        T0 + datetime.timedelta(hours=1),
        user=user,
        id=f"ch_{uuid.uuid4().hex}",
        payment_intent=pi_id,
        amount_refunded=1999,
    )
    assert deliver(database, refunded) is True
    assert deliver(database, succeeded) is False
    with database.as_user(user) as conn:
        rows = billing.list_payments_by_user(
            conn, user_id=user, before_created_at=None, before_id=None, page_size=5
        )
    assert [(p.id, p.status, p.amount_refunded_cents, p.currency) for p in rows] == [
        (pi_id, PaymentStatus.REFUNDED, 1999, "usd")
    ]


def test_failed_payment_event(database: Database) -> None:
    pi_id = f"pi_{uuid.uuid4().hex}"
    event = payment_event(
        pi_id, "payment_intent.payment_failed", T0, status="requires_payment_method"
    )
    assert deliver(database, event) is True
    with database.system() as conn:
        row = conn.execute(
            "SELECT status, paid_at FROM payments WHERE id = %s", (pi_id,)
        ).fetchone()
    assert row == ("failed", None)


def test_unknown_event_type_is_recorded_and_processed_without_change(database: Database) -> None:
    event = {
        "provider": "stripe",
        "event_id": f"evt_{uuid.uuid4().hex}",
        "event_type": "customer.created",
        "occurred_at": T0,
        "payload": {"data": {"object": {"id": "cus_1"}}},
    }
    assert deliver(database, event) is False
    assert event_row(database, event) == (True, 1)


@pytest.mark.parametrize(
    "payload",
    [
        {"data": {}},
        {"data": {"object": {"id": "sub_x", "status": "exploded"}}},
        {"data": {"object": {"id": 5, "status": "active"}}},
        {"data": {"object": {"id": "sub_x", "status": "active", "current_period_end": "soon"}}},
        {"data": {"object": {"id": "sub_x", "status": "active", "metadata": {"user_id": "x"}}}},
    ],
)
def test_malformed_payload_is_invalid_input_and_records_nothing(
    database: Database, payload: dict[str, Any]
) -> None:
    event = {
        "provider": "stripe",
        "event_id": f"evt_{uuid.uuid4().hex}",
        "event_type": "customer.subscription.updated",
        "occurred_at": T0,
        "payload": payload,
    }
    with pytest.raises(errors.InvalidInput):
        deliver(database, event)
    assert event_row(database, event) is None


def test_naive_occurred_at_is_invalid_input(database: Database) -> None:
    event = sub_event("sub_naive", "active", T0)
    event["occurred_at"] = datetime.datetime(2026, 1, 1)
    with pytest.raises(errors.InvalidInput):
        deliver(database, event)


@pytest.fixture
def busy_db(db_url: str) -> Iterator[Database]:
    with Database(**logins(db_url), pool_min_size=4, pool_max_size=20) as db:
        yield db


def test_events_delivered_ten_times_concurrently_and_out_of_order(busy_db: Database) -> None:
    user = make_user(busy_db)
    sub_id = f"sub_{uuid.uuid4().hex}"
    pi_id = f"pi_{uuid.uuid4().hex}"
    events = [
        sub_event(sub_id, "trialing", T0, user=user, kind="customer.subscription.created"),
        sub_event(sub_id, "active", T0 + datetime.timedelta(minutes=1), user=user),
        sub_event(sub_id, "past_due", T0 + datetime.timedelta(minutes=2), user=user),
        sub_event(
            sub_id,
            "canceled",
            T0 + datetime.timedelta(minutes=3),
            user=user,
            kind="customer.subscription.deleted",
            ended_at=ts(T0 + datetime.timedelta(minutes=3)),
        ),
        payment_event(pi_id, "payment_intent.processing", T0, user=user, status="processing"),
        payment_event(
            pi_id, "payment_intent.succeeded", T0 + datetime.timedelta(minutes=1), user=user
        ),
    ]
    deliveries = [e for e in events for _ in range(10)]
    random.Random(7).shuffle(deliveries)
    results: list[tuple[str, bool]] = []
    failures: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(20)

    def worker(chunk: list[dict[str, Any]]) -> None:
        barrier.wait()
        for event in chunk:
            try:
                applied = deliver(busy_db, event)
            except BaseException as exc:
                failures.append(exc)
                continue
            with lock:
                results.append((event["event_id"], applied))

    threads = [threading.Thread(target=worker, args=(deliveries[i::20],)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(results) == len(deliveries)
    for event in events:
        applied = [a for eid, a in results if eid == event["event_id"] and a]
        assert len(applied) <= 1  # at most one delivery applied it
        assert event_row(busy_db, event) == (True, 1)  # processed exactly once
    final = subscription(busy_db, sub_id)
    assert final.status == SubscriptionStatus.CANCELED
    assert final.last_event_id == events[3]["event_id"]
    assert final.ended_at == T0 + datetime.timedelta(minutes=3)
    with busy_db.system() as conn:
        payment = conn.execute(
            "SELECT status, last_event_at FROM payments WHERE id = %s", (pi_id,)
        ).fetchone()
        n_events = conn.execute(
            "SELECT count(*) FROM webhook_events WHERE event_id = ANY(%s)",
            ([e["event_id"] for e in events],),
        ).fetchone()
    assert payment == ("succeeded", T0 + datetime.timedelta(minutes=1))
    assert n_events == (len(events),)
    # Replaying everything once more, in reverse order, changes nothing.
    assert [deliver(busy_db, e) for e in reversed(events)] == [False] * len(events)
    assert subscription(busy_db, sub_id) == final


# --- the billing rules of the source documents (issue 18) -----------------------------------


def payment_row(db: Database, pi_id: str) -> Any:
    with db.system() as conn:
        return conn.execute(
            "SELECT status, paid_at, created_at, billing_details, customer_details"
            " FROM payments WHERE id = %s",
            (pi_id,),
        ).fetchone()


def stripe_customer(db: Database, user: uuid.UUID) -> Any:
    with db.system() as conn:
        row = conn.execute("SELECT stripe_customer_id FROM users WHERE id = %s", (user,))
        return row.fetchone()[0]


def test_webhooks_set_the_users_stripe_customer_once(database: Database) -> None:
    user, other = make_user(database), make_user(database)
    sub_id = f"sub_{uuid.uuid4().hex}"
    deliver(database, sub_event(sub_id, "active", T0, user=user, customer=f"cus_{sub_id}"))
    assert stripe_customer(database, user) == f"cus_{sub_id}"
    # A later event naming another customer does not switch it, and another user's event
    # naming this customer does not steal it (nor fail).
    later = T0 + datetime.timedelta(minutes=1)
    deliver(database, sub_event(sub_id, "active", later, user=user, customer="cus_other_one"))
    assert deliver(
        database, payment_event(f"pi_{uuid.uuid4().hex}", "payment_intent.succeeded", later,
                                user=other, customer=f"cus_{sub_id}")
    )  # fmt: skip
    assert stripe_customer(database, user) == f"cus_{sub_id}"
    assert stripe_customer(database, other) is None


def test_checkout_completed_links_the_client_reference_to_the_customer(database: Database) -> None:
    user = make_user(database)
    customer = f"cus_{uuid.uuid4().hex}"
    event_id = f"evt_{uuid.uuid4().hex}"
    body = {"id": "cs_1", "object": "checkout.session", "customer": customer,
            "client_reference_id": str(user), "metadata": {}}  # fmt: skip
    event = {
        "provider": "stripe", "event_id": event_id, "event_type": "checkout.session.completed",
        "occurred_at": T0, "payload": {"id": event_id, "data": {"object": body}},
    }  # fmt: skip
    assert deliver(database, event) is True
    assert stripe_customer(database, user) == customer


def test_payment_and_subscription_creation_time_is_the_providers_created(
    database: Database,
) -> None:
    user = make_user(database)
    created = T0 - datetime.timedelta(days=3)
    pi_id, sub_id = f"pi_{uuid.uuid4().hex}", f"sub_{uuid.uuid4().hex}"
    deliver(
        database,
        payment_event(pi_id, "payment_intent.succeeded", T0, user=user, created=ts(created)),
    )
    deliver(database, sub_event(sub_id, "active", T0, user=user, created=ts(created)))
    assert payment_row(database, pi_id)[2] == created
    assert subscription(database, sub_id).created_at == created


def test_event_without_details_keeps_the_stored_billing_and_customer_details(
    database: Database,
) -> None:
    user = make_user(database)
    pi_id = f"pi_{uuid.uuid4().hex}"
    details = {"email": "a@example.com", "address": {"country": "FR"}}
    deliver(database, payment_event(pi_id, "payment_intent.processing", T0, user=user,
                                    status="processing", billing_details=details,
                                    customer_details={"name": "Ann"}))  # fmt: skip
    later = T0 + datetime.timedelta(minutes=1)
    deliver(database, payment_event(pi_id, "payment_intent.succeeded", later, user=user))
    status, _, _, billing_details, customer_details = payment_row(database, pi_id)
    assert status == "succeeded"
    assert (billing_details, customer_details) == (details, {"name": "Ann"})


def test_partial_refund_keeps_paid_at(database: Database) -> None:
    user = make_user(database)
    pi_id = f"pi_{uuid.uuid4().hex}"
    deliver(database, payment_event(pi_id, "payment_intent.succeeded", T0, user=user))
    refund_at = T0 + datetime.timedelta(days=2)
    charge = {"id": f"ch_{uuid.uuid4().hex}", "object": "charge", "payment_intent": pi_id,
              "amount_refunded": 500, "created": ts(T0)}  # fmt: skip
    deliver(database, payment_event(pi_id, "charge.refunded", refund_at, user=user, **charge))
    status, paid_at, *_ = payment_row(database, pi_id)
    assert (status, paid_at) == ("succeeded", T0)


def test_full_refund_before_the_success_event_still_records_the_payment_time(
    database: Database,
) -> None:
    user = make_user(database)
    pi_id = f"pi_{uuid.uuid4().hex}"
    charge = {"id": f"ch_{uuid.uuid4().hex}", "object": "charge", "payment_intent": pi_id,
              "amount_refunded": 1999, "created": ts(T0)}  # fmt: skip
    refund_at = T0 + datetime.timedelta(hours=1)
    deliver(database, payment_event(pi_id, "charge.refunded", refund_at, user=user, **charge))
    deliver(database, payment_event(pi_id, "payment_intent.succeeded", T0, user=user))
    status, paid_at, *_ = payment_row(database, pi_id)
    assert (status, paid_at) == ("refunded", T0)
