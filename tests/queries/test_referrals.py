"""referrals.sql: code lookup, recording referrals (once per referred user, within the
referrer's maximum), the referrer's keyset list and the success count."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from chatdb import AsyncDatabase, Database, Page, errors
from chatdb.queries import models, referrals
from chatdb.queries.aio import referrals as aio_referrals
from chatdb.queries.enums import ReferralStatus
from support.factories import make_user


def code_of(database: Database, user: uuid.UUID) -> str:
    with database.system() as conn:
        row = conn.execute("SELECT referral_code FROM users WHERE id = %s", (user,)).fetchone()
    assert row is not None
    code: str = row[0]
    return code


def refer(
    conn: Any,
    referrer: uuid.UUID,
    referred: uuid.UUID,
    status: ReferralStatus = ReferralStatus.COMPLETED,
) -> models.Referral | None:
    return referrals.create_referral(
        conn,
        referrer_id=referrer,
        referred_id=referred,
        status=status,
        credits_awarded=Decimal("50") if status == ReferralStatus.COMPLETED else Decimal(0),
    )


def test_get_user_by_referral_code_finds_the_owner(database: Database) -> None:
    user = make_user(database, referral_code=f"Q3_{uuid.uuid4().hex[:10]}")
    code = code_of(database, user)
    with database.system() as conn:
        found = referrals.get_user_by_referral_code(conn, referral_code=code)
        missing = referrals.get_user_by_referral_code(conn, referral_code="no-such-code")
        injected = referrals.get_user_by_referral_code(conn, referral_code="' OR '1'='1")
        case = referrals.get_user_by_referral_code(conn, referral_code=code.lower())
    assert found is not None and found.id == user and found.successful_referral_count == 0
    assert missing is None and injected is None and case is None  # codes are case-sensitive


def test_create_referral_completed_counts_toward_the_referrer(database: Database) -> None:
    referrer, referred = make_user(database), make_user(database)
    with database.system() as conn:
        row = refer(conn, referrer, referred)
        count = referrals.count_successful_referrals(conn, referrer_id=referrer)
        owner = referrals.get_user_by_referral_code(conn, referral_code=code_of(database, referrer))
    assert row is not None and row.status == ReferralStatus.COMPLETED and row.completed_at
    assert count == 1 and owner is not None and owner.successful_referral_count == 1


def test_create_referral_twice_for_one_user_returns_no_row(database: Database) -> None:
    first, second, referred = make_user(database), make_user(database), make_user(database)
    with database.system() as conn:
        assert refer(conn, first, referred) is not None
        assert refer(conn, second, referred) is None
        assert refer(conn, first, referred) is None
        assert referrals.count_successful_referrals(conn, referrer_id=second) == 0
        by = referrals.get_referral_by_referred(conn, referred_id=referred)
    assert by is not None and by.referrer_id == first


def test_self_referral_is_rejected(database: Database) -> None:
    user = make_user(database)
    with pytest.raises(errors.ReferralRejected) as caught, database.system() as conn:
        refer(conn, user, user)
    assert caught.value.constraint == "referrals_no_self_referral_check"


def test_referrer_maximum_is_enforced(
    database: Database, app_settings: Callable[..., None]
) -> None:
    app_settings(max_successful_referrals=2)
    referrer = make_user(database)
    users = [make_user(database) for _ in range(3)]
    with database.system() as conn:
        refer(conn, referrer, users[0])
        refer(conn, referrer, users[1])
    with pytest.raises(errors.ReferralRejected) as caught, database.system() as conn:
        refer(conn, referrer, users[2])
    assert caught.value.constraint == "referrals_referrer_maximum_check"
    with database.system() as conn:
        assert referrals.count_successful_referrals(conn, referrer_id=referrer) == 2
        # A pending referral does not count and is allowed.
        assert refer(conn, referrer, users[2], ReferralStatus.PENDING) is not None


def test_app_role_cannot_create_referrals(database: Database) -> None:
    referrer, referred = make_user(database), make_user(database)
    with pytest.raises(errors.PermissionDenied), database.as_user(referred) as conn:
        refer(conn, referrer, referred)


def _page(
    database: Database,
    user: uuid.UUID,
    limit: int,
    cursor: tuple[datetime.datetime, uuid.UUID] | None = None,
) -> Page[models.Referral, tuple[datetime.datetime, uuid.UUID]]:
    before_at, before_id = cursor or (None, None)
    with database.as_user(user) as conn:
        rows = referrals.list_referrals_by_referrer(
            conn,
            referrer_id=user,
            before_created_at=before_at,
            before_referred_id=before_id,
            page_size=limit,
        )
    return Page.from_rows(rows, limit, cursor=lambda r: (r.created_at, r.referred_id))


@pytest.mark.parametrize("made", [3, 4])  # exactly limit, and limit + 1
def test_list_referrals_by_referrer_pages_newest_first(database: Database, made: int) -> None:
    referrer = make_user(database)
    referred = [make_user(database) for _ in range(made)]
    with database.system() as conn:  # one transaction: equal created_at, ordered by id
        for user in referred:
            refer(conn, referrer, user)
    first = _page(database, referrer, 3)
    assert len(first) == 3 and first.has_more == (made > 3)
    seen = list(first.items)
    if first.has_more:
        rest = _page(database, referrer, 3, first.next_cursor)
        assert not rest.has_more
        seen += rest.items
    assert {r.referred_id for r in seen} == set(referred) and len(seen) == made
    keys = [(r.created_at, r.referred_id) for r in seen]
    assert keys == sorted(keys, reverse=True)


def test_list_referrals_empty_and_invisible_to_others(database: Database) -> None:
    referrer, referred, stranger = make_user(database), make_user(database), make_user(database)
    assert _page(database, referrer, 5).items == []
    with database.system() as conn:
        refer(conn, referrer, referred)
    with database.as_user(stranger) as conn:
        assert (
            referrals.list_referrals_by_referrer(
                conn,
                referrer_id=referrer,
                before_created_at=None,
                before_referred_id=None,
                page_size=10,
            )
            == []
        )
        assert referrals.count_successful_referrals(conn, referrer_id=referrer) == 0
    with database.as_user(referred) as conn:  # the referred user sees their own referral
        assert referrals.get_referral_by_referred(conn, referred_id=referred) is not None


async def test_async_count_successful_referrals(
    database: Database, async_database: AsyncDatabase
) -> None:
    referrer, referred = make_user(database), make_user(database)
    async with async_database.system() as conn:
        made = await aio_referrals.create_referral(
            conn,
            referrer_id=referrer,
            referred_id=referred,
            status=ReferralStatus.COMPLETED,
            credits_awarded=Decimal("1"),
        )
    async with async_database.as_user(referrer) as conn:
        count = await aio_referrals.count_successful_referrals(conn, referrer_id=referrer)
    assert made is not None and count == 1
