"""Every public flow from an `AsyncDatabase` scope (`chatdb.flows.aio.<module>`), and the
generated sync twins matching their async sources name for name and parameter for parameter.

Set-up and read-back go through the sync `Database`; the call under test is the coroutine.
"""

from __future__ import annotations

import datetime
import importlib
import inspect
import pkgutil
import typing
import uuid
from decimal import Decimal
from typing import Any

import pytest

import chatdb.flows
import chatdb.flows.aio
from chatdb import AsyncDatabase, Database, errors
from chatdb.flows.aio import billing, credits, privacy, providers, referrals, tools
from chatdb.flows.credit_amounts import CreditResult
from chatdb.flows.referral_outcomes import AlreadyReferred, RedeemedReferral
from chatdb.queries import billing as billing_queries
from chatdb.queries import tools as tool_queries
from chatdb.queries import users as user_queries
from chatdb.queries.enums import CreditReason, SubscriptionStatus
from chatdb.queries.enums import ToolExecutionStatus as S
from support.factories import balance, keyring, make_chat, make_user, op
from support.logins import logins


def _public_functions(module: Any) -> dict[str, Any]:
    return {
        name: fn
        for name, fn in inspect.getmembers(module, inspect.isfunction)
        if not name.startswith("_") and fn.__module__ == module.__name__
    }


def test_every_sync_flow_is_generated_from_an_async_source_with_the_same_signature() -> None:
    checked = 0
    for info in pkgutil.iter_modules(chatdb.flows.aio.__path__):
        source = importlib.import_module(f"chatdb.flows.aio.{info.name}")
        twin = importlib.import_module(f"chatdb.flows.{info.name}")
        with open(inspect.getfile(twin), encoding="utf-8") as f:
            assert f.readline().startswith("# Generated from src/chatdb/flows/aio/")
        coroutines, functions = _public_functions(source), _public_functions(twin)
        assert set(coroutines) == set(functions), info.name
        for name, coroutine in coroutines.items():
            assert inspect.iscoroutinefunction(coroutine), name
            assert not inspect.iscoroutinefunction(functions[name]), name
            a, s = inspect.signature(coroutine), inspect.signature(functions[name])
            assert list(a.parameters)[1:] == list(s.parameters)[1:], name
            hints, sync_hints = (
                typing.get_type_hints(coroutine),
                typing.get_type_hints(functions[name]),
            )
            assert hints["return"] == sync_hints["return"], name
            checked += 1
    assert checked >= 10


async def test_grant_and_consume_from_an_async_scope(
    database: Database, async_database: AsyncDatabase
) -> None:
    user = make_user(database)
    start = balance(database, user)
    async with async_database.system() as conn:
        granted = await credits.grant_credits(
            conn, user_id=user, amount=5, operation_id=op("g"), reason=CreditReason.PROMOTION
        )
    async with async_database.as_user(user) as conn:
        spent = await credits.consume_credits(
            conn, user_id=user, amount=Decimal("1.5"), operation_id=op("usage")
        )
    assert isinstance(granted, CreditResult) and granted.applied
    assert spent.balance_after == start + Decimal("3.5") == balance(database, user)


async def test_redeem_referral_code_from_an_async_scope(
    database: Database, async_database: AsyncDatabase
) -> None:
    referrer, referred = make_user(database), make_user(database)
    with database.system() as conn:
        code = user_queries.get_user_by_id(conn, id=referrer)
    assert code is not None and code.referral_code
    before = balance(database, referrer)
    async with async_database.system() as conn:
        result = await referrals.redeem_referral_code(
            conn, user_id=referred, code=code.referral_code
        )
    assert isinstance(result, RedeemedReferral) and result.referral.referred_id == referred
    assert balance(database, referrer) == before + 50
    # The refusal is the same class the sync flow raises (shared, not a generated copy).
    with pytest.raises(AlreadyReferred):
        async with async_database.system() as conn:
            await referrals.redeem_referral_code(conn, user_id=referred, code=code.referral_code)
    from chatdb.flows.referrals import AlreadyReferred as SyncAlreadyReferred

    assert SyncAlreadyReferred is AlreadyReferred


async def test_process_webhook_event_from_an_async_scope_applies_once(
    database: Database, async_database: AsyncDatabase
) -> None:
    user = make_user(database)
    at = datetime.datetime(2026, 11, 1, 12, 0, tzinfo=datetime.UTC)
    sub_id, event_id = f"sub_{uuid.uuid4().hex}", f"evt_{uuid.uuid4().hex}"
    body = {
        "id": sub_id,
        "customer": "cus_async",
        "status": "active",
        "metadata": {"user_id": str(user)},
        "current_period_start": int(at.timestamp()),
    }
    event = {
        "provider": "stripe",
        "event_id": event_id,
        "event_type": "customer.subscription.created",
        "occurred_at": at,
        "payload": {"id": event_id, "data": {"object": body}},
    }
    async with async_database.system() as conn:
        first = await billing.process_webhook_event(conn, **event)
    async with async_database.system() as conn:
        again = await billing.process_webhook_event(conn, **event)
    assert first and not again
    with database.system() as conn:
        row = billing_queries.get_active_subscription_by_user(conn, user_id=user)
    assert row is not None and row.status == SubscriptionStatus.ACTIVE


async def test_transition_tool_execution_from_an_async_scope(
    database: Database, async_database: AsyncDatabase
) -> None:
    user = make_user(database)
    chat = make_chat(database, user)
    with database.as_user(user) as conn:
        created = tool_queries.create_tool_execution(
            conn,
            chat_id=chat,
            message_id=None,
            tool_call_id=None,
            tool_name="search",
            arguments={},
            requires_approval=True,
        )
    async with async_database.as_user(user) as conn:
        approved = await tools.transition_tool_execution(conn, id=created.id, to_status=S.APPROVED)
    assert approved.status == S.APPROVED and approved.approved_at is not None
    with pytest.raises(errors.InvalidTransition) as info:
        async with async_database.as_user(user) as conn:
            await tools.transition_tool_execution(conn, id=created.id, to_status=S.PENDING)
    assert info.value.from_state == "approved"


async def test_provider_flows_from_an_async_scope(db_url: str) -> None:
    """On a database of its own: the rotation re-seals every user's keys."""
    old, new = keyring(1), keyring(1, 2)
    with Database(**logins(db_url), pool_min_size=1, pool_max_size=2) as database:
        user = make_user(database)
    async with AsyncDatabase(**logins(db_url), pool_min_size=1, pool_max_size=2) as adb:
        async with adb.as_user(user) as conn:
            await providers.save_provider_key(
                conn, keyring=old, user_id=user, provider="openai", api_key="sk-async-1"
            )
            default = await providers.set_default_provider(conn, user_id=user, provider="openai")
            plain = await providers.read_provider_key(
                conn, keyring=old, user_id=user, provider="openai"
            )
        assert default.is_default and plain == "sk-async-1"
        async with adb.system() as conn:
            assert await providers.rotate_provider_keys(conn, keyring=new) == 1
            assert await providers.rotate_provider_keys(conn, keyring=new) == 0
        async with adb.as_user(user) as conn:
            again = await providers.read_provider_key(
                conn, keyring=new, user_id=user, provider="openai"
            )
    assert again == "sk-async-1"


async def test_export_and_erase_user_from_an_async_scope(
    database: Database, async_database: AsyncDatabase
) -> None:
    user = make_user(database)
    async with async_database.system() as conn:
        document = await privacy.export_user_data(conn, user_id=user)
    assert document["profile"]["id"] == str(user)
    async with async_database.system() as conn:
        assert await privacy.erase_user(conn, user_id=user) is True
        assert await privacy.erase_user(conn, user_id=user) is False
    with database.system() as conn:
        assert user_queries.get_user_by_id(conn, id=user) is None
