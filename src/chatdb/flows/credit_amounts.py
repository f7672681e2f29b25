"""Credit amounts, reasons and results: the pure half of the credit flows (no database).

Shared by `chatdb.flows.aio.credits` and its generated sync twin `chatdb.flows.credits`, so
both return the same `CreditResult` class and refuse the same amounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from chatdb import errors
from chatdb.queries import models
from chatdb.queries.enums import CreditReason

# numeric(20, 6): at most 6 decimal places and 14 integer digits.
SCALE: Final = 6
MAX_AMOUNT: Final = Decimal("99999999999999.999999")

GRANT_REASONS: Final = frozenset(
    {
        CreditReason.SIGNUP,
        CreditReason.REFERRAL,
        CreditReason.PURCHASE,
        CreditReason.SUBSCRIPTION,
        CreditReason.PROMOTION,
        CreditReason.REFUND,
        CreditReason.ADJUSTMENT,
    }
)
CONSUME_REASONS: Final = frozenset(
    {CreditReason.USAGE, CreditReason.COMPANION_BURN, CreditReason.REFUND, CreditReason.ADJUSTMENT}
)


@dataclass(frozen=True, slots=True)
class CreditResult:
    """The outcome of a grant or charge.

    `entry` is the operation's ledger entry (on a retry: the one the first call wrote),
    `balance_after` the balance right after that entry, and `applied` whether THIS call moved
    the credits (False: the operation id had already been applied, nothing changed).
    """

    entry: models.CreditLedger
    balance_after: Decimal
    applied: bool


def validate_amount(amount: object) -> Decimal:
    """The amount as a Decimal if it is a positive, finite number of credits with at most six
    decimal places; otherwise `InvalidInput` (nothing is sent to the database)."""
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise errors.InvalidInput(
            f"amount must be a Decimal or int, not {type(amount).__name__} "
            "(floating point is never used for credits)",
            column="amount",
            table="credit_ledger",
        )
    value = Decimal(amount)
    if not value.is_finite() or value <= 0:
        raise errors.InvalidInput(
            "amount must be a finite number greater than zero",
            column="amount",
            table="credit_ledger",
        )
    if value > MAX_AMOUNT:
        raise errors.InvalidInput(
            f"amount must be at most {MAX_AMOUNT}", column="amount", table="credit_ledger"
        )
    if value != value.quantize(Decimal(1).scaleb(-SCALE)):
        raise errors.InvalidInput(
            f"amount has more than {SCALE} decimal places", column="amount", table="credit_ledger"
        )
    return value


__all__ = [
    "CONSUME_REASONS",
    "GRANT_REASONS",
    "MAX_AMOUNT",
    "SCALE",
    "CreditResult",
    "validate_amount",
]
