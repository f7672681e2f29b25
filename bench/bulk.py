"""Bulk import of messages: `:copyfrom` vs raw COPY vs `executemany`, `:batchexec`, row by row.

Each variant loads its rows inside a transaction that is rolled back afterwards, so every
variant starts from the same table and the scaling workload is not disturbed. The input rows
are built before the clock starts (64 distinct part lists, cycled). The query set has no
message `:batchexec`; the `:batchexec` row runs exactly what the plugin generates for one
(`cur.executemany(SQL, map(_args, params))`, pipelined) with InsertMessage's statement and
argument builder.

The three COPY variants run interleaved in rounds (a slice of the rows each, order rotating),
so their ratios come with a spread: the generated `:copyfrom`, the same rows through raw
psycopg `COPY ... (FORMAT binary)`, and that raw COPY into `messages_unindexed`, a copy of
the table with no index, constraint, default or trigger: the server's own ceiling. The gap
between the first two is the layer's cost; between the last two, the schema's (a random-uuid
primary key, four more indexes, foreign keys, checks).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from bench.dataset import Data
from bench.harness import Progress, time_once

_COLUMNS = (
    "id, chat_id, role, parts, attachments, provider, model, input_tokens, output_tokens, "
    "cost, created_at"
)
_INSERT = f"INSERT INTO messages ({_COLUMNS}) VALUES ({', '.join(['%s'] * 11)})"
_COPY = f"COPY messages ({_COLUMNS}) FROM STDIN (FORMAT BINARY)"
UNINDEXED = "messages_unindexed"
_COPY_UNINDEXED = f"COPY {UNINDEXED} ({_COLUMNS}) FROM STDIN (FORMAT BINARY)"
COPYFROM = ":copyfrom (generated, chatdb.Database)"
RAW_COPY = "psycopg COPY binary"
CEILING = "psycopg COPY binary, unindexed unconstrained copy (server ceiling)"
_TYPES = ["uuid", "uuid", "text", "jsonb", "jsonb", "text", "text", "int4", "int4",
          "numeric", "timestamptz"]  # fmt: skip


@dataclass
class BulkResult:
    name: str
    rows: int
    seconds: float
    round_seconds: list[float] = field(default_factory=list)  # interleaved variants only

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    @property
    def us_per_row(self) -> float:
        return 1e6 * self.seconds / self.rows if self.rows else float("nan")


def _tuples(data: Data, n: int) -> list[tuple[Any, ...]]:
    from bench.workloads import _parts

    chats = data.chat_ids[:-1]
    parts = [_parts(i) for i in range(64)]
    start = datetime.now(UTC)
    return [
        (uuid.uuid4(), chats[i % len(chats)], "assistant", parts[i % 64], [], "openai",
         "gpt-4o-mini", 120, 80, Decimal("0.00012"), start + timedelta(microseconds=i))
        for i in range(n)
    ]  # fmt: skip


class _Rollback(Exception):
    """Raised to leave a `db.system()` scope by rolling back."""


def _rolled_back(url: str, fn: Callable[[Any], int], *, database: Any = None) -> float:
    seconds = 0.0
    if database is not None:
        try:
            with database.system() as conn:
                seconds, _ = time_once(lambda: fn(conn))
                raise _Rollback
        except _Rollback:
            return seconds
    with psycopg.connect(url) as conn, conn.transaction(force_rollback=True):
        seconds, _ = time_once(lambda: fn(conn))
    return seconds


def run(
    url: str, data: Data, rows: int, slow_rows: int, progress: Progress, rounds: int = 5
) -> list[BulkResult]:
    from chatdb import Database
    from chatdb.queries import messages
    from chatdb.queries.enums import MessageRole
    from chatdb.types import Attachments, MessageParts

    raw_rows = _tuples(data, rows)
    parts = [MessageParts.model_validate(r[3]) for r in raw_rows[:64]]
    no_attachments = Attachments([])
    results: list[BulkResult] = []

    def raw_copy_into(statement: str, part: list[tuple[Any, ...]]) -> Callable[[Any], int]:
        def load(conn: Any) -> int:
            with conn.cursor() as cur, cur.copy(statement) as copy:
                copy.set_types(_TYPES)
                for r in part:
                    copy.write_row((*r[:3], Jsonb(r[3]), Jsonb(r[4]), *r[5:]))
            return len(part)

        return load

    gen_rows = [
        messages.ImportMessagesParams(
            id=r[0], chat_id=r[1], role=MessageRole.ASSISTANT, parts=parts[i % 64],
            attachments=no_attachments, provider=r[5], model=r[6], input_tokens=r[7],
            output_tokens=r[8], cost=r[9], created_at=r[10],
        )
        for i, r in enumerate(raw_rows)
    ]  # fmt: skip

    def gen_copy_of(part: list[Any]) -> Callable[[Any], int]:
        return lambda conn: messages.import_messages(conn, rows=part)

    def executemany(conn: Any) -> int:
        with conn.cursor() as cur:
            cur.executemany(_INSERT, [(*r[:3], Jsonb(r[3]), Jsonb(r[4]), *r[5:]) for r in raw_rows])
        return rows

    batch_params = [
        {
            "chat_id": r[1], "role": MessageRole.ASSISTANT, "parts": parts[i % 64],
            "attachments": no_attachments, "provider": r[5], "model": r[6],
            "client_request_id": None, "provider_metadata": None,
        }
        for i, r in enumerate(raw_rows)
    ]  # fmt: skip

    def batchexec(conn: Any) -> int:
        # What the plugin emits for a :batchexec query (see votes.vote_messages): one
        # executemany of the query's parameters, adapted as the generated function does.
        with conn.cursor() as cur:
            cur.executemany(
                messages.INSERT_MESSAGE,
                [
                    {**p, "parts": Jsonb(p["parts"].model_dump(mode="json")),
                     "attachments": Jsonb(p["attachments"].model_dump(mode="json"))}
                    for p in batch_params
                ],
            )  # fmt: skip
        return rows

    slow = [(*r[:3], Jsonb(r[3]), Jsonb(r[4]), *r[5:]) for r in raw_rows[:slow_rows]]

    def row_by_row(conn: Any) -> int:
        for r in slow:
            conn.execute(_INSERT, r, prepare=True)
        return slow_rows

    def gen_row_by_row(conn: Any) -> int:
        for p in batch_params[:slow_rows]:
            messages.insert_message(conn, **p)
        return slow_rows

    # A bulk load is a job, not a request: the 30 s request statement_timeout would cancel a
    # 1M-row import on a busy machine, so this pool has none (as an import job would set).
    with Database(url, pool_min_size=1, pool_max_size=1, statement_timeout_ms=0) as db:
        progress.stage(f"bulk: COPY variants interleaved ({rows:,} rows each)")
        with _unindexed_table(url):
            results += _interleaved_copies(url, db, rows, rounds, gen_copy_of, gen_rows,
                                           raw_copy_into, raw_rows)  # fmt: skip
        progress.tick()
        plan: list[tuple[str, int, Callable[[Any], int], Any]] = [
            ("psycopg executemany (pipelined)", rows, executemany, None),
            (":batchexec shape (generated args, chatdb.Database)", rows, batchexec, db),
            ("psycopg row by row", slow_rows, row_by_row, None),
            ("generated :one row by row (chatdb.Database)", slow_rows, gen_row_by_row, db),
        ]
        for name, n, fn, database in plan:
            progress.stage(f"bulk: {name} ({n:,} rows)")
            seconds = _rolled_back(url, fn, database=database)
            results.append(BulkResult(name, n, seconds))
            progress.tick()
    return results


@contextmanager
def _unindexed_table(url: str) -> Iterator[None]:
    """`messages_unindexed`: the columns of messages and nothing else, committed empty (so a
    COPY into it is WAL-logged like the real one), dropped afterwards."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {UNINDEXED} AS TABLE messages WITH NO DATA")
    try:
        yield
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP TABLE IF EXISTS {UNINDEXED}")


def _interleaved_copies(
    url: str,
    db: Any,
    rows: int,
    rounds: int,
    gen_copy_of: Callable[[list[Any]], Callable[[Any], int]],
    gen_rows: list[Any],
    raw_copy_into: Callable[[str, list[tuple[Any, ...]]], Callable[[Any], int]],
    raw_rows: list[tuple[Any, ...]],
) -> list[BulkResult]:
    """The three COPY variants, `rounds` slices of the rows each, order rotating."""
    size = max(1, rows // rounds)
    spans = [(k * size, min(rows, (k + 1) * size)) for k in range(rounds) if k * size < rows]
    runs: dict[str, list[float]] = {COPYFROM: [], RAW_COPY: [], CEILING: []}
    for k, (a, b) in enumerate(spans):
        variants: list[tuple[str, Callable[[Any], int], Any]] = [
            (COPYFROM, gen_copy_of(gen_rows[a:b]), db),
            (RAW_COPY, raw_copy_into(_COPY, raw_rows[a:b]), None),
            (CEILING, raw_copy_into(_COPY_UNINDEXED, raw_rows[a:b]), None),
        ]
        shift = k % len(variants)
        for name, fn, database in variants[shift:] + variants[:shift]:
            runs[name].append(_rolled_back(url, fn, database=database))
    done = sum(b - a for a, b in spans)
    return [BulkResult(name, done, sum(secs), secs) for name, secs in runs.items()]
