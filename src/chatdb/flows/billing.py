# Generated from src/chatdb/flows/aio/billing.py by tools/async_to_sync.py. DO NOT EDIT:
# edit the async source, then run `make sync-twins` (also part of `make generate`).
"""Processing a payment provider's webhook event exactly once, whatever the delivery order.

Runs as `chatdb_system`, in one transaction with whatever else the caller does:

    with db.system() as conn:
        applied = process_webhook_event(conn, provider="stripe", event_id=evt["id"],
                                        event_type=evt["type"], occurred_at=created, payload=evt)

1. The event is recorded once per (provider, event_id) (RecordWebhookEvent).
2. It is locked unless already processed (LockUnprocessedWebhookEvent): a redelivery, also
   one racing the first delivery, waits for it and then finds it processed: nothing happens.
3. Its change is applied with an upsert that skips rows a newer event already changed
   (last_event_at), so an older event arriving late changes nothing. Provider times have
   one-second precision: events of the same second are ordered by the status they carry
   (subscription_status_precedence / payment_status_precedence), so they converge on the
   same state in any order. A user id in the metadata that no longer exists (an erased
   user) is applied as no user, so the event does not fail forever.
4. It is marked processed.

Understood event types (Stripe's shapes, `payload["data"]["object"]`):
`customer.subscription.*` -> subscriptions; `payment_intent.*` and `charge.refunded` ->
payments; `checkout.session.completed` -> the user's Stripe customer. Every event with a
user (metadata.user_id, or a checkout's client_reference_id) and a `customer` sets
users.stripe_customer_id once. Rows take their creation time from the object's `created`;
an event without billing or customer details keeps the stored ones; paid_at is the time of
payment (a refunded charge's `created`), never moved by a later refund.
Other types are recorded and marked processed without a change.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping
from typing import Any, Final

import psycopg
from pydantic import JsonValue

from chatdb import errors
from chatdb.queries import billing as q
from chatdb.queries.billing import UpsertPaymentParams, UpsertSubscriptionParams
from chatdb.queries.enums import PaymentStatus, SubscriptionStatus

_PAYMENT_INTENT_STATUS: Final[dict[str, PaymentStatus]] = {
    "succeeded": PaymentStatus.SUCCEEDED,
    "canceled": PaymentStatus.CANCELED,
    "processing": PaymentStatus.PENDING,
    "requires_payment_method": PaymentStatus.PENDING,
    "requires_confirmation": PaymentStatus.PENDING,
    "requires_action": PaymentStatus.PENDING,
    "requires_capture": PaymentStatus.PENDING,
}


def _bad(message: str) -> errors.InvalidInput:
    return errors.InvalidInput(
        f"webhook payload: {message}", table="webhook_events", column="payload"
    )


def _object(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    data = payload.get("data")
    obj = data.get("object") if isinstance(data, Mapping) else None
    if not isinstance(obj, Mapping):
        raise _bad("data.object is missing or not an object")
    return obj


def _str(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    return _required_str(obj, key)


def _required_str(obj: Mapping[str, Any], key: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise _bad(f"{key} must be a non-empty string")
    return value


def _int(obj: Mapping[str, Any], key: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    return _required_int(obj, key)


def _required_int(obj: Mapping[str, Any], key: str) -> int:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(f"{key} must be an integer")
    return value


def _time(obj: Mapping[str, Any], key: str) -> datetime.datetime | None:
    """A Stripe timestamp (Unix seconds) as an aware datetime."""
    value = _int(obj, key)
    if value is None:
        return None
    try:
        return datetime.datetime.fromtimestamp(value, tz=datetime.UTC)
    except (OverflowError, OSError, ValueError):
        raise _bad(f"{key} is not a valid timestamp") from None


def _metadata(obj: Mapping[str, Any]) -> dict[str, JsonValue]:
    value = obj.get("metadata") or {}
    if not isinstance(value, Mapping):
        raise _bad("metadata must be an object")
    return dict(value)


def _user_id(metadata: Mapping[str, Any]) -> uuid.UUID | None:
    value = metadata.get("user_id")
    if value is None:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise _bad("metadata.user_id is not a uuid") from None


def _details(obj: Mapping[str, Any], key: str) -> dict[str, JsonValue] | None:
    """A details object of the event, or None when the event has none (keep what is stored)."""
    value = obj.get(key)
    if value is None or value == {}:
        return None
    if not isinstance(value, Mapping):
        raise _bad(f"{key} must be an object")
    return dict(value)


def _remember_customer(
    conn: psycopg.Connection[Any], metadata: Mapping[str, Any], obj: Mapping[str, Any]
) -> bool:
    """Set users.stripe_customer_id from the event's customer, once per user."""
    user_id = _user_id(metadata)
    customer = _str(obj, "customer")
    if user_id is None or customer is None:
        return False
    changed = q.set_user_stripe_customer_id(conn, id=user_id, stripe_customer_id=customer)
    return changed == 1


def _apply_subscription(
    conn: psycopg.Connection[Any],
    provider: str,
    event_id: str,
    occurred_at: datetime.datetime,
    obj: Mapping[str, Any],
) -> bool:
    status_text = _required_str(obj, "status")
    try:
        status = SubscriptionStatus(status_text)
    except ValueError:
        raise _bad("status is not a subscription status") from None
    metadata = _metadata(obj)
    price_id = plan = None
    items = obj.get("items")
    data = items.get("data") if isinstance(items, Mapping) else None
    if isinstance(data, list) and data and isinstance(data[0], Mapping):
        price = data[0].get("price")
        if isinstance(price, Mapping):
            price_id = _str(price, "id")
            plan = _str(price, "lookup_key")
    plan_override = metadata.get("plan")
    if isinstance(plan_override, str) and plan_override:
        plan = plan_override
    row = q.upsert_subscription(
        conn,
        params=UpsertSubscriptionParams(
            user_id=_user_id(metadata),
            provider_customer_id=_str(obj, "customer"),
            provider=provider,
            provider_subscription_id=_required_str(obj, "id"),
            status=status,
            price_id=price_id,
            plan=plan,
            quantity=_int(obj, "quantity"),
            current_period_start=_time(obj, "current_period_start"),
            current_period_end=_time(obj, "current_period_end"),
            cancel_at_period_end=bool(obj.get("cancel_at_period_end", False)),
            canceled_at=_time(obj, "canceled_at"),
            ended_at=_time(obj, "ended_at"),
            trial_end=_time(obj, "trial_end"),
            metadata=metadata,
            last_event_id=event_id,
            last_event_at=occurred_at,
            created_at=_time(obj, "created"),
        ),
    )
    _remember_customer(conn, metadata, obj)
    return row is not None


def _apply_payment(
    conn: psycopg.Connection[Any],
    provider: str,
    event_type: str,
    occurred_at: datetime.datetime,
    obj: Mapping[str, Any],
) -> bool:
    metadata = _metadata(obj)
    amount = _required_int(obj, "amount")
    refunded = 0
    created = _time(obj, "created")
    paid_at: datetime.datetime | None = None
    if event_type == "charge.refunded":
        payment_id = _str(obj, "payment_intent") or _required_str(obj, "id")
        refunded = _int(obj, "amount_refunded") or 0
        status = PaymentStatus.REFUNDED if refunded >= amount else PaymentStatus.SUCCEEDED
        # A refunded charge was paid when it was made: even a refund that arrives before the
        # success event records the payment time (the stored one, if any, is kept).
        paid_at = created or occurred_at
    else:
        payment_id = _required_str(obj, "id")
        if event_type == "payment_intent.payment_failed":
            status = PaymentStatus.FAILED
        else:
            status = _PAYMENT_INTENT_STATUS.get(_str(obj, "status") or "", PaymentStatus.PENDING)
        if status == PaymentStatus.SUCCEEDED:
            paid_at = occurred_at
    currency = _required_str(obj, "currency").lower()
    row = q.upsert_payment(
        conn,
        params=UpsertPaymentParams(
            id=payment_id,
            provider=provider,
            user_id=_user_id(metadata),
            provider_subscription_id=_str(obj, "subscription"),
            amount_cents=amount,
            amount_refunded_cents=refunded,
            currency=currency,
            status=status,
            description=_str(obj, "description"),
            credits_granted=None,
            billing_details=_details(obj, "billing_details"),
            customer_details=_details(obj, "customer_details"),
            metadata=metadata,
            paid_at=paid_at,
            last_event_at=occurred_at,
            created_at=created,
        ),
    )
    _remember_customer(conn, metadata, obj)
    return row is not None


def _apply_checkout(conn: psycopg.Connection[Any], obj: Mapping[str, Any]) -> bool:
    """A completed checkout links the paying user to their Stripe customer."""
    metadata = _metadata(obj)
    if "user_id" not in metadata and obj.get("client_reference_id") is not None:
        metadata["user_id"] = _required_str(obj, "client_reference_id")
    return _remember_customer(conn, metadata, obj)


def process_webhook_event(
    conn: psycopg.Connection[Any],
    *,
    provider: str,
    event_id: str,
    event_type: str,
    occurred_at: datetime.datetime,
    payload: Mapping[str, Any],
) -> bool:
    """Record, apply and mark processed one webhook event; returns whether this call changed
    a subscription or payment (False for a redelivered event, an event older than the stored
    state, or a type that changes nothing).

    A malformed payload raises `InvalidInput` and, like any error, leaves the transaction to
    roll back: the event stays unrecorded so a redelivery is processed normally.
    """
    if not isinstance(payload, Mapping):
        raise _bad("must be a JSON object")
    if occurred_at.tzinfo is None:
        raise errors.InvalidInput(
            "occurred_at must be timezone-aware", table="webhook_events", column="event_created_at"
        )
    q.record_webhook_event(
        conn,
        provider=provider,
        event_id=event_id,
        event_type=event_type,
        payload=dict(payload),
        event_created_at=occurred_at,
    )
    event = q.lock_unprocessed_webhook_event(conn, provider=provider, event_id=event_id)
    if event is None:
        return False  # processed before (or by a concurrent delivery that just committed)
    applied = False
    if event_type.startswith("customer.subscription."):
        applied = _apply_subscription(conn, provider, event_id, occurred_at, _object(payload))
    elif event_type.startswith("payment_intent.") or event_type == "charge.refunded":
        applied = _apply_payment(conn, provider, event_type, occurred_at, _object(payload))
    elif event_type == "checkout.session.completed":
        applied = _apply_checkout(conn, _object(payload))
    q.mark_webhook_event_processed(conn, id=event.id)
    return applied


__all__ = ["process_webhook_event"]
