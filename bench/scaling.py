"""Keyset page latency as the messages table grows, with OFFSET beside it.

At each scale the page is read from the middle of the *deep chat* (half of the table): the
generated `list_messages_by_chat` with a (created_at, id) cursor, the same statement on raw
psycopg, and the OFFSET query an ORM pager would send for the same page.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
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

    def as_dict(self) -> dict[str, Any]:
        return {k: round(v, 1) if isinstance(v, float) else v for k, v in self.__dict__.items()}


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


def measure(data: Data, calls: int, progress: Progress) -> ScalePoint:
    from chatdb import Database
    from chatdb.queries import messages

    middle = data.deep_count // 2
    at, at_id = deep_cursor(data, middle)
    # Newest first: the page before the cursor; OFFSET counts from the newest message.
    offset = data.deep_count - middle
    args = page_args(messages.LIST_MESSAGES_BY_CHAT, data.deep_chat_id, at, at_id, 50)
    progress.stage(f"scaling: keyset and OFFSET at {data.total_messages:,} messages")
    with Database(data.url, pool_min_size=1, pool_max_size=1) as db, db.system() as conn:
        gen = _median_us(lambda: messages.list_messages_by_chat(conn, **args), calls, 3.0)
    with psycopg.connect(data.url) as conn:
        sql = messages.LIST_MESSAGES_BY_CHAT
        raw = _median_us(lambda: conn.execute(sql, args, prepare=True).fetchall(), calls, 3.0)
        off = _median_us(
            lambda: conn.execute(_OFFSET_SQL, (data.deep_chat_id, offset), prepare=True).fetchall(),
            calls,
            3.0,
        )
    progress.tick()
    return ScalePoint(data.total_messages, data.deep_count, gen, raw, off, offset)
