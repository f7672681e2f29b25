"""Dumpers that refuse NaN and Infinity, registered on every chatdb connection.

PostgreSQL's numeric and float types accept 'NaN' and order it above every number, so a NaN
passes `CHECK (amount > 0)` and a NaN balance never goes away (the ledger is insert-only).
Refusing it in the dumper covers every path in one place: named parameters, positional ones,
`executemany` and binary COPY (which picks its dumper by the column's type). The cursor then
names the parameter or column (see `chatdb.cursors`).

The bases are psycopg's pure-Python dumpers: a Python subclass of the C ones would not be
called through its `dump`. They are slower per value, which only matters for bulk floats.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from psycopg.types import numeric

from chatdb.errors import InvalidInput

MESSAGE = "NaN and Infinity are not numbers chatdb stores"


class NonFiniteNumber(InvalidInput):
    """A float or Decimal parameter is NaN or infinite."""


def is_non_finite(value: object) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, Decimal):
        return not value.is_finite()
    return False


def _refuse(value: object) -> None:
    if is_non_finite(value):
        raise NonFiniteNumber(f"invalid input: {MESSAGE}")


class FiniteDecimalDumper(numeric.DecimalDumper):
    def dump(self, obj: Any) -> Any:
        _refuse(obj)
        return super().dump(obj)


class FiniteDecimalBinaryDumper(numeric.DecimalBinaryDumper):
    def dump(self, obj: Any) -> Any:
        _refuse(obj)
        return super().dump(obj)


class FiniteNumericDumper(numeric.NumericDumper):
    """numeric by type oid (COPY's set_types, arrays): ints and Decimals."""

    def dump(self, obj: Any) -> Any:
        _refuse(obj)
        return super().dump(obj)


class FiniteNumericBinaryDumper(numeric.NumericBinaryDumper):
    def dump(self, obj: Any) -> Any:
        _refuse(obj)
        return super().dump(obj)


class FiniteFloatDumper(numeric.FloatDumper):
    def dump(self, obj: Any) -> Any:
        _refuse(obj)
        return super().dump(obj)


class FiniteFloatBinaryDumper(numeric.FloatBinaryDumper):
    def dump(self, obj: Any) -> Any:
        _refuse(obj)
        return super().dump(obj)


def install(context: Any) -> None:
    """Register the finite dumpers on a connection (or cursor) adapters map.

    The order keeps psycopg's choice for `%s`: text for Decimal, binary for float.
    """
    adapters = context.adapters
    adapters.register_dumper(Decimal, FiniteDecimalBinaryDumper)
    adapters.register_dumper(Decimal, FiniteDecimalDumper)
    adapters.register_dumper(None, FiniteNumericBinaryDumper)
    adapters.register_dumper(None, FiniteNumericDumper)
    adapters.register_dumper(float, FiniteFloatDumper)
    adapters.register_dumper(float, FiniteFloatBinaryDumper)


__all__ = ["MESSAGE", "NonFiniteNumber", "install", "is_non_finite"]
