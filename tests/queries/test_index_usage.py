"""The issue's index check: on a small analyzed seed, with enable_seqscan = off and generic
plans, no hot-path query reads a whole large table (see index_check.py)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import psycopg
import pytest

from .index_check import (
    ALLOWED,
    NamedQuery,
    hot_path_violations,
    named_queries,
    seed_small,
    to_positional,
)


@pytest.fixture(scope="module")
def seeded(make_clone: Callable[[str], str]) -> Iterator[psycopg.Connection]:
    """A database of this module's own with the small seed, analyzed (about a second)."""
    with psycopg.connect(make_clone("idx"), autocommit=True) as conn:
        started = time.perf_counter()
        seed_small(conn)
        assert time.perf_counter() - started < 20
        yield conn


def test_to_positional_numbers_names_by_first_appearance() -> None:
    sql, count = to_positional("SELECT %(b)s, %(a)s, %(b)s WHERE x LIKE 'a%%' AND y = %(c)s")
    assert sql == "SELECT $1, $2, $1 WHERE x LIKE 'a%' AND y = $3"
    assert count == 3


def test_named_queries_cover_every_query_file() -> None:
    queries = list(named_queries())
    names = {q.name for q in queries}
    assert {"GetLatestDocument", "ListUploadsByUser", "ListGroupMessages"} <= names
    assert set(ALLOWED) <= names, "the allow-list names a query that no longer exists"
    assert all(q.sql.startswith(f"-- name: {q.name} {q.command}") for q in queries)


def test_seed_is_realistic(seeded: psycopg.Connection) -> None:
    counts = {
        table: seeded.execute(f"SELECT count(*) FROM {table}").fetchone()
        for table in ("messages", "group_messages", "companion_messages", "usage_logs", "votes")
    }
    assert all(c is not None and c[0] >= 100 for c in counts.values()), counts


def test_checker_flags_a_query_no_index_serves(seeded: psycopg.Connection) -> None:
    unindexed = NamedQuery(
        "probe",
        "ProbeByCost",
        ":many",
        "-- name: ProbeByCost :many\nSELECT id FROM messages WHERE cost > %(cost)s",
    )
    indexed = NamedQuery(
        "probe",
        "ProbeByChat",
        ":many",
        "-- name: ProbeByChat :many\n"
        "SELECT id FROM messages WHERE chat_id = %(chat_id)s ORDER BY created_at LIMIT 10",
    )
    problems = hot_path_violations(seeded, [unindexed, indexed])
    assert problems and all("ProbeByCost" in p and "messages" in p for p in problems)


def test_no_hot_path_query_reads_a_whole_large_table(seeded: psycopg.Connection) -> None:
    problems = hot_path_violations(seeded)
    assert problems == [], "\n".join(problems)
