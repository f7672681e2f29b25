"""The application's two logins (db/roles.sql), as the tests connect with them.

The superuser URL the fixtures get (`server_url`, `db_url`) only provisions, migrates and
seeds; the application under test runs as `chatdb_app_login` (user-scoped and anonymous
transactions) and `chatdb_system_login` (system transactions), neither superuser nor
BYPASSRLS. Test servers trust local connections, so the logins need no password.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

APP_LOGIN = "chatdb_app_login"
SYSTEM_LOGIN = "chatdb_system_login"


def login_url(url: str, login: str) -> str:
    """`url` (same server, database and options) as `login`, without a password."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{login}@{host}"))


def logins(url: str) -> dict[str, Any]:
    """`Database(**logins(url), ...)`: the app login for `url=`, the system one for `system_url=`."""
    return {"url": login_url(url, APP_LOGIN), "system_url": login_url(url, SYSTEM_LOGIN)}
