"""Dumpers that refuse NaN and Infinity, registered on every chatdb connection.

PostgreSQL's numeric and float types accept 'NaN' and order it above every number, so a NaN
passes `CHECK (amount > 0)` and a NaN balance never goes away (the ledger is insert-only).
Refusing it in the dumper covers every path in one place: named parameters, positional ones,
`executemany` and binary COPY (which picks its dumper by the column's type). The cursor then
names the parameter or column (see `chatdb.cursors`).

Each wraps psycopg's own dumper (the C one when psycopg-binary is installed): a Python
subclass of a C dumper would not be called through its `dump`.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.adapt import Dumper, PyFormat
from psycopg.pq import Format

from chatdb.errors import InvalidInput

NUMERIC_OID = 1700

MESSAGE = "NaN and Infinity are not numbers chatdb stores"


class NonFiniteNumber(InvalidInput):
    """A float or Decimal parameter is NaN or infinite."""


def is_non_finite(value: object) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, Decimal):
        return not value.is_finite()
    return False


class _Finite(Dumper):
    """Refuses NaN and Infinity, then lets psycopg's own (C) dumper do the work.

    Delegating keeps the fast dumper (a pure-Python subclass measured 2.5x slower per Decimal
    on binary COPY); the check is inlined per type, as it runs for every value."""

    inner: type[Dumper]

    def __init__(self, cls: type, context: Any = None) -> None:
        super().__init__(cls, context)
        self._dump = self.inner(cls, context).dump


class _FiniteDecimal(_Finite):
    def dump(self, obj: Any) -> Any:
        if not obj.is_finite():
            raise NonFiniteNumber(f"invalid input: {MESSAGE}")
        return self._dump(obj)


class _FiniteNumeric(_Finite):
    """numeric by type oid (COPY's set_types, arrays): ints and Decimals."""

    def dump(self, obj: Any) -> Any:
        if isinstance(obj, Decimal) and not obj.is_finite():
            raise NonFiniteNumber(f"invalid input: {MESSAGE}")
        return self._dump(obj)


class _FiniteFloat(_Finite):
    def dump(self, obj: Any) -> Any:
        if obj - obj != 0.0:  # NaN for NaN and both infinities, 0.0 for every finite float
            raise NonFiniteNumber(f"invalid input: {MESSAGE}")
        return self._dump(obj)


def _finite(base: type[_Finite], inner: type[Any]) -> type[Dumper]:
    """A `base` dumper in front of psycopg's `inner`, with its oid and format."""
    return type(
        f"Finite{inner.__name__}",
        (base,),
        {"inner": inner, "oid": inner.oid, "format": inner.format},
    )


def _dumpers() -> list[tuple[type | None, type[Dumper]]]:
    """Finite twins of psycopg's dumpers for Decimal, numeric (by oid) and float, in
    registration order (the last one registered for a type is what `%s` uses: text for
    Decimal, binary for float, as psycopg has it)."""
    adapters = psycopg.adapters
    return [
        (Decimal, _finite(_FiniteDecimal, adapters.get_dumper(Decimal, PyFormat.BINARY))),
        (Decimal, _finite(_FiniteDecimal, adapters.get_dumper(Decimal, PyFormat.TEXT))),
        (None, _finite(_FiniteNumeric, adapters.get_dumper_by_oid(NUMERIC_OID, Format.BINARY))),
        (None, _finite(_FiniteNumeric, adapters.get_dumper_by_oid(NUMERIC_OID, Format.TEXT))),
        (float, _finite(_FiniteFloat, adapters.get_dumper(float, PyFormat.TEXT))),
        (float, _finite(_FiniteFloat, adapters.get_dumper(float, PyFormat.BINARY))),
    ]


_DUMPERS = _dumpers()


def install(context: Any) -> None:
    """Register the finite dumpers on a connection's (or cursor's) adapters map."""
    for cls, dumper in _DUMPERS:
        context.adapters.register_dumper(cls, dumper)


__all__ = ["MESSAGE", "NonFiniteNumber", "install", "is_non_finite"]
