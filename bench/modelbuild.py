"""Model building: pydantic models vs dataclasses vs tuples, for 100 and 10,000 message rows.

Two measurements per size (rows of `messages`, jsonb parts, 15 columns):
- *build*: turning already-fetched tuples into the row type, no database involved;
- *fetch*: the whole `LIMIT n` query on one connection (orjson loaders, like the runtime)
  with that row type as the row factory, so the build cost is seen against the I/O.

Row types: `tuple` (psycopg's default), `dataclass` (frozen, slotted, JSON left as loaded),
`dataclass+convert` (what the plugin emits with `emit_pydantic_models: false`: enum and
override columns converted by the row builder), `pydantic` (the generated row factory:
`models.Message(...)` validating `MessageParts`), `pydantic construct` (`model_construct`,
no validation).
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import statistics
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from pydantic import JsonValue, TypeAdapter

from bench.dataset import Data
from bench.harness import Progress


@dataclasses.dataclass(frozen=True, slots=True)
class MessageRow:
    id: uuid.UUID
    chat_id: uuid.UUID
    role: Any
    parts: Any
    attachments: Any
    provider: str | None
    model: str | None
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    cost: decimal.Decimal
    client_request_id: str | None
    provider_metadata: JsonValue | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


def builders() -> dict[str, Callable[[Sequence[Any]], Any]]:
    from chatdb.queries import messages, models
    from chatdb.queries.enums import MessageRole
    from chatdb.types import Attachments, MessageParts

    parts_adapter = TypeAdapter(MessageParts)
    attachments_adapter = TypeAdapter(Attachments)
    pydantic_row = messages._list_messages_by_chat_row(None)
    fields = list(models.Message.model_fields)

    def convert(v: Sequence[Any]) -> MessageRow:
        return MessageRow(
            v[0], v[1], MessageRole(v[2]), parts_adapter.validate_python(v[3]),
            attachments_adapter.validate_python(v[4]), v[5], v[6], v[7], v[8], v[9], v[10],
            v[11], v[12], v[13], v[14], v[15],
        )  # fmt: skip

    def construct(v: Sequence[Any]) -> Any:
        return models.Message.model_construct(**dict(zip(fields, v, strict=True)))

    from bench import rowdesign

    return {
        "tuple": tuple,
        "dataclass": lambda v: MessageRow(*v),
        "dataclass+convert": convert,
        "pydantic construct": construct,
        "pydantic": pydantic_row,
        **rowdesign.builders(),  # issue 19's prototypes
    }


def _time(fn: Callable[[], Any], budget_s: float, min_runs: int = 3) -> float:
    fn()
    samples: list[float] = []
    deadline = time.perf_counter() + budget_s
    while len(samples) < min_runs or time.perf_counter() < deadline:
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
        if len(samples) >= 200:
            break
    return statistics.median(samples)


def run(
    data: Data, sizes: tuple[int, ...], budget_s: float, progress: Progress
) -> list[dict[str, Any]]:
    from bench import rowdesign
    from chatdb.connection_setup import install_json_adapters
    from chatdb.queries import enums

    results: list[dict[str, Any]] = []
    build = builders()
    sql = (
        "SELECT id, chat_id, role, parts, attachments, provider, model, input_tokens, "
        "output_tokens, cache_read_tokens, cache_write_tokens, cost, client_request_id, "
        "provider_metadata, created_at, updated_at FROM messages WHERE chat_id = %s "
        "ORDER BY created_at, id LIMIT %s"
    )
    with psycopg.connect(data.url) as conn:
        install_json_adapters(conn)  # type: ignore[arg-type]
        if hasattr(enums, "register_enums"):
            enums.register_enums(conn)
            conn.commit()
        for n in sizes:
            progress.stage(f"model building: {n:,} rows")
            rows = conn.execute(sql, (data.deep_chat_id, n)).fetchall()
            assert len(rows) == n, (len(rows), n)
            rowdesign.check(rows)
            for name, make in build.items():
                built = _time(lambda make=make, rows=rows: [make(r) for r in rows], budget_s)
                factory = (lambda cur: make) if name != "tuple" else None  # noqa: B023

                def fetch(factory: Any = factory, n: int = n) -> Any:
                    if factory is None:
                        return conn.execute(sql, (data.deep_chat_id, n), prepare=True).fetchall()
                    with conn.cursor(row_factory=factory) as cur:
                        return cur.execute(sql, (data.deep_chat_id, n), prepare=True).fetchall()

                fetched = _time(fetch, budget_s)
                conn.rollback()
                results.append({
                    "rows": n,
                    "row_type": name,
                    "build_us_per_row": round(1e6 * built / n, 3),
                    "fetch_us": round(1e6 * fetched, 1),
                })  # fmt: skip
            progress.tick()
    for r in results:
        base = next(x for x in results if x["rows"] == r["rows"] and x["row_type"] == "tuple")
        r["fetch_ratio_to_tuple"] = round(r["fetch_us"] / base["fetch_us"], 3)
    return results
