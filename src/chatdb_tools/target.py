"""The database a tooling command works on: `DATABASE_URL`, else the embedded server.

Only the CLI, the make targets, the tests and scripts that opt in use this; the runtime's
`chatdb.dburl.resolve()` never falls back to a server of its own.
"""

from __future__ import annotations

import os

from chatdb import dburl
from chatdb_tools import embedded


def resolve(*, start: bool = True) -> dburl.ResolvedDatabase:
    """`DATABASE_URL` when it is set and not empty, else the embedded PostgreSQL."""
    if os.environ.get("DATABASE_URL", ""):  # whitespace only is refused by dburl.resolve
        return dburl.resolve()
    url = embedded.start() if start else embedded.server_url()
    return dburl.ResolvedDatabase(url, "embedded")
