"""Shared helpers of the providers/usage/credits/referrals/billing query and flow tests:
random users created as chatdb_system (the application role cannot insert users), and a
superuser-free way to set the columns the application never writes itself."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from psycopg import sql

from chatdb import Database
from chatdb.crypto import KeyRing
from chatdb.queries import credits


def make_user(db: Database, **values: Any) -> uuid.UUID:
    """A new user (signed up by chatdb_system, so they got the signup credits)."""
    values.setdefault("email", f"q3-{uuid.uuid4().hex[:16]}@example.com")
    columns = list(values)
    query = sql.SQL("INSERT INTO users ({}) VALUES ({}) RETURNING id").format(
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(", ").join(sql.Placeholder() * len(columns)),
    )
    with db.system() as conn:
        row = conn.execute(query, list(values.values())).fetchone()
    assert row is not None
    user_id: uuid.UUID = row[0]
    return user_id


def set_user(db: Database, user_id: uuid.UUID, **values: Any) -> None:
    """Update columns of a user as chatdb_system (quota period, stripe customer, ...)."""
    query = sql.SQL("UPDATE users SET {} WHERE id = {}").format(
        sql.SQL(", ").join(
            sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder()) for c in values
        ),
        sql.Placeholder(),
    )
    with db.system() as conn:
        conn.execute(query, [*values.values(), user_id])


def balance(db: Database, user_id: uuid.UUID) -> Decimal:
    with db.system() as conn:
        value = credits.get_credit_balance(conn, user_id=user_id)
    assert value is not None
    return value


def ledger_sum(db: Database, user_id: uuid.UUID) -> Decimal:
    with db.system() as conn:
        return credits.sum_ledger_amounts(conn, user_id=user_id)


def op(kind: str = "test") -> str:
    """A fresh operation id."""
    return f"{kind}:{uuid.uuid4()}"


def keyring(*ids: int, current: int | None = None) -> KeyRing:
    """A key ring with deterministic keys for the given ids."""
    ids = ids or (1,)
    return KeyRing({i: bytes([i]) * 32 for i in ids}, current if current is not None else max(ids))
