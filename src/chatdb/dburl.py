"""Which database chatdb talks to, and the URL helpers around it.

The runtime takes `DATABASE_URL` and nothing else: with it unset, `resolve()` raises
ConfigError and starts nothing. The embedded development server is the tooling's
(`chatdb_tools.target.resolve`, used by the CLI, the make targets and the tests).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from chatdb.errors import ConfigError

_SCHEMES = ("postgresql", "postgres")


@dataclass(frozen=True)
class ResolvedDatabase:
    """A database URL and where it came from."""

    url: str
    source: Literal["DATABASE_URL", "embedded"]

    def describe(self) -> str:
        """One line for humans: which database this command uses (password hidden)."""
        if self.source == "embedded":
            socket_dir = dict(parse_qsl(urlsplit(self.url).query)).get("host", "")
            return f"embedded PostgreSQL in {socket_dir} (database {database_name(self.url)})"
        return f"DATABASE_URL {redact(self.url)}"


def validate_url(url: str, variable: str = "DATABASE_URL") -> str:
    """Check that `url` is a postgresql:// URL libpq accepts; raise ConfigError naming `variable`."""
    import psycopg.conninfo

    fix = f"set {variable}=postgresql://user:password@host:5432/dbname"
    if not url.strip():
        raise ConfigError(
            f"{variable} is set but blank", fix=f"{fix}, or unset it", variable=variable
        )
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. "Invalid IPv6 URL" for an unclosed [
        raise ConfigError(
            f"{variable} is malformed: {str(exc).splitlines()[0]}", fix=fix, variable=variable
        ) from None
    if parts.scheme not in _SCHEMES:
        raise ConfigError(
            f"{variable} must be a postgresql:// URL, got scheme {parts.scheme or 'none'!r}",
            fix=fix,
            variable=variable,
        )
    try:
        _ = parts.port  # urllib validates the port here
        psycopg.conninfo.conninfo_to_dict(url)
    except (psycopg.ProgrammingError, ValueError) as exc:
        raise ConfigError(
            f"{variable} is malformed: {str(exc).splitlines()[0]}", fix=fix, variable=variable
        ) from None
    return url


def resolve() -> ResolvedDatabase:
    """The database of an application: `DATABASE_URL`, never a server started behind its back.

    A missing variable in production must be an error, not a new empty database.
    """
    raw = os.environ.get("DATABASE_URL", "")
    if raw:  # set but blank is a mistake, validate_url says so
        return ResolvedDatabase(validate_url(raw.strip()), "DATABASE_URL")
    raise ConfigError(
        "DATABASE_URL is not set, so there is no database to connect to",
        fix="set DATABASE_URL=postgresql://user:password@host:5432/dbname, or pass the URL to "
        "Database(url); in development, `chatdb db url` prints the embedded server's URL",
        variable="DATABASE_URL",
    )


def redact(url: str) -> str:
    """`url` with any password replaced by `***`, safe to print and log."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def database_name(url: str) -> str:
    """The database a URL names (libpq's default is the user name; we require it explicit)."""
    import psycopg.conninfo

    params = psycopg.conninfo.conninfo_to_dict(url)
    return str(params.get("dbname") or params.get("user") or "postgres")


def with_database(url: str, name: str) -> str:
    """The same server and credentials, another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(name)))


def with_query(url: str, **params: str) -> str:
    """`url` with query parameters set (replacing any of the same name)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(params)
    return urlunsplit(parts._replace(query=urlencode(query)))


def for_dbmate(url: str, *, role: str | None = None) -> str:
    """The URL in the form dbmate (Go, lib/pq) expects.

    lib/pq defaults to sslmode=require, which a loopback or socket server refuses; we default
    to `disable` there only. `role` sets the session role through the startup `options`, so
    the objects a migration creates are owned by that role (dbmate talks to PostgreSQL
    directly, never through PgBouncer, so the startup parameter is safe here).
    """
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    host = query.get("host", parts.hostname or "")
    if "sslmode" not in query and (
        host.startswith("/") or host in ("", "localhost", "127.0.0.1", "::1")
    ):
        query["sslmode"] = "disable"
    if role:
        query["options"] = f"-crole={role}"
    return urlunsplit(parts._replace(scheme="postgres", query=urlencode(query, quote_via=quote)))


_LOCAL_HOSTS = ("", "localhost", "127.0.0.1", "::1")


def is_local(url: str) -> bool:
    """Whether every host `url` names is this machine: a unix socket or a loopback name."""
    import psycopg.conninfo

    params = psycopg.conninfo.conninfo_to_dict(url)
    hosts = str(params.get("host") or params.get("hostaddr") or "").split(",")
    return all(h.startswith("/") or h.strip() in _LOCAL_HOSTS for h in hosts)


def default_sslmode(url: str) -> str | None:
    """`require` for a server on another machine when `url` sets no sslmode; else None
    (libpq's own default, `prefer`, then applies: it silently falls back to clear text)."""
    import psycopg.conninfo

    if "sslmode" in psycopg.conninfo.conninfo_to_dict(url):
        return None
    return None if is_local(url) else "require"
