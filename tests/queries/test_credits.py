"""credits.sql: balances, idempotent ledger inserts and the keyset statement."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from chatdb import AsyncDatabase, Database, Page, errors
from chatdb.queries import credits, models
from chatdb.queries.aio import credits as aio_credits
from chatdb.queries.enums import CreditReason
from support.factories import balance, ledger_sum, make_user, op


def insert(
    conn: Any,
    user: uuid.UUID,
    operation_id: str,
    amount: Decimal | int | str,
    reason: CreditReason = CreditReason.PROMOTION,
    **kw: Any,
) -> models.CreditLedger | None:
    return credits.insert_ledger_entry(
        conn,
        user_id=user,
        operation_id=operation_id,
        amount=Decimal(amount),
        reason=reason,
        description=kw.get("description"),
        metadata=kw.get("metadata"),
    )


def test_get_credit_balance_starts_with_the_signup_credits(database: Database) -> None:
    user = make_user(database)
    with database.as_user(user) as conn:
        value = credits.get_credit_balance(conn, user_id=user)
        entries = credits.list_ledger_entries(
            conn, user_id=user, before_created_at=None, before_id=None, page_size=10
        )
    assert value is not None and value == sum(e.amount for e in entries)
    assert [(e.operation_id, e.reason) for e in entries] == [
        (f"signup:{user}", CreditReason.SIGNUP)
    ]


def test_get_credit_balance_of_unknown_or_other_user_is_none(database: Database) -> None:
    user, other = make_user(database), make_user(database)
    with database.as_user(other) as conn:
        assert credits.get_credit_balance(conn, user_id=user) is None


def test_insert_ledger_entry_applies_amount_and_returns_balance_after(database: Database) -> None:
    user = make_user(database)
    start = balance(database, user)
    with database.system() as conn:
        granted = insert(conn, user, op("promo"), "10.5", metadata={"campaign": "x"})
    with database.as_user(user) as conn:
        spent = insert(conn, user, op("msg"), "-0.25", CreditReason.USAGE, description="chat")
    assert granted is not None and granted.balance_after == start + Decimal("10.5")
    assert granted.metadata == {"campaign": "x"}
    assert spent is not None and spent.balance_after == start + Decimal("10.25")
    assert balance(database, user) == ledger_sum(database, user) == start + Decimal("10.25")


def test_insert_ledger_entry_twice_returns_no_row_and_charges_once(database: Database) -> None:
    user = make_user(database)
    operation = op("msg")
    with database.as_user(user) as conn:
        first = insert(conn, user, operation, "-1", CreditReason.USAGE)
        again = insert(conn, user, operation, "-1", CreditReason.USAGE)
        found = credits.get_ledger_entry_by_operation_id(conn, operation_id=operation)
    assert first is not None and again is None and found == first
    assert balance(database, user) == ledger_sum(database, user)


def test_reusing_an_operation_id_for_another_entry_is_a_conflict(database: Database) -> None:
    user = make_user(database)
    operation = op("msg")
    with database.as_user(user) as conn:
        insert(conn, user, operation, "-1", CreditReason.USAGE)
    with pytest.raises(errors.ConflictError) as caught, database.as_user(user) as conn:
        insert(conn, user, operation, "-2", CreditReason.USAGE)
    assert caught.value.constraint == "credit_ledger_operation_id_key"


def test_overdraft_raises_insufficient_credits_and_writes_nothing(database: Database) -> None:
    user = make_user(database)
    start = balance(database, user)
    operation = op("msg")
    with pytest.raises(errors.InsufficientCredits), database.as_user(user) as conn:
        insert(conn, user, operation, -(start + 1), CreditReason.USAGE)
    assert balance(database, user) == start
    with database.system() as conn:
        assert credits.get_ledger_entry_by_operation_id(conn, operation_id=operation) is None


@pytest.mark.parametrize(
    ("amount", "reason", "operation_id", "error"),
    [
        ("0", CreditReason.ADJUSTMENT, "adj:1", errors.CheckViolation),
        ("5", CreditReason.USAGE, "msg:1", errors.CheckViolation),  # usage must be negative
        ("-5", CreditReason.PURCHASE, "buy:1", errors.CheckViolation),
        ("5", CreditReason.PROMOTION, "no colon", errors.CheckViolation),
        ("1e15", CreditReason.PROMOTION, "big:1", errors.InvalidInput),  # numeric(20, 6)
    ],
)
def test_insert_ledger_entry_rejects_bad_entries(
    database: Database, amount: str, reason: CreditReason, operation_id: str, error: type[Exception]
) -> None:
    user = make_user(database)
    start = balance(database, user)
    unique = f"{operation_id}-{user}"
    with pytest.raises(error), database.system() as conn:
        insert(conn, user, unique, amount, reason)
    assert balance(database, user) == start


def test_app_role_cannot_grant_itself_credits(database: Database) -> None:
    user = make_user(database)
    with pytest.raises(errors.PermissionDenied), database.as_user(user) as conn:
        insert(conn, user, op("promo"), "1000")


def test_other_user_cannot_spend_or_read_entries(database: Database) -> None:
    user, other = make_user(database), make_user(database)
    operation = op("msg")
    with database.as_user(user) as conn:
        insert(conn, user, operation, "-1", CreditReason.USAGE)
    with database.as_user(other) as conn:
        assert credits.get_ledger_entry_by_operation_id(conn, operation_id=operation) is None
        assert (
            credits.list_ledger_entries(
                conn, user_id=user, before_created_at=None, before_id=None, page_size=10
            )
            == []
        )
    with pytest.raises(errors.PermissionDenied), database.as_user(other) as conn:
        insert(conn, user, op("msg"), "-1", CreditReason.USAGE)


Cursor = tuple[datetime.datetime, uuid.UUID]


def _page(
    database: Database, user: uuid.UUID, limit: int, cursor: Cursor | None = None
) -> Page[models.CreditLedger, Cursor]:
    before_at, before_id = cursor or (None, None)
    with database.as_user(user) as conn:
        rows = credits.list_ledger_entries(
            conn,
            user_id=user,
            before_created_at=before_at,
            before_id=before_id,
            page_size=limit,
        )
    return Page.from_rows(rows, limit, cursor=lambda e: (e.created_at, e.id))


@pytest.mark.parametrize("extra", [3, 4])  # with the signup entry: exactly limit and limit + 1
def test_list_ledger_entries_pages_newest_first(database: Database, extra: int) -> None:
    user = make_user(database)
    with database.system() as conn:  # one transaction: equal created_at, ordered by id
        for i in range(extra):
            insert(conn, user, op("promo"), str(i + 1))
    total = extra + 1  # and the signup entry
    limit = 4
    first = _page(database, user, limit)
    assert len(first) == min(total, limit)
    assert first.has_more == (total > limit)
    seen = list(first.items)
    if first.has_more:
        second = _page(database, user, limit, first.next_cursor)
        assert not second.has_more and second.next_cursor is None
        seen += second.items
    assert len(seen) == total == len({e.id for e in seen})
    keys = [(e.created_at, e.id) for e in seen]
    assert keys == sorted(keys, reverse=True)


def test_list_ledger_entries_of_user_without_entries_is_empty(
    database: Database, app_settings: Callable[..., None]
) -> None:
    app_settings(signup_credits=0)
    with database.system() as conn:
        row = conn.execute(
            "INSERT INTO users (email) VALUES (%s) RETURNING id",
            ("q3-empty-" + op("x")[5:] + "@example.com",),
        ).fetchone()
    assert row is not None
    page = _page(database, row[0], 5)
    assert page.items == [] and not page.has_more and page.next_cursor is None


async def test_async_insert_and_read_entry(
    database: Database, async_database: AsyncDatabase
) -> None:
    user = make_user(database)
    operation = op("msg")
    async with async_database.as_user(user) as conn:
        made = await aio_credits.insert_ledger_entry(
            conn,
            user_id=user,
            operation_id=operation,
            amount=Decimal("-2"),
            reason=CreditReason.USAGE,
            description=None,
            metadata=None,
        )
        found = await aio_credits.get_ledger_entry_by_operation_id(conn, operation_id=operation)
        value = await aio_credits.get_credit_balance(conn, user_id=user)
    assert made is not None and found == made and value == made.balance_after
