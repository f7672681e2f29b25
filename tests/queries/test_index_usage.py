"""The issue's index check: on a small analyzed seed, with enable_seqscan = off and generic
plans, no hot-path query reads a whole large table (see index_check.py)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import psycopg
import pytest

from .index_check import (
    ALLOWED,
    SMALL_TABLES,
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


def test_seed_fills_every_table_a_named_query_reads(seeded: psycopg.Connection) -> None:
    # An empty table makes any plan look fine: every table the check counts must hold rows.
    tables = [
        name
        for (name,) in seeded.execute(
            "SELECT c.relname FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
        )
        if name not in SMALL_TABLES
    ]
    empty = [t for t in tables if seeded.execute(f"SELECT count(*) FROM {t}").fetchone() == (0,)]
    # Read-rarely tables the check may leave empty: no named query filters them on a hot path.
    assert set(empty) <= {
        "chat_states",
        "chat_tags",
        "fingerprints",
        "external_tokens",
        "auto_approval_settings",
        "suggestions_archive",
    }, empty


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


def test_checker_flags_an_index_scan_that_skips_the_leading_column(
    seeded: psycopg.Connection,
) -> None:
    # No index of messages leads with client_request_id; with enable_seqscan = off the
    # planner walks (chat_id, client_request_id) with an Index Cond on its second column,
    # which reads the whole index: the check must count that as a full scan.
    skipping = NamedQuery(
        "probe",
        "ProbeByRequestID",
        ":one",
        "-- name: ProbeByRequestID :one\n"
        "SELECT id FROM messages WHERE client_request_id = %(client_request_id)s",
    )
    problems = hot_path_violations(seeded, [skipping])
    assert problems and all("ProbeByRequestID" in p and " using " in p for p in problems), problems


def test_no_hot_path_query_reads_a_whole_large_table(seeded: psycopg.Connection) -> None:
    problems = hot_path_violations(seeded)
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize(
    ("name", "cursor"),
    [
        ("LIST_CHATS_BY_USER_CREATED_BEFORE", {"before_at": None, "before_id": None}),
        ("LIST_CHATS_BY_USER_CREATED_AFTER", {"after_at": "-infinity", "after_id": None}),
    ],
)
def test_sidebar_by_creation_time_reads_its_index_in_order_both_ways(
    seeded: psycopg.Connection, name: str, cursor: dict[str, object]
) -> None:
    # The chat app's sidebar pages by creation time in both directions: each direction is an
    # ordered walk of chats_user_id_created_at_id_idx (forwards or backwards), no sort.
    from chatdb.queries import chats

    sql = getattr(chats, name)
    with seeded.transaction():
        # A heavy user (thousands of chats, as real sidebars have), analyzed; rolled back.
        user_id = seeded.execute(
            "INSERT INTO users (email) VALUES ('sidebar-' || gen_random_uuid() || '@x.test')"
            " RETURNING id"
        ).fetchone()[0]
        seeded.execute(
            "INSERT INTO chats (user_id, created_at) SELECT %s, now() - make_interval(mins => g)"
            " FROM generate_series(1, 3000) AS g",
            (user_id,),
        )
        seeded.execute("ANALYZE chats")
        seeded.execute("SET LOCAL ROLE chatdb_app")
        seeded.execute("SELECT set_config('app.user_id', %s, true)", (str(user_id),))
        params = {"user_id": user_id, "page_size": 20, **cursor}
        if "after_id" in params:
            params["after_id"] = "00000000-0000-0000-0000-000000000000"
        plan = json.dumps(seeded.execute(f"EXPLAIN (FORMAT JSON) {sql}", params).fetchone()[0])
        raise psycopg.Rollback()
    assert "chats_user_id_created_at_id_idx" in plan
    assert '"Node Type": "Sort"' not in plan
