"""Structured statement logs: one record per statement, never parameter values.

Each record carries the query name (read from the `-- name: X :cmd` first line the generated
SQL keeps), duration, rows, outcome, error class, and the role and user of the transaction.
Slow statements log at WARNING; failures at INFO (the error also reaches the caller as a typed
exception, which decides whether it is a problem: a duplicate email at sign-up is not); the
rest at DEBUG.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, Final

STATEMENT_LOGGER: Final = logging.getLogger("chatdb.sql")
logger: Final = logging.getLogger("chatdb")

_NAME_PREFIX: Final = "-- name: "
_RESERVED: Final = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
}


def statement_name(query: object) -> str:
    """`GetUserByID` for generated SQL; `sql` for anything else (never the SQL text itself)."""
    if isinstance(query, str) and query.startswith(_NAME_PREFIX):
        end = query.find(" ", len(_NAME_PREFIX))
        return query[len(_NAME_PREFIX) : end] if end > 0 else query[len(_NAME_PREFIX) :].strip()
    if isinstance(query, bytes) and query.startswith(_NAME_PREFIX.encode()):
        return statement_name(query.split(b"\n", 1)[0].decode())
    return "sql"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, service, environment, message and the
    record's extra fields. `service` and `environment` (CHATDB_SERVICE, CHATDB_ENVIRONMENT)
    say where a line came from once logs of several services and deployments are merged."""

    def __init__(self, *, service: str = "chatdb", environment: str = "development") -> None:
        super().__init__()
        self.service = service
        self.environment = environment

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "service": self.service,
            "environment": self.environment,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                payload[key] = value
        if record.exc_info and record.exc_info[1] is not None:
            payload["exception"] = record.exc_info[1].__class__.__name__
        return json.dumps(payload, default=str)


def configure_logging(
    fmt: str = "json",
    level: int = logging.INFO,
    *,
    service: str = "chatdb",
    environment: str = "development",
) -> None:
    """Install a stderr handler on the `chatdb` logger (for the CLI and simple apps).

    Applications with their own logging set-up need not call this: records propagate.
    """
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter(service=service, environment=environment))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logger.handlers[:] = [handler]
    logger.setLevel(level)


def log_statement(
    *,
    name: str,
    duration_ms: float,
    rows: int | None,
    error: BaseException | None,
    role: str | None,
    user_id: str | None,
    slow_ms: float,
) -> None:
    """Emit the record for one statement (cheap when the level is disabled)."""
    if duration_ms >= slow_ms:
        level = logging.WARNING
    elif error is not None:
        level = logging.INFO
    else:
        level = logging.DEBUG
    if not STATEMENT_LOGGER.isEnabledFor(level):
        return
    fields: dict[str, Any] = {
        "event": "statement",
        "query": name,
        "duration_ms": round(duration_ms, 3),
        "rows": rows,
        "success": error is None,
        "error_class": error.__class__.__name__ if error is not None else None,
        "slow": duration_ms >= slow_ms,
        "role": role,
        "user_id": user_id,
    }
    STATEMENT_LOGGER.log(level, "%s %s", name, "failed" if error else "ok", extra=fields)
