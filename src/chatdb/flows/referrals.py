# Generated from src/chatdb/flows/aio/referrals.py by tools/async_to_sync.py. DO NOT EDIT:
# edit the async source, then run `make sync-twins` (also part of `make generate`).
"""Redeeming a referral code: record who referred whom, then credit both through the ledger.

Runs as `chatdb_system` (it credits another user than the caller):

    with db.system() as conn:
        redeem_referral_code(conn, user_id=new_user, code=submitted_code)

The rules live in the schema and hold under any concurrency: a user is referred at most once
(referrals_referred_id_key), never by themselves (referrals_no_self_referral_check) or by a
user they referred (referrals_no_mutual_referral_check), and a referrer has at most
`app_settings.max_successful_referrals` completed referrals
(referrals_referrer_maximum_check, counted under the referrer's row lock). This flow checks the
cheap cases first for a clear error, maps the database's refusals to the same typed errors,
and credits both sides with operation ids `referral:<referred id>:referrer` and
`referral:<referred id>:referred`, so nothing is ever credited twice.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import psycopg

from chatdb import errors
from chatdb.flows.credits import grant_credits
from chatdb.flows.referral_outcomes import (
    BY_CONSTRAINT,
    DEFAULT_REFERRED_CREDITS,
    DEFAULT_REFERRER_CREDITS,
    AlreadyReferred,
    MutualReferral,
    OwnReferralCode,
    RedeemedReferral,
    ReferrerAtMaximum,
    ReferrerInactive,
)
from chatdb.queries import referrals as q
from chatdb.queries.enums import CreditReason, ReferralStatus, UserStatus


def _rejected(
    cls: type[errors.ReferralRejected], message: str, constraint: str
) -> errors.ReferralRejected:
    return cls(message, constraint=constraint, table="referrals")


def redeem_referral_code(
    conn: psycopg.Connection[Any],
    *,
    user_id: uuid.UUID,
    code: str,
    referrer_credits: Decimal = DEFAULT_REFERRER_CREDITS,
    referred_credits: Decimal = DEFAULT_REFERRED_CREDITS,
) -> RedeemedReferral:
    """Let `user_id` redeem `code`: record a completed referral and credit both users.

    Raises `NotFoundError` for an unknown code, and a `ReferralRejected` subclass naming the
    reason otherwise: `OwnReferralCode`, `AlreadyReferred`, `ReferrerAtMaximum`,
    `MutualReferral`, `ReferrerInactive`. A refusal writes nothing (the caller's transaction
    stays usable).
    """
    for name, amount in (
        ("referrer_credits", referrer_credits),
        ("referred_credits", referred_credits),
    ):
        if (
            isinstance(amount, bool)
            or not isinstance(amount, Decimal | int)
            or not Decimal(amount).is_finite()
            or amount < 0
        ):
            raise errors.InvalidInput(f"{name} must be a Decimal >= 0", column=name)
    referrer = (
        q.get_user_by_referral_code(conn, referral_code=code)
        if isinstance(code, str) and code
        else None
    )
    if referrer is None:
        raise errors.NotFoundError(
            "no user has this referral code", table="users", column="referral_code"
        )
    if referrer.id == user_id:
        raise _rejected(
            OwnReferralCode,
            "you cannot redeem your own referral code",
            "referrals_no_self_referral_check",
        )
    if referrer.status != UserStatus.ACTIVE:
        raise ReferrerInactive(
            "the owner of this referral code is not an active user", table="users", column="status"
        )
    if q.get_referral_by_referred(conn, referred_id=user_id) is not None:
        raise _rejected(
            AlreadyReferred,
            "you were already referred; a user can be referred only once",
            "referrals_referred_id_key",
        )

    try:
        with conn.transaction():  # savepoint: a refusal below writes nothing
            referral = q.create_referral(
                conn,
                referrer_id=referrer.id,
                referred_id=user_id,
                status=ReferralStatus.COMPLETED,
                credits_awarded=Decimal(referrer_credits),
            )
            if referral is None:  # a concurrent redemption by this user won
                raise _rejected(
                    AlreadyReferred,
                    "you were already referred; a user can be referred only once",
                    "referrals_referred_id_key",
                )
            referrer_credit = referred_credit = None
            if referrer_credits > 0:
                referrer_credit = grant_credits(
                    conn,
                    user_id=referrer.id,
                    amount=referrer_credits,
                    operation_id=f"referral:{user_id}:referrer",
                    reason=CreditReason.REFERRAL,
                    description="Referral reward",
                    metadata={"referred_id": str(user_id)},
                )
            if referred_credits > 0:
                referred_credit = grant_credits(
                    conn,
                    user_id=user_id,
                    amount=referred_credits,
                    operation_id=f"referral:{user_id}:referred",
                    reason=CreditReason.REFERRAL,
                    description="Welcome bonus for joining through a referral",
                    metadata={"referrer_id": str(referrer.id)},
                )
    except errors.ReferralRejected as exc:
        if type(exc) is not errors.ReferralRejected or exc.constraint not in BY_CONSTRAINT:
            raise
        cls = BY_CONSTRAINT[exc.constraint]
        messages = {
            OwnReferralCode: "you cannot redeem your own referral code",
            AlreadyReferred: "you were already referred; a user can be referred only once",
            ReferrerAtMaximum: "the owner of this referral code has reached the maximum number of referrals",
            MutualReferral: "you cannot redeem the code of a user you referred",
        }
        raise cls(
            messages[cls], constraint=exc.constraint, table="referrals", sqlstate=exc.sqlstate
        ) from exc
    return RedeemedReferral(
        referral=referral, referrer_credit=referrer_credit, referred_credit=referred_credit
    )


__all__ = [
    "AlreadyReferred",
    "MutualReferral",
    "OwnReferralCode",
    "RedeemedReferral",
    "ReferrerAtMaximum",
    "ReferrerInactive",
    "redeem_referral_code",
]
