"""Only chatdb errors escape: a property test over every public function.

Every public function of the generated query modules (`chatdb.queries.<module>` and their
asyncio twins in `chatdb.queries.aio`) and of the flows (`chatdb.flows`, `chatdb.flows.aio`),
found by introspection, is
called with one parameter replaced by a hostile value drawn by hypothesis: an arbitrary
object or a dict where data belongs, text with a lone surrogate, JSON nested 10,000 deep or
holding NaN, an integer beyond bigint, NaN or infinite numbers, a naive datetime, a string
where a timestamp belongs. The call must raise a `chatdb.errors.ChatdbError` and write
nothing: the transaction has no transaction id afterwards (PostgreSQL assigns one on the
first row written, even when a savepoint later rolls it back).

`conn`, `database`, `cache` and `keyring` are not data (they are the caller's handles) and are
not corrupted; a flow that takes the `Database` itself commits its own transactions, so for it
only the error type is checked.
Each function gets a few derandomised examples so the run is the same on every machine.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import decimal
import enum
import importlib
import inspect
import pathlib
import pkgutil
import traceback
import types
import typing
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatdb import AsyncDatabase, Database, errors
from chatdb.crypto import KeyRing
from support.logins import logins

# psycopg-pool and the retry policy draw jitter from `random` while a call runs; hypothesis
# warns about any use of `random` during a test, which here is not the strategies' own.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Do not use the `random` module:hypothesis.errors.HypothesisDeprecationWarning"
)

UTC = datetime.UTC
KEYRING = KeyRing({1: bytes([7]) * 32}, 1)
# Handles, not data: the connection, the key ring, the Database and the read cache a flow is
# given.
NOT_DATA = {"conn", "keyring", "database", "cache"}
EXAMPLES = 4


def public_functions() -> dict[str, Callable[..., Any]]:
    """Every public function of the generated modules, their async twins and the flows."""
    found: dict[str, Callable[..., Any]] = {}
    modules = [importlib.import_module("chatdb.chat_inputs")]  # the flows' input builders
    for package in ("chatdb.queries", "chatdb.queries.aio", "chatdb.flows", "chatdb.flows.aio"):
        pkg = importlib.import_module(package)
        for info in pkgutil.iter_modules(pkg.__path__):
            if info.name not in ("enums", "models", "aio", "support"):  # support: row builders
                modules.append(importlib.import_module(f"{package}.{info.name}"))
    for module in modules:
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or fn.__module__ != module.__name__:
                continue
            found[f"{module.__name__.removeprefix('chatdb.')}.{name}"] = fn
    return found


FUNCTIONS = public_functions()


# -- values -----------------------------------------------------------------------------------


def _base(annotation: Any) -> Any:
    """The annotation without None; the first concrete member of other unions."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        rest = [a for a in typing.get_args(annotation) if a is not type(None)]
        if decimal.Decimal in rest:
            return decimal.Decimal
        return rest[0] if len(rest) == 1 or "JsonValue" not in str(annotation) else annotation
    return annotation


def _is_json(kind: Any) -> bool:
    return "JsonValue" in str(kind) or (
        typing.get_origin(kind) is typing.Union
        and any("JsonValue" in str(a) for a in typing.get_args(kind))
    )


def _is_row(kind: Any) -> bool:
    return inspect.isclass(kind) and issubclass(kind, tuple) and hasattr(kind, "_fields")


def _row_type(kind: Any) -> tuple[Any, bool]:
    """(row class, whether the parameter takes an iterable of rows) or (None, False)."""
    if _is_row(kind):
        return kind, False
    args = typing.get_args(kind)
    if typing.get_origin(kind) is not None and args and _is_row(args[0]):
        return args[0], True
    return None, False


def plain_value(name: str, annotation: Any) -> Any:
    """A well-formed value for a parameter (it need not match any row)."""
    kind = _base(annotation)
    if kind is uuid.UUID:
        return uuid.uuid4()
    if kind is str:
        return {"email": "p@example.com", "provider": "openai"}.get(name, "x")
    if kind is bool:
        return False
    if kind is int:
        return 1
    if kind is decimal.Decimal:
        return decimal.Decimal(1)
    if kind is datetime.datetime:
        return datetime.datetime(2030, 1, 1, tzinfo=UTC)
    if kind is datetime.date:
        return datetime.date(2030, 1, 1)
    if kind is datetime.timedelta:
        return datetime.timedelta(days=1)
    if kind is bytes:
        return b"\x01" * 32
    if kind is KeyRing:
        return KEYRING
    if inspect.isclass(kind) and issubclass(kind, enum.Enum):
        return next(iter(kind))
    row, many = _row_type(kind)
    if row is not None:
        hints = typing.get_type_hints(row)
        value = row(**{f: plain_value(f, hints[f]) for f in row._fields})
        return [value] if many else value
    if typing.get_origin(kind) is list or kind is list:
        return []
    if inspect.isclass(kind) and issubclass(kind, pydantic.BaseModel):
        for empty in ({}, []):
            try:
                return kind.model_validate(empty)
            except pydantic.ValidationError:
                continue
        return kind.model_construct()
    if _is_json(kind) or typing.get_origin(kind) is not None or kind is object:
        return {}
    return None


class _Opaque:
    """An arbitrary object: nothing in chatdb knows how to store it."""


@dataclasses.dataclass(frozen=True)
class Deep:
    """JSON nested `depth` levels, built only when the call is made (its repr stays short:
    hypothesis prints every drawn value)."""

    depth: int
    in_object: bool

    def build(self) -> Any:
        value: Any = []
        for _ in range(self.depth):
            value = [value]
        return {"a": value} if self.in_object else value


surrogate_text = st.builds(
    lambda head, tail, s: f"{head}{s}{tail}",
    st.text(max_size=5),
    st.text(max_size=5),
    st.sampled_from(["\ud800", "\udfff", "\udc80"]),
)
wrong_types = st.sampled_from([_Opaque(), {"k": "v"}, {1, 2}])
non_finite = st.sampled_from(
    [
        decimal.Decimal("NaN"),
        decimal.Decimal("sNaN"),
        decimal.Decimal("Infinity"),
        decimal.Decimal("-Infinity"),
        float("nan"),
        float("inf"),
        float("-inf"),
    ]
)
huge_ints = st.one_of(st.integers(min_value=2**63, max_value=2**80), st.just(2**70))
naive = st.datetimes(min_value=datetime.datetime(1990, 1, 1), timezones=st.none())
timestamp_text = st.sampled_from(["2030-01-01T00:00:00Z", "tomorrow", "1900000000"])
deep_json = st.builds(Deep, st.integers(10_000, 12_000), st.booleans())
nan_json = st.sampled_from([{"n": float("nan")}, [float("inf")]])


def hostile(annotation: Any) -> st.SearchStrategy[Any]:
    """Values that are wrong for a parameter of this type, whatever the function."""
    kind = _base(annotation)
    common = [wrong_types] if not (_is_json(kind) or typing.get_origin(kind) is not None) else []
    if inspect.isclass(kind) and issubclass(kind, pydantic.BaseModel):
        return st.just(_Opaque())  # a dict may validate as the model
    if kind is str:
        return st.one_of(surrogate_text, *common)
    if kind is bool:
        return st.one_of(*common)
    if kind is int:
        return st.one_of(huge_ints, non_finite, *common)
    if kind is decimal.Decimal:
        return st.one_of(non_finite, *common)
    if kind is datetime.datetime:
        return st.one_of(naive, timestamp_text, *common)
    if _is_json(kind):
        return st.one_of(
            st.just(_Opaque()), deep_json, nan_json, surrogate_text.map(lambda s: {"k": s})
        )
    if typing.get_origin(kind) is list and typing.get_args(kind) == (str,):
        return st.one_of(surrogate_text.map(lambda s: [s]), st.just([_Opaque()]))
    return st.one_of(*common) if common else st.just(_Opaque())


@dataclasses.dataclass(frozen=True)
class Target:
    """One data parameter, or one field of a row parameter, with its type."""

    param: str
    field: str | None
    annotation: Any


def targets(fn: Callable[..., Any]) -> list[Target]:
    hints = typing.get_type_hints(fn)
    found = []
    for name in inspect.signature(fn).parameters:
        if name in NOT_DATA:
            continue
        row, _ = _row_type(_base(hints[name]))
        if row is not None:
            row_hints = typing.get_type_hints(row)
            found += [Target(name, f, row_hints[f]) for f in row._fields]
        else:
            found.append(Target(name, None, hints[name]))
    return found


def arguments(fn: Callable[..., Any], target: Target, value: Any) -> dict[str, Any]:
    if isinstance(value, Deep):
        value = value.build()
    hints = typing.get_type_hints(fn)
    kwargs = {
        name: plain_value(name, hints[name])
        for name in inspect.signature(fn).parameters
        if name != "conn"
    }
    if target.field is None:
        kwargs[target.param] = value
    else:
        rows = kwargs[target.param]
        if isinstance(rows, list):
            kwargs[target.param] = [rows[0]._replace(**{target.field: value})]
        else:
            kwargs[target.param] = rows._replace(**{target.field: value})
    return kwargs


# -- calling ----------------------------------------------------------------------------------

XID = "SELECT pg_current_xact_id_if_assigned()::text"


def _takes_conn(fn: Callable[..., Any]) -> bool:
    return next(iter(inspect.signature(fn).parameters), None) == "conn"


# Parameters whose hostile values are refused by the result instead of an exception.
REFUSED_BY_RESULT = {
    # A sign-in form answers "wrong credentials" for every unusable password (documented).
    ("flows.auth.verify_password", "password"),
}
# Pure helpers whose parameter is not stored by them, with the reason it may pass.
ACCEPTED = {
    # `table` only names the column in the InvalidInput the helper raises for a bad id.
    ("chat_inputs.client_id", "table"): "a label for the error message",
    # Builds the params row of a later generated call, which refuses the value (its own
    # property here); the builder itself validates only the id and the role.
    **{
        ("chat_inputs.new_message", p): "checked by the call the row is passed to"
        for p in inspect.signature(FUNCTIONS["chat_inputs.new_message"]).parameters
        if p not in ("id", "role")  # the two it validates
    },
}


class Refused(errors.ChatdbError):
    """Stands for a falsy result of a REFUSED_BY_RESULT parameter."""


def call_sync(db: Database, fn: Callable[..., Any], kwargs: dict[str, Any]) -> BaseException | None:
    if not _takes_conn(fn):
        try:
            result = fn(**kwargs)
        except Exception as exc:
            return exc
        return Refused("refused by its result") if not result else None
    raised: BaseException | None = None
    with db.system() as conn:
        try:
            with conn.transaction():
                result = fn(conn, **kwargs)
                if inspect.isgenerator(result):
                    list(result)
        except Exception as exc:
            raised = exc
        written = conn.execute(XID).fetchone()
        conn.rollback()
    assert written == (None,), f"{fn.__qualname__} wrote before raising {raised!r}"
    return raised


async def call_async(
    db: AsyncDatabase, fn: Callable[..., Any], kwargs: dict[str, Any]
) -> BaseException | None:
    raised: BaseException | None = None
    if not _takes_conn(fn):  # takes the AsyncDatabase itself
        try:
            await fn(**kwargs)
        except Exception as exc:
            return exc
        return None
    async with db.system() as conn:
        try:
            async with conn.transaction():
                if inspect.isasyncgenfunction(fn):
                    async for _ in fn(conn, **kwargs):
                        pass
                else:
                    await fn(conn, **kwargs)
        except Exception as exc:
            raised = exc
        cur = await conn.execute(XID)
        written = await cur.fetchone()
        await conn.rollback()
    assert written == (None,), f"{fn.__qualname__} wrote before raising {raised!r}"
    return raised


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        link = todo.pop()
        if link is None or id(link) in seen:
            continue
        seen.add(id(link))
        yield link
        todo += [link.__cause__, link.__context__]


def assert_chatdb_error(
    label: str, target: Target, value: Any, raised: BaseException | None
) -> None:
    where = f"{label}({target.param}{'.' + target.field if target.field else ''}={value!r:.60})"
    assert raised is not None, f"{where} was accepted"
    assert isinstance(raised, errors.ChatdbError), f"{where} raised {type(raised).__name__}"
    if isinstance(value, str):  # the value itself appears nowhere in the chain
        text = "".join(traceback.format_exception(raised))
        for link in _chain(raised):
            text += repr(link) + repr(vars(link))
        assert value not in text, f"{where}: the value is in the error chain"


@pytest.fixture(scope="module")
def dbs(make_clone: Callable[[str], str]) -> Iterator[tuple[Database, AsyncDatabase, Any]]:
    url = make_clone("only_errors")
    loop = asyncio.new_event_loop()

    async def opened() -> AsyncDatabase:
        adb = AsyncDatabase(**logins(url), pool_min_size=1, pool_max_size=1)
        await adb.open(wait=True)
        return adb

    adb = loop.run_until_complete(opened())
    with Database(**logins(url), pool_min_size=1, pool_max_size=1) as db:
        yield db, adb, loop
    loop.run_until_complete(adb.close())
    loop.close()


PROPERTY = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# Functions without data parameters (`new_token()`, `refresh_usage_daily_stats(conn)`) have
# nothing to corrupt.
LABELS = sorted(label for label, fn in FUNCTIONS.items() if targets(fn))


@pytest.mark.parametrize("label", LABELS)
def test_hostile_input_raises_only_chatdb_errors_and_writes_nothing(
    dbs: tuple[Database, AsyncDatabase, Any], label: str
) -> None:
    fn = FUNCTIONS[label]
    found = targets(fn)
    db, adb, loop = dbs

    # A few examples per corruptible parameter, so every one is hit on every run.
    @settings(PROPERTY, max_examples=min(EXAMPLES * len(found), 24))
    @given(st.data())
    def check(data: st.DataObject) -> None:
        target = data.draw(st.sampled_from(found), label="target")
        value = data.draw(hostile(target.annotation), label="value")
        kwargs = arguments(fn, target, value)
        is_async = inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn)
        if "database" in kwargs:
            kwargs["database"] = adb if is_async else db
        if "cache" in kwargs:
            kwargs["cache"] = None
        if is_async:
            raised = loop.run_until_complete(call_async(adb, fn, kwargs))
        else:
            raised = call_sync(db, fn, kwargs)
        if raised is None and (label, target.param) in ACCEPTED:
            return
        if isinstance(raised, Refused):
            assert (label, target.param) in REFUSED_BY_RESULT, f"{label} returned a falsy result"
        assert_chatdb_error(label, target, value, raised)

    check()


def test_the_property_covers_every_public_function() -> None:
    generated = {k for k in FUNCTIONS if k.startswith("queries.") and ".aio." not in k}
    twins = {k for k in FUNCTIONS if k.startswith("queries.aio.")}
    flows = {k for k in FUNCTIONS if k.startswith("flows.")}
    # One function per named query (`iter_*` twins only where a query asks for streaming).
    root = pathlib.Path(__file__).resolve().parents[2] / "db" / "queries"
    named = sum(
        line.startswith("-- name:")
        for path in root.glob("*.sql")
        for line in path.read_text().splitlines()
    )
    assert len(generated) >= named and len(twins) >= named and len(flows) >= 15
    assert "flows.billing.process_webhook_event" in flows
    assert "flows.aio.billing.process_webhook_event" in flows
    assert "queries.messages.import_messages" in generated


def test_the_callers_own_exceptions_pass_through_untouched(
    dbs: tuple[Database, AsyncDatabase, Any],
) -> None:
    """Only errors raised by generated code or psycopg are translated: the application's own
    exceptions inside a transaction or a cursor block keep their type and message."""
    db, _, _ = dbs

    class Mine(pydantic.BaseModel):
        n: int

    with pytest.raises(ValueError, match="the caller's own"), db.system() as conn:
        with conn.cursor() as cur:
            cur.execute("SELECT 1")
            raise ValueError("the caller's own")
    with pytest.raises(pydantic.ValidationError), db.system() as conn:
        with conn.cursor() as cur:
            Mine.model_validate({"n": "not a number"})
    with pytest.raises(AttributeError), db.system() as conn:
        with conn.cursor():
            _ = object().tzinfo  # type: ignore[attr-defined]
