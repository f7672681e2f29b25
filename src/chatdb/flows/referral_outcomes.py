"""Referral outcomes: what redeeming a code returns and the typed reasons it is refused.

Shared by `chatdb.flows.aio.referrals` and its generated sync twin `chatdb.flows.referrals`,
so both raise the same exception classes and return the same result class.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from chatdb import errors
from chatdb.flows.credit_amounts import CreditResult
from chatdb.queries import models

DEFAULT_REFERRER_CREDITS: Final = Decimal("50")
DEFAULT_REFERRED_CREDITS: Final = Decimal("25")


class OwnReferralCode(errors.ReferralRejected):
    """The code is the redeeming user's own."""


class AlreadyReferred(errors.ReferralRejected):
    """The redeeming user was referred before (by this or another code)."""


class ReferrerAtMaximum(errors.ReferralRejected):
    """The code's owner already has the maximum number of successful referrals."""


class MutualReferral(errors.ReferralRejected):
    """The code's owner was referred by the redeeming user: two users cannot refer each other."""


class ReferrerInactive(errors.ReferralRejected):
    """The code's owner is not an active user (inactive or suspended)."""


# The database constraint behind each refusal (the flow re-raises the generic error as these).
BY_CONSTRAINT: Final[dict[str, type[errors.ReferralRejected]]] = {
    "referrals_no_self_referral_check": OwnReferralCode,
    "referrals_referred_id_key": AlreadyReferred,
    "referrals_pkey": AlreadyReferred,
    "referrals_referrer_maximum_check": ReferrerAtMaximum,
    "referrals_no_mutual_referral_check": MutualReferral,
}


@dataclass(frozen=True, slots=True)
class RedeemedReferral:
    """The referral recorded and the two credit grants (either may be None when its amount is 0)."""

    referral: models.Referral
    referrer_credit: CreditResult | None
    referred_credit: CreditResult | None


__all__ = [
    "BY_CONSTRAINT",
    "DEFAULT_REFERRED_CREDITS",
    "DEFAULT_REFERRER_CREDITS",
    "AlreadyReferred",
    "MutualReferral",
    "OwnReferralCode",
    "RedeemedReferral",
    "ReferrerAtMaximum",
    "ReferrerInactive",
]
