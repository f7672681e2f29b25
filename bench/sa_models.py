"""SQLAlchemy 2 baselines: Core tables and ORM mapped classes for the tables the workloads use.

Written the way an application on SQLAlchemy would write them (declarative mapping, typed
`Mapped[...]` columns, PostgreSQL types), selecting the same columns as the generated
queries. Imported lazily: only when the `bench` extra is installed.
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Numeric, Text
from sqlalchemy.dialects.postgresql import BYTEA, ENUM, JSONB, TIMESTAMP, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

TZ = TIMESTAMP(timezone=True)
USER_ROLE = ENUM("user", "admin", name="user_role", create_type=False)
USER_STATUS = ENUM("active", "inactive", "suspended", name="user_status", create_type=False)
MESSAGE_ROLE = ENUM("system", "user", "assistant", "tool", name="message_role", create_type=False)
CREDIT_REASON = ENUM(
    "signup",
    "referral",
    "purchase",
    "subscription",
    "promotion",
    "usage",
    "companion_burn",
    "refund",
    "adjustment",
    name="credit_reason",
    create_type=False,
)


class Base(DeclarativeBase):
    pass


class User(Base):
    """`users` without the password hash (the columns of `user_profiles`)."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    email: Mapped[str] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    email_verified: Mapped[datetime.datetime | None] = mapped_column(TZ)
    image: Mapped[str | None] = mapped_column(Text)
    role: Mapped[str] = mapped_column(USER_ROLE)
    status: Mapped[str] = mapped_column(USER_STATUS)
    credit_balance: Mapped[Decimal] = mapped_column(Numeric(20, 6))
    referral_code: Mapped[str] = mapped_column(Text)
    quota: Mapped[int]
    quota_started_at: Mapped[datetime.datetime | None] = mapped_column(TZ)
    next_quota_reset: Mapped[datetime.datetime | None] = mapped_column(TZ)
    end_date: Mapped[datetime.datetime | None] = mapped_column(TZ)
    stripe_customer_id: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime.datetime] = mapped_column(TZ)
    updated_at: Mapped[datetime.datetime] = mapped_column(TZ)


class AuthSession(Base):
    __tablename__ = "sessions"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    session_token_hash: Mapped[bytes] = mapped_column(BYTEA)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    expires: Mapped[datetime.datetime] = mapped_column(TZ)
    fingerprint_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime.datetime] = mapped_column(TZ)
    updated_at: Mapped[datetime.datetime] = mapped_column(TZ)


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default="gen_random_uuid()"
    )
    chat_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    role: Mapped[str] = mapped_column(MESSAGE_ROLE)
    parts: Mapped[Any] = mapped_column(JSONB)
    attachments: Mapped[Any] = mapped_column(JSONB, server_default="[]")
    provider: Mapped[str | None] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(Text)
    input_tokens: Mapped[int] = mapped_column(server_default="0")
    output_tokens: Mapped[int] = mapped_column(server_default="0")
    cache_read_tokens: Mapped[int] = mapped_column(server_default="0")
    cache_write_tokens: Mapped[int] = mapped_column(server_default="0")
    cost: Mapped[Decimal] = mapped_column(Numeric(18, 8), server_default="0")
    client_request_id: Mapped[str | None] = mapped_column(Text)
    provider_metadata: Mapped[Any | None] = mapped_column(JSONB(none_as_null=True))
    created_at: Mapped[datetime.datetime] = mapped_column(TZ, server_default="now()")


class LedgerEntry(Base):
    __tablename__ = "credit_ledger"

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default="gen_random_uuid()"
    )
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    operation_id: Mapped[str] = mapped_column(Text)
    amount: Mapped[Decimal] = mapped_column(Numeric(20, 6))
    balance_after: Mapped[Decimal] = mapped_column(Numeric(20, 6))
    reason: Mapped[str] = mapped_column(CREDIT_REASON)
    description: Mapped[str | None] = mapped_column(Text)
    metadata_: Mapped[Any] = mapped_column("metadata", JSONB, server_default="{}")
    created_at: Mapped[datetime.datetime] = mapped_column(TZ, server_default="now()")


users_t = User.__table__
sessions_t = AuthSession.__table__
messages_t = Message.__table__
ledger_t = LedgerEntry.__table__


def engine_url(url: str) -> str:
    """The libpq URL as SQLAlchemy's psycopg 3 dialect wants it."""
    return "postgresql+psycopg://" + url.split("://", 1)[1]
