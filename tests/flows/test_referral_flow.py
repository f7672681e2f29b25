"""redeem_referral_code: the rules, credits through the ledger, and races."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest

from chatdb import Database, errors
from chatdb.flows.referrals import (
    AlreadyReferred,
    MutualReferral,
    OwnReferralCode,
    ReferrerAtMaximum,
    ReferrerInactive,
    redeem_referral_code,
)
from chatdb.queries import credits, referrals
from chatdb.queries.enums import UserStatus
from support.factories import balance, ledger_sum, make_user, set_user
from support.logins import logins


def code_of(db: Database, user: uuid.UUID) -> str:
    with db.system() as conn:
        row = conn.execute("SELECT referral_code FROM users WHERE id = %s", (user,)).fetchone()
    assert row is not None
    code: str = row[0]
    return code


def test_redeem_credits_both_sides_through_the_ledger(database: Database) -> None:
    referrer, referred = make_user(database), make_user(database)
    before = balance(database, referrer), balance(database, referred)
    with database.system() as conn:
        result = redeem_referral_code(conn, user_id=referred, code=code_of(database, referrer))
    assert result.referral.referrer_id == referrer and result.referral.credits_awarded == 50
    assert result.referrer_credit is not None and result.referred_credit is not None
    assert result.referrer_credit.entry.operation_id == f"referral:{referred}:referrer"
    assert result.referred_credit.entry.operation_id == f"referral:{referred}:referred"
    assert balance(database, referrer) == before[0] + 50 == ledger_sum(database, referrer)
    assert balance(database, referred) == before[1] + 25 == ledger_sum(database, referred)
    with database.as_user(referrer) as conn:
        assert referrals.count_successful_referrals(conn, referrer_id=referrer) == 1


def test_custom_amounts_and_zero_skips_a_grant(database: Database) -> None:
    referrer, referred = make_user(database), make_user(database)
    start = balance(database, referred)
    with database.system() as conn:
        result = redeem_referral_code(
            conn,
            user_id=referred,
            code=code_of(database, referrer),
            referrer_credits=Decimal("7.5"),
            referred_credits=Decimal(0),
        )
    assert result.referred_credit is None and result.referrer_credit is not None
    assert result.referrer_credit.entry.amount == Decimal("7.5")
    assert balance(database, referred) == start


@pytest.mark.parametrize("code", ["no-such-code", "", "' OR 1=1 --", "x" * 500])
def test_unknown_code_is_not_found_and_writes_nothing(database: Database, code: str) -> None:
    user = make_user(database)
    start = balance(database, user)
    with pytest.raises(errors.NotFoundError), database.system() as conn:
        redeem_referral_code(conn, user_id=user, code=code)
    assert balance(database, user) == start


def test_own_code_is_rejected(database: Database) -> None:
    user = make_user(database)
    with pytest.raises(OwnReferralCode) as caught, database.system() as conn:
        redeem_referral_code(conn, user_id=user, code=code_of(database, user))
    assert isinstance(caught.value, errors.ReferralRejected)
    assert "own" in str(caught.value)


def test_second_redemption_is_rejected_and_credits_nothing(database: Database) -> None:
    first, second, user = make_user(database), make_user(database), make_user(database)
    with database.system() as conn:
        redeem_referral_code(conn, user_id=user, code=code_of(database, first))
    before = balance(database, user), balance(database, second)
    for code in (code_of(database, first), code_of(database, second)):
        with pytest.raises(AlreadyReferred, match="already referred"), database.system() as conn:
            redeem_referral_code(conn, user_id=user, code=code)
    assert (balance(database, user), balance(database, second)) == before


def test_mutual_referral_is_rejected_and_credits_nothing(database: Database) -> None:
    alice, bob = make_user(database), make_user(database)
    with database.system() as conn:
        redeem_referral_code(conn, user_id=alice, code=code_of(database, bob))
    before = balance(database, alice), balance(database, bob)
    with pytest.raises(MutualReferral) as caught, database.system() as conn:
        redeem_referral_code(conn, user_id=bob, code=code_of(database, alice))
    assert isinstance(caught.value, errors.ReferralRejected)
    assert caught.value.constraint == "referrals_no_mutual_referral_check"
    assert (balance(database, alice), balance(database, bob)) == before
    with database.system() as conn:
        assert referrals.get_referral_by_referred(conn, referred_id=bob) is None


def test_referrer_at_the_maximum_is_rejected(
    database: Database, app_settings: Callable[..., None]
) -> None:
    app_settings(max_successful_referrals=2)
    referrer = make_user(database)
    code = code_of(database, referrer)
    users = [make_user(database) for _ in range(3)]
    for user in users[:2]:
        with database.system() as conn:
            redeem_referral_code(conn, user_id=user, code=code)
    start = balance(database, referrer)
    with pytest.raises(ReferrerAtMaximum, match="maximum"), database.system() as conn:
        redeem_referral_code(conn, user_id=users[2], code=code)
    assert balance(database, referrer) == start
    with database.system() as conn:
        assert referrals.get_referral_by_referred(conn, referred_id=users[2]) is None


def test_suspended_referrer_is_rejected(database: Database) -> None:
    referrer, user = make_user(database), make_user(database)
    set_user(database, referrer, status=UserStatus.SUSPENDED)
    with pytest.raises(ReferrerInactive), database.system() as conn:
        redeem_referral_code(conn, user_id=user, code=code_of(database, referrer))


def test_refusal_leaves_the_callers_transaction_usable(
    database: Database, app_settings: Callable[..., None]
) -> None:
    app_settings(max_successful_referrals=1)
    referrer = make_user(database)
    code = code_of(database, referrer)
    users = [make_user(database) for _ in range(2)]
    with database.system() as conn:
        redeem_referral_code(conn, user_id=users[0], code=code)
        with pytest.raises(ReferrerAtMaximum):
            redeem_referral_code(conn, user_id=users[1], code=code)
        assert credits.get_credit_balance(conn, user_id=users[1]) is not None


@pytest.fixture
def busy_db(db_url: str) -> Iterator[Database]:
    with Database(**logins(db_url), pool_min_size=4, pool_max_size=20) as db:
        yield db


def test_many_users_redeeming_one_code_at_once_never_exceed_the_maximum(busy_db: Database) -> None:
    referrer = make_user(busy_db)
    code = code_of(busy_db, referrer)
    users = [make_user(busy_db) for _ in range(20)]
    maximum = 10  # the schema's default
    outcomes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(users))

    def redeem(user: uuid.UUID) -> None:
        barrier.wait()
        try:
            busy_db.system().run(lambda c: redeem_referral_code(c, user_id=user, code=code))
            outcome = "ok"
        except ReferrerAtMaximum:
            outcome = "max"
        except BaseException as exc:
            outcome = repr(exc)
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=redeem, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["max"] * 10 + ["ok"] * 10
    with busy_db.system() as conn:
        assert referrals.count_successful_referrals(conn, referrer_id=referrer) == maximum
        owner = referrals.get_user_by_referral_code(conn, referral_code=code)
        assert owner is not None and owner.successful_referral_count == maximum
    assert balance(busy_db, referrer) == ledger_sum(busy_db, referrer)


def test_one_user_redeeming_many_codes_at_once_is_referred_once(busy_db: Database) -> None:
    user = make_user(busy_db)
    referrers = [make_user(busy_db) for _ in range(12)]
    codes = [code_of(busy_db, r) for r in referrers]
    outcomes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(codes))

    def redeem(code: str) -> None:
        barrier.wait()
        try:
            busy_db.system().run(lambda c: redeem_referral_code(c, user_id=user, code=code))
            outcome = "ok"
        except AlreadyReferred:
            outcome = "already"
        except BaseException as exc:
            outcome = repr(exc)
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=redeem, args=(c,)) for c in codes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["already"] * 11 + ["ok"]
    assert balance(busy_db, user) == ledger_sum(busy_db, user)
    with busy_db.system() as conn:
        assert (
            sum(referrals.count_successful_referrals(conn, referrer_id=r) or 0 for r in referrers)
            == 1
        )


def test_nul_byte_in_code_is_invalid_input(database: Database) -> None:
    user = make_user(database)
    with pytest.raises(errors.InvalidInput), database.system() as conn:
        redeem_referral_code(conn, user_id=user, code="ref-\x00")
