"""The arguments every connection is opened with (libpq and psycopg), from the settings."""

from __future__ import annotations

from typing import Any

from chatdb import dburl
from chatdb.config import Settings


def connect_kwargs(settings: Settings, url: str | None = None) -> dict[str, Any]:
    """libpq/psycopg connection arguments (never server settings via `options`).

    TCP keepalives (on by default: DB_KEEPALIVES_IDLE_S, _INTERVAL_S, _COUNT) let a dead peer
    be noticed in about idle + interval x count seconds instead of the kernel's hours. Without
    DB_SSLMODE and without an sslmode in `url`, a server that is not on this machine gets
    sslmode=require (dburl.default_sslmode): credentials never cross a network in clear.
    """
    kwargs: dict[str, Any] = {
        "autocommit": False,
        "connect_timeout": settings.connect_timeout_s,
        "application_name": settings.application_name,
        # PgBouncer in transaction mode cannot keep prepared statements per client.
        "prepare_threshold": None if settings.pgbouncer else 5,
    }
    if settings.tcp_keepalives:
        kwargs.update(
            keepalives=1,
            keepalives_idle=settings.keepalives_idle_s,
            keepalives_interval=settings.keepalives_interval_s,
            keepalives_count=settings.keepalives_count,
        )
    else:
        kwargs["keepalives"] = 0
    if settings.sslmode:
        kwargs["sslmode"] = settings.sslmode
    elif url is not None and (default := dburl.default_sslmode(url)) is not None:
        kwargs["sslmode"] = default
    if settings.sslrootcert:
        kwargs["sslrootcert"] = settings.sslrootcert
    return kwargs
