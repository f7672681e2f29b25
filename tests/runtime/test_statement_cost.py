"""Issue 19: the per-statement bookkeeping costs nothing when the log level drops the record,
and still writes every record the level keeps (slow statements, failures)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from chatdb import Database, errors, logs
from chatdb.logs import JsonFormatter


@pytest.fixture
def info_log() -> Iterator[io.StringIO]:
    """`chatdb.sql` at INFO (production's usual level): statement records (DEBUG) dropped."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("chatdb.sql")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(old_level)


@pytest.fixture
def names_parsed(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every query whose name the runtime parses (the real parser, counted)."""
    seen: list[object] = []
    real = logs.statement_name

    def counted(query: object) -> str:
        seen.append(query)
        return real(query)

    monkeypatch.setattr(logs, "statement_name", counted)
    return seen


def _records(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_a_dropped_record_costs_no_name_parsing(
    db_url: str, info_log: io.StringIO, names_parsed: list[object]
) -> None:
    with Database(db_url, pool_min_size=0, pool_max_size=1) as db, db.system() as conn:
        for _ in range(20):
            conn.execute("-- name: Quick :one\nSELECT 1").fetchone()
        with conn.cursor() as cur:
            cur.executemany("-- name: QuickMany :exec\nSELECT %s", [(1,), (2,)])
    assert names_parsed == []
    assert [r for r in _records(info_log) if r.get("event") == "statement"] == []


def test_records_the_level_keeps_are_still_written(
    db_url: str, info_log: io.StringIO, names_parsed: list[object]
) -> None:
    with Database(db_url, pool_min_size=0, pool_max_size=1, slow_query_ms=50) as db:
        with db.system() as conn:
            conn.execute("-- name: Nap :exec\nSELECT pg_sleep(0.1)")
        with pytest.raises(errors.InvalidInput), db.system() as conn:
            conn.execute("-- name: BadUuid :one\nSELECT %s::uuid", ("not-a-uuid",))
    logged = {r["query"]: r for r in _records(info_log) if r.get("event") == "statement"}
    assert logged["Nap"]["level"] == "WARNING" and logged["Nap"]["slow"] is True
    assert logged["Nap"]["success"] is True and logged["Nap"]["role"] == "chatdb_system"
    assert logged["BadUuid"]["level"] == "INFO" and logged["BadUuid"]["success"] is False
    assert logged["BadUuid"]["error_class"] == "InvalidInput"
    assert "not-a-uuid" not in info_log.getvalue()
    assert len(names_parsed) == 2  # only the two statements whose records were written
