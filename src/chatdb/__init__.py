"""chatdb: the PostgreSQL data layer of an AI chat product.

from chatdb import Database
db = Database()          # DATABASE_URL, else the embedded PostgreSQL
with db.as_user(user_id) as conn:
    ...                  # generated functions from chatdb.queries.<domain>
"""

from chatdb.aio import AsyncDatabase, AsyncScope
from chatdb.config import Settings, load_settings
from chatdb.database import Database, Scope
from chatdb.page import Page
from chatdb.transactions import Role

__all__ = [
    "AsyncDatabase",
    "AsyncScope",
    "Database",
    "Page",
    "Role",
    "Scope",
    "Settings",
    "load_settings",
]
