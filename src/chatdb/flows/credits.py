# Generated from src/chatdb/flows/aio/credits.py by tools/async_to_sync.py. DO NOT EDIT:
# edit the async source, then run `make sync-twins` (also part of `make generate`).
"""Granting and consuming credits through the ledger, idempotent by operation id.

The database holds the invariants (the `credit_ledger_apply` trigger): the balance changes
only through a ledger entry, never goes negative, and re-inserting an applied operation id
changes nothing and returns no row. These flows add the caller's side: validate the amount,
insert the entry inside a savepoint (a refused charge leaves the caller's transaction usable
and writes nothing), and on a retry return the FIRST result of the operation.

    with db.system() as conn:
        result = grant_credits(conn, user_id=u, amount=Decimal("10"),
                               operation_id=f"stripe:{event_id}", reason=CreditReason.PURCHASE)
    with db.as_user(u) as conn:
        consume_credits(conn, user_id=u, amount=cost, operation_id=f"msg:{message_id}")

Grants need `chatdb_system` (the application role may only spend); consumption works as the
signed-in user or as the system role.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import psycopg
from pydantic import JsonValue

from chatdb import errors
from chatdb.flows.credit_amounts import (
    CONSUME_REASONS,
    GRANT_REASONS,
    CreditResult,
    validate_amount,
)
from chatdb.queries import credits as q
from chatdb.queries import models
from chatdb.queries.enums import CreditReason


def _check_reason(
    reason: CreditReason, allowed: frozenset[CreditReason], verb: str
) -> CreditReason:
    try:
        value = CreditReason(reason)
    except ValueError:
        raise errors.InvalidInput(
            "reason is not a credit_reason", column="reason", table="credit_ledger"
        ) from None
    if value not in allowed:
        raise errors.InvalidInput(
            f"reason {value.value!r} cannot {verb} credits "
            f"(allowed: {', '.join(sorted(r.value for r in allowed))})",
            column="reason",
            table="credit_ledger",
        )
    return value


def _check_operation_id(operation_id: object) -> str:
    if not isinstance(operation_id, str) or not operation_id:
        raise errors.InvalidInput(
            "operation_id must be a non-empty string like 'kind:key'",
            column="operation_id",
            table="credit_ledger",
        )
    return operation_id


def _result(
    entry: models.CreditLedger | None, existing: models.CreditLedger | None
) -> CreditResult:
    if entry is not None:
        return CreditResult(entry=entry, balance_after=entry.balance_after, applied=True)
    if existing is None:
        # The trigger skips only an operation it found applied, and that entry is visible to
        # whoever may write it; not finding it means it belongs to someone this role cannot see.
        raise errors.ConflictError(
            "operation_id was already used for an entry this role cannot read",
            constraint="credit_ledger_operation_id_key",
            table="credit_ledger",
            column="operation_id",
        )
    return CreditResult(entry=existing, balance_after=existing.balance_after, applied=False)


def _move(
    conn: psycopg.Connection[Any],
    *,
    user_id: uuid.UUID,
    amount: Decimal,
    operation_id: str,
    reason: CreditReason,
    description: str | None,
    metadata: JsonValue | None,
) -> CreditResult:
    # A savepoint: a refused entry (insufficient credits, reused operation id) rolls back to
    # here and leaves the caller's transaction usable.
    with conn.transaction():
        entry = q.insert_ledger_entry(
            conn,
            user_id=user_id,
            operation_id=operation_id,
            amount=amount,
            reason=reason,
            description=description,
            metadata=metadata,
        )
    existing = None
    if entry is None:
        existing = q.get_ledger_entry_by_operation_id(conn, operation_id=operation_id)
    return _result(entry, existing)


def grant_credits(
    conn: psycopg.Connection[Any],
    *,
    user_id: uuid.UUID,
    amount: Decimal | int,
    operation_id: str,
    reason: CreditReason,
    metadata: JsonValue | None = None,
    description: str | None = None,
) -> CreditResult:
    """Add `amount` (> 0) credits to the user's balance, once per `operation_id`.

    A retried call with the same operation id returns the first call's entry with
    `applied=False`; the same id for a different user, amount or reason raises
    `ConflictError`. An unknown user raises `NotFoundError`. Needs `chatdb_system`.
    """
    value = validate_amount(amount)
    return _move(
        conn,
        user_id=user_id,
        amount=value,
        operation_id=_check_operation_id(operation_id),
        reason=_check_reason(reason, GRANT_REASONS, "grant"),
        description=description,
        metadata=metadata,
    )


def consume_credits(
    conn: psycopg.Connection[Any],
    *,
    user_id: uuid.UUID,
    amount: Decimal | int,
    operation_id: str,
    reason: CreditReason = CreditReason.USAGE,
    metadata: JsonValue | None = None,
    description: str | None = None,
) -> CreditResult:
    """Spend `amount` (> 0) of the user's credits, once per `operation_id`.

    More than the balance raises `InsufficientCredits` and writes nothing (the caller's
    transaction stays usable). A retry returns the first call's entry with `applied=False`,
    even if the balance has since dropped below the amount.
    """
    value = validate_amount(amount)
    return _move(
        conn,
        user_id=user_id,
        amount=-value,
        operation_id=_check_operation_id(operation_id),
        reason=_check_reason(reason, CONSUME_REASONS, "consume"),
        description=description,
        metadata=metadata,
    )


__all__ = [
    "CreditResult",
    "consume_credits",
    "grant_credits",
    "validate_amount",
]
