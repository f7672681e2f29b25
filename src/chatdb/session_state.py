"""Which statements leave a pooled session as they found it.

A transaction that ran only these (the generated named queries and the runtime's own begin
statement) cannot have changed its session: they are parameterised DML and reads, and the
functions and triggers they reach set nothing beyond the transaction. Anything else (raw SQL,
COPY, server-side cursors, a psycopg cursor built by hand) marks the connection dirty, and it
is reset before the next borrower (`connection_setup.RESET_SQL`). Measured: resetting every
transaction cost a point read in its own transaction about 15-20% CPU; the reset is kept for
the transactions that may need it.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

_RUNTIME: set[str] = set()


def trust(statement: str) -> None:
    """Count one of the runtime's own statements (which sets only transaction-local state)."""
    _RUNTIME.add(statement)


@cache
def _generated() -> frozenset[str]:
    """Every SQL constant of the generated query modules (sync and async), read once."""
    import chatdb.queries
    import chatdb.queries.aio

    found: set[str] = set()
    for package in (chatdb.queries, chatdb.queries.aio):
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            found.update(
                value
                for value in vars(module).values()
                if isinstance(value, str) and value.startswith("-- name: ")
            )
    return frozenset(found)


def leaves_session_clean(query: object) -> bool:
    """Whether running `query` (exactly this text) cannot change the session."""
    return isinstance(query, str) and (query in _RUNTIME or query in _generated())
