"""Keyset page latency as the messages table grows, with OFFSET beside it.

At each scale a page is read at nine cursor positions spread through the *deep chat* (half
of the table, 10% to 90% deep): the generated `list_messages_by_chat` with a (created_at, id)
cursor and the same statement on raw psycopg, interleaved in rounds (order flipping) so that
a burst of background work (autovacuum, checkpoints) lands on both and on every position;
and the OFFSET query an ORM pager would send for the middle page.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import psycopg

from bench.dataset import Data, deep_cursor
from bench.harness import Progress
from bench.workloads import page_args

_OFFSET_SQL = """
SELECT id, chat_id, role, parts, attachments, provider, model, input_tokens, output_tokens,
    cache_read_tokens, cache_write_tokens, cost, client_request_id, provider_metadata, created_at
FROM messages
WHERE chat_id = %s
ORDER BY created_at DESC, id DESC
LIMIT 51 OFFSET %s
"""


@dataclass
class ScalePoint:
    table_rows: int
    deep_chat_rows: int
    keyset_generated_us: float
    keyset_psycopg_us: float
    offset_us: float
    offset: int
    # Per-round medians of the two keyset variants (interleaved): the spread of their ratio.
    keyset_generated_rounds_us: list[float] = field(default_factory=list)
    keyset_psycopg_rounds_us: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {k: _rounded(v) for k, v in self.__dict__.items()}


def _rounded(v: Any) -> Any:
    if isinstance(v, float):
        return round(v, 1)
    if isinstance(v, list):
        return [round(x, 1) for x in v]
    return v


def _median_us(fn: Any, calls: int, budget_s: float) -> float:
    fn()  # warm (and prepare)
    samples: list[float] = []
    deadline = time.perf_counter() + budget_s
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1e6)
        if time.perf_counter() > deadline and len(samples) >= 3:
            break
    return statistics.median(samples)


_POSITIONS = tuple(n / 10 for n in range(1, 10))
_ROUNDS = 8


def _interleaved_medians_us(
    variants: list[list[Any]], calls: int
) -> tuple[list[float], list[list[float]]]:
    """Median latency (µs) of each variant, a variant being one call per cursor position:
    `_ROUNDS` rounds, each calling every variant at every position, order flipping. Also each
    variant's per-round medians."""
    for fns in variants:
        for fn in fns:
            fn()  # warm (and prepare)
    samples: list[list[float]] = [[] for _ in variants]
    rounds: list[list[float]] = [[] for _ in variants]
    per_round = max(1, calls // _ROUNDS)
    for r in range(_ROUNDS):
        order = list(range(len(variants)))
        if r % 2:
            order.reverse()
        for v in order:
            fns = variants[v]
            this_round = []
            for i in range(per_round):
                fn = fns[i % len(fns)]
                t0 = time.perf_counter()
                fn()
                this_round.append((time.perf_counter() - t0) * 1e6)
            samples[v] += this_round
            rounds[v].append(statistics.median(this_round))
    return [statistics.median(s) for s in samples], rounds


def measure(data: Data, calls: int, progress: Progress) -> ScalePoint:
    from chatdb import Database
    from chatdb.queries import messages

    middle = data.deep_count // 2
    # Newest first: the page before the cursor; OFFSET counts from the newest message.
    offset = data.deep_count - middle
    pages = [
        page_args(messages.LIST_MESSAGES_BY_CHAT, data.deep_chat_id, *deep_cursor(data, at), 50)
        for at in sorted({max(1, int(data.deep_count * f)) for f in _POSITIONS})
    ]
    sql = messages.LIST_MESSAGES_BY_CHAT
    progress.stage(f"scaling: keyset and OFFSET at {data.total_messages:,} messages")
    with (
        Database(data.url, pool_min_size=1, pool_max_size=1) as db,
        db.system() as conn,
        psycopg.connect(data.url) as raw_conn,
    ):
        (gen, raw), (gen_rounds, raw_rounds) = _interleaved_medians_us(
            [
                [lambda a=a: messages.list_messages_by_chat(conn, **a) for a in pages],
                [lambda a=a: raw_conn.execute(sql, a, prepare=True).fetchall() for a in pages],
            ],
            calls,
        )
        off = _median_us(
            lambda: raw_conn.execute(
                _OFFSET_SQL, (data.deep_chat_id, offset), prepare=True
            ).fetchall(),
            calls,
            3.0,
        )
    progress.tick()
    return ScalePoint(
        data.total_messages, data.deep_count, gen, raw, off, offset, gen_rounds, raw_rounds
    )
