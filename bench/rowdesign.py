"""Prototypes for issue 19 items 1-2, measured before anything goes into the plugin
(results in docs/decisions/003-row-models.md).

- `decode`: what psycopg's loaders cost per value, text vs binary result format, for each
  column type of the page query, on a runtime connection (orjson, enums registered; a binary
  enum needs a text-binary loader registered, as the plugin would). The client-side decode
  is timed alone (`Transformer.load_rows` over one fetched result, best of several `timeit`
  repeats): no I/O, so the noise of a shared machine stays out of it.
- `builders`: row designs for `messages`, beside the ones `modelbuild` already times:
  - `pydantic row validator`: the Message model's own core schema with the columns whose
    loader already yields the exact type (uuid, int, text, numeric, timestamptz) passed
    through (`any_schema`), the JSON and enum columns validated; one pydantic-core call per
    row, a real `Message` out.
  - `pydantic, parts as TypedDict`: the same row with the JSON columns typed as TypedDicts
    (validated, but plain dicts rather than nested models): a different public type.
  - `dataclass, parts as TypedDict`: dataclass mode with that typing.
  - `dataclass, lazy parts`: dataclass mode whose JSON columns are validated on first access
    (built, then every part read once: what rendering the page does).
"""

from __future__ import annotations

import copy
import dataclasses
import timeit
from collections.abc import Callable, Sequence
from typing import Any, NotRequired

from psycopg.abc import Buffer
from psycopg.adapt import Loader
from pydantic import ConfigDict, TypeAdapter, create_model
from pydantic_core import SchemaValidator, core_schema
from typing_extensions import TypedDict

from bench.dataset import Data

# Columns of messages whose loaders already produce the model's exact type.
_PASS_THROUGH = {
    "id", "chat_id", "provider", "model", "input_tokens", "output_tokens", "cache_read_tokens",
    "cache_write_tokens", "cost", "client_request_id", "created_at",
}  # fmt: skip


class PartDict(TypedDict):
    __pydantic_config__ = ConfigDict(extra="allow")  # type: ignore[misc]
    type: str
    text: NotRequired[str | None]


class AttachmentDict(TypedDict):
    __pydantic_config__ = ConfigDict(extra="allow")  # type: ignore[misc]
    url: str
    name: NotRequired[str | None]
    contentType: NotRequired[str | None]


def row_validator(model: type[Any]) -> SchemaValidator:
    """A validator building `model` from a row dict, trusting the pass-through columns.

    pydantic-core reuses a complete model's own validator for a schema naming that class
    ("prebuilt" validators), which would ignore the edited fields; the class is marked
    incomplete while this one is built. A prototype's shortcut: the plugin would emit the
    row schema itself instead.
    """
    schema = copy.deepcopy(model.__pydantic_core_schema__)
    inner = schema["schema"] if schema["type"] == "definitions" else schema
    for name, field in inner["schema"]["fields"].items():
        if name in _PASS_THROUGH:
            field["schema"] = core_schema.any_schema()
    model.__pydantic_complete__ = False
    try:
        return SchemaValidator(schema)
    finally:
        model.__pydantic_complete__ = True


@dataclasses.dataclass(frozen=True, slots=True)
class TypedDictRow:
    id: Any
    chat_id: Any
    role: Any
    parts: list[PartDict]
    attachments: list[AttachmentDict]
    provider: Any
    model: Any
    input_tokens: Any
    output_tokens: Any
    cache_read_tokens: Any
    cache_write_tokens: Any
    cost: Any
    client_request_id: Any
    provider_metadata: Any
    created_at: Any


class LazyRow:
    """A row whose JSON columns are validated on first access (then kept)."""

    __slots__ = ("_attachments", "_parts", "raw")

    _parts_adapter: Any = None
    _attachments_adapter: Any = None

    def __init__(self, raw: Sequence[Any]) -> None:
        self.raw = raw
        self._parts: Any = None
        self._attachments: Any = None

    @property
    def parts(self) -> Any:
        if self._parts is None:
            self._parts = self._parts_adapter.validate_python(self.raw[3])
        return self._parts

    @property
    def attachments(self) -> Any:
        if self._attachments is None:
            self._attachments = self._attachments_adapter.validate_python(self.raw[4])
        return self._attachments


def builders() -> dict[str, Callable[[Sequence[Any]], Any]]:
    from chatdb.queries import models
    from chatdb.queries.enums import MessageRole
    from chatdb.types import Attachments, MessageParts

    fields = list(models.Message.model_fields)
    validator = row_validator(models.Message)
    typed = create_model(  # the Message model with TypedDict JSON columns
        "MessageTypedDict",
        __base__=models.Message,
        parts=(list[PartDict], ...),
        attachments=(list[AttachmentDict], ...),
    )
    parts_td = TypeAdapter(list[PartDict])
    attachments_td = TypeAdapter(list[AttachmentDict])
    LazyRow._parts_adapter = TypeAdapter(MessageParts)
    LazyRow._attachments_adapter = TypeAdapter(Attachments)

    def td_dataclass(v: Sequence[Any]) -> TypedDictRow:
        return TypedDictRow(
            v[0], v[1], MessageRole(v[2]), parts_td.validate_python(v[3]),
            attachments_td.validate_python(v[4]), v[5], v[6], v[7], v[8], v[9], v[10],
            v[11], v[12], v[13], v[14],
        )  # fmt: skip

    def lazy_read(v: Sequence[Any]) -> LazyRow:
        row = LazyRow(v)
        _ = row.parts, row.attachments
        return row

    return {
        "pydantic row validator": lambda v: validator.validate_python(
            dict(zip(fields, v, strict=True))
        ),
        "pydantic, parts as TypedDict": lambda v: typed(**dict(zip(fields, v, strict=True))),
        "dataclass, parts as TypedDict": td_dataclass,
        "dataclass, lazy parts, read": lazy_read,
    }


def check(rows: list[Sequence[Any]]) -> None:
    """The row validator builds exactly the generated row factory's models."""
    from chatdb.queries import support

    make = support.message_rows(None)
    fast = builders()["pydantic row validator"]
    assert [fast(r) for r in rows] == [make(r) for r in rows]


_COLUMNS = ("id", "role", "parts", "attachments", "provider", "input_tokens", "cost", "created_at")


def decode(data: Data, rows: int = 51, number: int = 300, repeat: int = 9) -> list[dict[str, Any]]:
    """µs per value to load each column of the page, text vs binary (best of `repeat`)."""
    from psycopg.types.string import TextBinaryLoader

    from chatdb import Database

    out = []
    sql = "SELECT {} FROM messages WHERE chat_id = %(chat)s ORDER BY created_at, id LIMIT %(n)s"
    args = {"chat": data.page_chat_ids[0], "n": rows}
    with Database(data.url, pool_min_size=1, pool_max_size=1) as db, db.system() as conn:
        enum_oids = [r[0] for r in conn.execute("SELECT oid FROM pg_type WHERE typtype = 'e'")]
        for column in (*_COLUMNS, ", ".join(_COLUMNS)):
            cost = {}
            for binary in (False, True):
                with conn.cursor(binary=binary) as cur:
                    for oid in enum_oids if binary else ():
                        cur.adapters.register_loader(oid, TextBinaryLoader)
                    cur.execute(sql.format(column), args)
                    n = cur.pgresult.ntuples if cur.pgresult else 0
                    tx = cur._tx

                    def load(tx: Any = tx, n: int = n) -> Any:
                        return tx.load_rows(0, n, tuple)

                    best = min(timeit.repeat(load, number=number, repeat=repeat)) / number
                    cost["binary" if binary else "text"] = 1e6 * best / max(n, 1)
            out.append({
                "column": column if column in _COLUMNS else "all of the above",
                "text_us": round(cost["text"], 3), "binary_us": round(cost["binary"], 3),
                "binary_over_text": round(cost["binary"] / cost["text"], 2),
            })  # fmt: skip
    return out


class _RawJsonb(Loader):
    """jsonb as its JSON text (bytes), for a validator that parses it itself (in Rust)."""

    def load(self, data: Buffer) -> bytes:
        return bytes(data)


def json_row_validator(model: type[Any], json_columns: tuple[str, ...]) -> SchemaValidator:
    """`row_validator` whose JSON columns arrive as JSON text and are parsed by pydantic-core
    (`json_schema`): one pass from bytes to typed values, no intermediate dicts."""
    schema = copy.deepcopy(model.__pydantic_core_schema__)
    inner = schema["schema"] if schema["type"] == "definitions" else schema
    for name, field in inner["schema"]["fields"].items():
        if name in _PASS_THROUGH:
            field["schema"] = core_schema.any_schema()
        elif name in json_columns and field["schema"]["type"] == "nullable":
            inner_schema = field["schema"]["schema"]
            field["schema"] = core_schema.nullable_schema(core_schema.json_schema(inner_schema))
        elif name in json_columns:
            field["schema"] = core_schema.json_schema(field["schema"])
    model.__pydantic_complete__ = False
    try:
        return SchemaValidator(schema)
    finally:
        model.__pydantic_complete__ = True


def page_fetch(data: Data, rounds: int = 25, calls: int = 10) -> dict[str, Any]:
    """The page of 50 (51 rows) end to end per design, a chunk of `calls` calls of each per
    round (order rotating) on one runtime connection; raw psycopg on a plain connection is
    the baseline. Best and median µs a call; the ratio to raw: median and IQR over rounds."""
    import statistics

    import psycopg

    from bench import dataclass_mode
    from bench.harness import round_ratios, spread
    from bench.workloads import page_args
    from chatdb import Database
    from chatdb.queries import messages, models

    sql = messages.LIST_MESSAGES_BY_CHAT
    fields = list(models.Message.model_fields)
    jsonb_columns = ("parts", "attachments", "provider_metadata")
    fast = row_validator(models.Message)
    fast_json = json_row_validator(models.Message, jsonb_columns)
    dc = dataclass_mode.load("messages")
    td = builders()["dataclass, parts as TypedDict"]

    def args(i: int) -> dict[str, Any]:
        chat = data.page_chat_ids[i % len(data.page_chat_ids)]
        return page_args(sql, chat, None, None, 50)

    with (
        Database(data.url, pool_min_size=1, pool_max_size=1) as db,
        db.system() as conn,
        psycopg.connect(data.url) as plain,
    ):

        def rows_with(make: Any, raw_json: bool = False) -> Callable[[int], Any]:
            def call(i: int) -> Any:
                with conn.cursor(row_factory=lambda _cur: make) as cur:
                    if raw_json:
                        cur.adapters.register_loader("jsonb", _RawJsonb)
                    return cur.execute(sql, args(i), prepare=True).fetchall()

            return call

        designs: dict[str, Callable[[int], Any]] = {
            "raw psycopg (plain connection, defaults)": lambda i: plain.execute(
                sql, args(i), prepare=True
            ).fetchall(),
            "tuples (runtime connection)": lambda i: conn.execute(
                sql, args(i), prepare=True
            ).fetchall(),
            "generated (pydantic, today)": lambda i: messages.list_messages_by_chat(
                conn, **args(i)
            ),
            "pydantic row validator": rows_with(
                lambda v: fast.validate_python(dict(zip(fields, v, strict=True)))
            ),
            "pydantic row validator, jsonb parsed by pydantic": rows_with(
                lambda v: fast_json.validate_python(dict(zip(fields, v, strict=True))), True
            ),
            "dataclass mode (today)": lambda i: dc.list_messages_by_chat(conn, **args(i)),
            "dataclass, parts as TypedDict": rows_with(td),
        }
        assert designs["pydantic row validator, jsonb parsed by pydantic"](0) == designs[
            "generated (pydantic, today)"
        ](0)
        per_round: dict[str, list[float]] = {k: [] for k in designs}
        for r in range(rounds + 1):
            for k in list(designs)[r % len(designs) :] + list(designs)[: r % len(designs)]:
                fn = designs[k]
                chunk = timeit.timeit(lambda fn=fn, r=r: fn(r), number=calls) / calls * 1e6
                if r:  # round 0 warms up (prepares)
                    per_round[k].append(chunk)
    base = "raw psycopg (plain connection, defaults)"
    return {
        k: {
            "best_us": round(min(v), 1),
            "median_us": round(statistics.median(v), 1),
            "ratio": round(statistics.median(round_ratios(v, per_round[base])), 3),
            "ratio_iqr": [round(q, 3) for q in spread(round_ratios(v, per_round[base]))],
        }
        for k, v in per_round.items()
    }


def client_cost(data: Data, number: int = 100, repeat: int = 15) -> dict[str, dict[str, float]]:
    """µs per row the client spends on the page's 51 rows per design: decoding (psycopg's
    loaders) plus building the row, each timed over one fetched result with no I/O, every
    design once per round (interleaved), best round kept: robust on a busy machine."""
    from bench import dataclass_mode, modelbuild
    from bench.workloads import page_args
    from chatdb import Database
    from chatdb.queries import messages, models, support

    sql = messages.LIST_MESSAGES_BY_CHAT
    args = page_args(sql, data.page_chat_ids[0], None, None, 50)
    fields = list(models.Message.model_fields)
    fast_json = json_row_validator(models.Message, ("parts", "attachments", "provider_metadata"))
    make = support.message_rows(None)
    builds: dict[str, Callable[[Sequence[Any]], Any]] = {
        **modelbuild.builders(),
        "dataclass mode (today)": dataclass_mode.load("support").message_rows(None),
    }
    builds.pop("pydantic construct")  # no validation: not a candidate
    with Database(data.url, pool_min_size=1, pool_max_size=1) as db, db.system() as conn:
        loaded = {}
        for raw_json in (False, True):
            with conn.cursor() as cur:
                if raw_json:
                    cur.adapters.register_loader("jsonb", _RawJsonb)
                cur.execute(sql, args)
                n = cur.pgresult.ntuples if cur.pgresult else 0
                loaded[raw_json] = (cur._tx, n, cur._tx.load_rows(0, n, tuple))
        expected = [make(r) for r in loaded[False][2]]
    json_rows = loaded[True][2]
    assert [fast_json.validate_python(dict(zip(fields, r, strict=True))) for r in json_rows] == (
        expected
    )
    timed: dict[str, tuple[bool, Callable[[Sequence[Any]], Any] | None]] = {
        "decode, jsonb by orjson": (False, None),
        "decode, jsonb as text": (True, None),
        **{name: (False, fn) for name, fn in builds.items()},
        "pydantic row validator, jsonb parsed by pydantic": (
            True, lambda v: fast_json.validate_python(dict(zip(fields, v, strict=True)))),
    }  # fmt: skip
    best = {name: float("inf") for name in timed}
    for _ in range(repeat):
        for name, (raw_json, fn) in timed.items():
            tx, n, rows = loaded[raw_json]
            if fn is None:
                work: Callable[[], Any] = lambda tx=tx, n=n: tx.load_rows(0, n, tuple)  # noqa: E731
            else:
                work = lambda fn=fn, rows=rows: [fn(r) for r in rows]  # noqa: E731
            best[name] = min(best[name], timeit.timeit(work, number=number) / number / n * 1e6)
    out = {}
    for name, (raw_json, fn) in timed.items():
        if fn is not None:
            decode_us = best["decode, jsonb as text" if raw_json else "decode, jsonb by orjson"]
            out[name] = {"decode_us": round(decode_us, 3), "build_us": round(best[name], 3),
                         "total_us": round(decode_us + best[name], 3)}  # fmt: skip
    return out


if __name__ == "__main__":
    import json

    from bench import dataset
    from chatdb_tools import target

    with dataset.scratch(target.resolve().url) as url:
        seeded = dataset.seed(url, dataset.QUICK)
        found = {
            "client": client_cost(seeded),
            "decode": decode(seeded),
            "page": page_fetch(seeded),
        }
        print(json.dumps(found, indent=1))
