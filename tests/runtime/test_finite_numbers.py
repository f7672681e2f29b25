"""NaN and Infinity are refused client-side, naming the parameter, before anything is sent.

PostgreSQL's numeric orders NaN above every number, so `CHECK (amount > 0)` lets it through
and an insert-only ledger would keep a NaN balance forever. The dumpers chatdb registers on
every connection refuse non-finite Decimals and floats: named and positional parameters,
sync and async, and binary COPY (`:copyfrom`), which names the column.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

import pytest

from chatdb import AsyncDatabase, Database, errors
from chatdb.queries import credits, messages
from chatdb.queries.aio import credits as acredits
from chatdb.queries.aio import messages as amessages
from chatdb.queries.enums import CreditReason, MessageRole

NON_FINITE = [
    decimal.Decimal("NaN"),
    decimal.Decimal("sNaN"),
    decimal.Decimal("Infinity"),
    decimal.Decimal("-Infinity"),
]
FLOATS = [float("nan"), float("inf"), float("-inf")]


def _user_and_chat(db: Database) -> tuple[uuid.UUID, uuid.UUID]:
    with db.system() as conn:
        user = conn.execute(
            "INSERT INTO users (email) VALUES (%s) RETURNING id", (f"{uuid.uuid4()}@example.com",)
        ).fetchone()[0]
        chat = conn.execute(
            "INSERT INTO chats (user_id, title) VALUES (%s, 'c') RETURNING id", (user,)
        ).fetchone()[0]
    return user, chat


def _ledger(db: Database, user: uuid.UUID) -> tuple[int, Any]:
    with db.system() as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM credit_ledger WHERE user_id = %(u)s),"
            " (SELECT credit_balance FROM users WHERE id = %(u)s)",
            {"u": user},
        ).fetchone()
    return row[0], row[1]


def _row(chat: uuid.UUID, cost: Any) -> messages.ImportMessagesParams:
    return messages.ImportMessagesParams(
        id=uuid.uuid4(),
        chat_id=chat,
        role=MessageRole.USER,
        parts=messages.chatdb.types.MessageParts.model_validate([]),
        attachments=messages.chatdb.types.Attachments.model_validate([]),
        provider=None,
        model=None,
        input_tokens=1,
        output_tokens=1,
        cost=cost,
        created_at=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC),
    )


def _messages_in(db: Database, chat: uuid.UUID) -> int:
    with db.system() as conn:
        return int(
            conn.execute("SELECT count(*) FROM messages WHERE chat_id = %s", (chat,)).fetchone()[0]
        )


@pytest.mark.parametrize("amount", NON_FINITE, ids=str)
def test_a_non_finite_ledger_amount_is_invalid_input_naming_it_and_writes_nothing(
    database: Database, amount: decimal.Decimal
) -> None:
    user, _ = _user_and_chat(database)
    before = _ledger(database, user)
    with pytest.raises(errors.InvalidInput) as info, database.system() as conn:
        credits.insert_ledger_entry(
            conn,
            user_id=user,
            operation_id=f"promo:{uuid.uuid4()}",
            amount=amount,
            reason=CreditReason.PROMOTION,
        )
    assert info.value.column == "amount"
    assert "amount" in str(info.value) and "NaN or infinite" in str(info.value)
    assert _ledger(database, user) == before


@pytest.mark.parametrize("value", [*FLOATS, *NON_FINITE], ids=str)
def test_raw_sql_parameters_are_refused_named_and_positional(
    database: Database, value: Any
) -> None:
    with pytest.raises(errors.InvalidInput) as named, database.system() as conn:
        conn.execute("SELECT %(ratio)s", {"ratio": value})
    assert named.value.column == "ratio"
    with pytest.raises(errors.InvalidInput) as positional, database.system() as conn:
        conn.execute("SELECT %s, %s", (1, value))
    assert positional.value.column == "2"


def test_finite_numbers_still_pass(database: Database) -> None:
    with database.system() as conn:
        row = conn.execute(
            "SELECT %s::numeric, %s::float8, %s::numeric",
            (decimal.Decimal("1.5"), 2.5, 7),
        ).fetchone()
    assert row == (decimal.Decimal("1.5"), 2.5, 7)


@pytest.mark.parametrize("cost", [decimal.Decimal("NaN"), decimal.Decimal("Infinity")], ids=str)
def test_copy_refuses_a_non_finite_cost_naming_the_column_and_loads_nothing(
    database: Database, cost: decimal.Decimal
) -> None:
    _, chat = _user_and_chat(database)
    rows = [_row(chat, decimal.Decimal("0.5")), _row(chat, cost)]
    with pytest.raises(errors.InvalidInput) as info, database.system() as conn:
        messages.import_messages(conn, rows=rows)
    assert info.value.column == "cost"
    assert "cost" in str(info.value) and "nothing was loaded" in str(info.value)
    assert _messages_in(database, chat) == 0


async def test_async_parameters_and_copy_are_refused_too(
    database: Database, async_database: AsyncDatabase
) -> None:
    user, chat = _user_and_chat(database)
    before = _ledger(database, user)
    with pytest.raises(errors.InvalidInput) as info:
        async with async_database.system() as conn:
            await acredits.insert_ledger_entry(
                conn,
                user_id=user,
                operation_id=f"promo:{uuid.uuid4()}",
                amount=decimal.Decimal("NaN"),
                reason=CreditReason.PROMOTION,
            )
    assert info.value.column == "amount"
    with pytest.raises(errors.InvalidInput) as copied:
        async with async_database.system() as conn:
            await amessages.import_messages(conn, rows=[_row(chat, decimal.Decimal("-Infinity"))])
    assert copied.value.column == "cost"
    with pytest.raises(errors.InvalidInput) as raw:
        async with async_database.system() as conn:
            await conn.execute("SELECT %(x)s", {"x": float("nan")})
    assert raw.value.column == "x"
    assert _ledger(database, user) == before
    assert _messages_in(database, chat) == 0
