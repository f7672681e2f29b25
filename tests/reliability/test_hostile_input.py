"""Hostile input through every generated write function, one corrupted parameter at a time.

The write functions are enumerated from `chatdb.queries.*` (their SQL starts with, or holds,
INSERT / UPDATE / DELETE), valid keyword arguments are built per parameter from its type and
name, and a baseline call proves them valid. Then each parameter is corrupted in turn:

- NUL byte in a string                       -> InvalidInput (psycopg refuses it client-side)
- invalid UUID as a string                    -> InvalidInput (22P02)
- integer beyond int4 / bigint, numeric(20,6) -> InvalidInput (22003)
- string not in the enum                      -> InvalidInput (22P02)
- naive datetime for timestamptz              -> ValueError, before anything is sent
- value that is not JSON-serialisable         -> TypeError, before anything is sent
- strings over column limits, negative amounts, JSON of the wrong shape, oversized JSON and
  SQL-injection strings: a typed `chatdb.errors` error, or accepted and stored verbatim.

Every refused call writes nothing (row counts of every table before and after); accepted
strings come back verbatim; and the tables the injections aimed at are still there.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import hashlib
import importlib
import inspect
import os
import pkgutil
import types
import typing
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pydantic
import pytest
from psycopg import sql

import chatdb.queries
from chatdb import Database, errors
from reliability import scenarios

INJECTIONS = [
    "'; DROP TABLE users; --",
    "x' OR '1'='1",
    "); DELETE FROM credit_ledger; --",
    "$$; TRUNCATE chats; $$",
    "%(user_id)s %s {0} \\x00",
]
NAIVE = datetime.datetime(2030, 1, 1, 12, 0)
UTC = datetime.UTC


class _NotJson:
    pass


def write_functions() -> list[tuple[str, Callable[..., Any]]]:
    found = []
    for info in pkgutil.iter_modules(chatdb.queries.__path__):
        if info.name in ("enums", "models", "aio"):
            continue
        module = importlib.import_module(f"chatdb.queries.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith(("_", "iter_")) or fn.__module__ != module.__name__:
                continue
            text = getattr(module, name.upper(), "")
            body = text.split("\n", 1)[1].lstrip().upper() if "\n" in text else ""
            if body.startswith("SELECT") or not any(
                verb in body for verb in ("INSERT ", "UPDATE ", "DELETE ")
            ):
                continue
            found.append((f"{info.name}.{name}", fn))
    return found


# -- the world the valid arguments point at ----------------------------------------------------


@dataclasses.dataclass
class Ctx:
    user: uuid.UUID
    other: uuid.UUID
    chat: uuid.UUID
    message: uuid.UUID
    companion: uuid.UUID
    group: uuid.UUID


def _unique() -> str:
    return uuid.uuid4().hex[:12]


def _base(annotation: Any) -> tuple[Any, bool]:
    """The non-None type of an annotation, and whether None is allowed."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        return (rest[0] if len(rest) == 1 else annotation), len(rest) != len(args)
    return annotation, False


STRING_VALUES: dict[str, Callable[[], str]] = {
    "email": lambda: f"h-{_unique()}@example.com",
    "provider": lambda: "openai",
    "service": lambda: "github",
    "currency": lambda: "usd",
    "content_type": lambda: "text/plain",
    "base_url": lambda: "https://api.example.com",
    "type": lambda: "oauth",
    "tag": lambda: f"tag{_unique()}",
    "operation_id": lambda: f"promo:{_unique()}",
    "password_hash": lambda: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
    "emoji": lambda: "ok",
    "name": lambda: "Name",
    "title": lambda: "Title",
}


def valid_value(ctx: Ctx, name: str, annotation: Any) -> Any:
    kind, _ = _base(annotation)
    if kind is uuid.UUID:
        return {
            "user_id": ctx.user,
            "creator_id": ctx.user,
            "sender_id": ctx.user,
            "referrer_id": ctx.other,
            "referred_id": ctx.user,
            "chat_id": ctx.chat,
            "message_id": ctx.message,
            "companion_id": ctx.companion,
            "group_chat_id": ctx.group,
        }.get(name, uuid.uuid4())
    if kind is str:
        return STRING_VALUES.get(name, lambda: f"{name}-{_unique()}")()
    if kind is bool:
        return False
    if kind is int:
        return {"tokens_before": 10, "tokens_after": 5, "expected_version": 1}.get(name, 1)
    if kind is decimal.Decimal:
        return decimal.Decimal(1)
    if kind is datetime.datetime:
        return datetime.datetime(2031, 1, 1, tzinfo=UTC)
    if kind is datetime.date:
        return datetime.date(2031, 1, 1)
    if kind is datetime.timedelta:
        return datetime.timedelta(days=30)
    if kind is bytes:
        return hashlib.sha256(os.urandom(8)).digest()
    if inspect.isclass(kind) and issubclass(kind, enum.Enum):
        members = list(kind)
        return members[1] if name == "to_status" else members[0]
    if typing.get_origin(kind) is list:
        return []
    if inspect.isclass(kind) and issubclass(kind, pydantic.BaseModel):
        for empty in ([], {}):
            try:
                return kind.model_validate(empty)
            except pydantic.ValidationError:
                continue
    if "JsonValue" in str(kind):
        return {}
    raise NotImplementedError(f"{name}: {annotation}")


def build_kwargs(fn: Callable[..., Any], ctx: Ctx) -> dict[str, Any]:
    hints = typing.get_type_hints(fn)
    kwargs: dict[str, Any] = {}
    for name in list(inspect.signature(fn).parameters)[1:]:
        annotation = hints[name]
        kind, _ = _base(annotation)
        if name == "params":
            row_type = typing.get_args(kind)[0] if typing.get_origin(kind) is not None else kind
            row_hints = typing.get_type_hints(row_type)
            row = row_type(**{f: valid_value(ctx, f, row_hints[f]) for f in row_type._fields})
            kwargs[name] = [row] if typing.get_origin(kind) is not None else row
        else:
            kwargs[name] = valid_value(ctx, name, annotation)
    return kwargs


# -- corruptions -------------------------------------------------------------------------------

MUST_FAIL = "must fail"  # a typed chatdb error or the documented client-side error
MAY_PASS = "may pass"  # a typed chatdb error, or accepted (strings stored verbatim)


@dataclasses.dataclass(frozen=True)
class Corruption:
    label: str
    value: Any
    expect: str
    raises: tuple[type[BaseException], ...] = (errors.ChatdbError,)


def corruptions(name: str, annotation: Any) -> list[Corruption]:
    kind, _ = _base(annotation)
    if kind is str:
        return [
            Corruption("nul byte", "bad\x00value", MUST_FAIL, (errors.InvalidInput,)),
            Corruption("over limit", "y" * 70_000, MAY_PASS),
            *(Corruption(f"injection {i}", s, MAY_PASS) for i, s in enumerate(INJECTIONS[:3])),
        ]
    if kind is uuid.UUID:
        return [
            Corruption("invalid uuid", "not-a-uuid", MUST_FAIL, (errors.InvalidInput,)),
            Corruption("injection uuid", INJECTIONS[0], MUST_FAIL, (errors.InvalidInput,)),
        ]
    if kind is int:
        return [
            Corruption("int overflow", 2**63, MUST_FAIL, (errors.InvalidInput,)),
            Corruption("negative", -1, MAY_PASS),
        ]
    if kind is decimal.Decimal:
        return [
            Corruption(
                "numeric overflow", decimal.Decimal("1e30"), MUST_FAIL, (errors.InvalidInput,)
            ),
            Corruption("negative amount", decimal.Decimal(-5), MAY_PASS),
        ]
    if inspect.isclass(kind) and issubclass(kind, enum.Enum):
        return [Corruption("unknown enum", "no_such_value", MUST_FAIL, (errors.InvalidInput,))]
    if kind is datetime.datetime:
        return [Corruption("naive timestamp", NAIVE, MUST_FAIL, (ValueError,))]
    if "JsonValue" in str(kind):
        return [
            Corruption("not json", _NotJson(), MUST_FAIL, (TypeError,)),
            Corruption("wrong json shape", [1, "x"], MAY_PASS),
            Corruption("oversized json", {"k": "z" * 1_000_000}, MAY_PASS),
            Corruption("injection json", {"q": INJECTIONS[0]}, MAY_PASS),
        ]
    return []


# -- row counts ----------------------------------------------------------------------------------


def _counter(url: str) -> Callable[[], tuple[int, ...]]:
    with psycopg.connect(url) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT c.relname FROM pg_class AS c JOIN pg_namespace AS n ON n.oid ="
                " c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
                " AND NOT c.relispartition ORDER BY 1"
            )
        ]
    query = sql.SQL("SELECT {}").format(
        sql.SQL(", ").join(
            sql.SQL("(SELECT count(*) FROM {})").format(sql.Identifier(t)) for t in tables
        )
    )
    conn = psycopg.connect(url, autocommit=True)

    def counts() -> tuple[int, ...]:
        row = conn.execute(query).fetchone()
        assert row is not None
        return tuple(row)

    counts.conn = conn  # type: ignore[attr-defined]
    return counts


@dataclasses.dataclass
class Matrix:
    url: str
    db: Database
    ctx: Ctx
    counts: Callable[[], tuple[int, ...]]


@pytest.fixture(scope="module")
def matrix(make_clone: Any) -> Iterator[Matrix]:
    url = make_clone("hostile")
    db = Database(url, pool_min_size=1, pool_max_size=2)
    user, other = scenarios.make_user(db, "h"), scenarios.make_user(db, "h")
    chat = scenarios.make_chat(db, user)
    with psycopg.connect(url, autocommit=True) as conn:
        message = conn.execute(
            "INSERT INTO messages (chat_id, role) VALUES (%s, 'user') RETURNING id", (chat,)
        ).fetchone()[0]  # type: ignore[index]
        companion = conn.execute(
            "INSERT INTO companions (user_id, name) VALUES (%s, 'c') RETURNING id", (user,)
        ).fetchone()[0]  # type: ignore[index]
        group = conn.execute(
            "INSERT INTO group_chats (creator_id, name) VALUES (%s, 'g') RETURNING id", (user,)
        ).fetchone()[0]  # type: ignore[index]
    counts = _counter(url)
    yield Matrix(url, db, Ctx(user, other, chat, message, companion, group), counts)
    counts.conn.close()  # type: ignore[attr-defined]
    db.close()


def _cases() -> list[tuple[str, Callable[..., Any], str, Corruption]]:
    cases = []
    for label, fn in write_functions():
        hints = typing.get_type_hints(fn)
        for name in list(inspect.signature(fn).parameters)[1:]:
            if name == "params":
                kind, _ = _base(hints[name])
                row_type = typing.get_args(kind)[0] if typing.get_origin(kind) else kind
                row_hints = typing.get_type_hints(row_type)
                for field in row_type._fields:
                    for c in corruptions(field, row_hints[field]):
                        cases.append((label, fn, f"params.{field}", c))
            else:
                for c in corruptions(name, hints[name]):
                    cases.append((label, fn, name, c))
    return cases


CASES = _cases()


def _apply(kwargs: dict[str, Any], target: str, value: Any) -> None:
    if target.startswith("params."):
        field = target.split(".", 1)[1]
        rows = kwargs["params"]
        if isinstance(rows, list):
            kwargs["params"] = [rows[0]._replace(**{field: value})]
        else:
            kwargs["params"] = rows._replace(**{field: value})
    else:
        kwargs[target] = value


def test_every_write_function_is_in_the_matrix_with_a_valid_baseline(matrix: Matrix) -> None:
    functions = write_functions()
    assert len(functions) >= 60, [name for name, _ in functions]
    failed = []
    for label, fn in functions:
        try:
            with matrix.db.system() as conn:
                fn(conn, **build_kwargs(fn, matrix.ctx))
        except Exception as exc:
            failed.append(f"{label}: {type(exc).__name__}: {exc}")
    # A handful need rows the factory does not make (e.g. an existing session to update);
    # their corruptions still run, but most baselines must be valid for the matrix to mean
    # anything.
    assert len(failed) <= 6, failed
    assert len(CASES) >= 300


@pytest.mark.parametrize(
    ("label", "fn", "target", "corruption"),
    CASES,
    ids=[f"{c[0]}-{c[2]}-{c[3].label}" for c in CASES],
)
def test_hostile_value_gives_a_typed_error_and_writes_nothing(
    matrix: Matrix, label: str, fn: Callable[..., Any], target: str, corruption: Corruption
) -> None:
    kwargs = build_kwargs(fn, matrix.ctx)
    _apply(kwargs, target, corruption.value)
    before = matrix.counts()
    raised: BaseException | None = None
    result: Any = None
    try:
        with matrix.db.system() as conn:
            result = fn(conn, **kwargs)
    except (*corruption.raises, errors.ChatdbError) as exc:
        raised = exc
    if raised is None:
        assert corruption.expect == MAY_PASS, f"{label} accepted {corruption.label}"
        if isinstance(corruption.value, str) and result is not None and hasattr(result, target):
            assert getattr(result, target) == corruption.value, "stored verbatim"
        return
    assert matrix.counts() == before, f"{label} wrote rows although it raised {raised!r}"
    if not isinstance(raised, corruption.raises):
        assert corruption.expect == MAY_PASS, (
            f"{label}: expected {corruption.raises}, got {raised!r}"
        )
    assert type(raised) is not errors.ChatdbError, "errors are of a specific class"
    if isinstance(raised, errors.ChatdbError):
        assert "\x00" not in raised.message and "DROP TABLE" not in raised.message


def test_injection_strings_are_stored_verbatim_and_the_tables_survive(matrix: Matrix) -> None:
    from chatdb.queries import chats

    with matrix.db.as_user(matrix.ctx.user) as conn:
        for text in INJECTIONS[:4]:
            chat = chats.create_chat(
                conn,
                user_id=matrix.ctx.user,
                title=text,
                visibility=None,
                provider=None,
                model=None,
                system_prompt=text,
                context_window=None,
                metadata={"note": text},
            )
            assert chat is not None
            stored = chats.get_chat_by_id(conn, id=chat.id)
            assert stored is not None
            assert (stored.title, stored.system_prompt, stored.metadata) == (
                text,
                text,
                {"note": text},
            )
    with psycopg.connect(matrix.url) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] >= 2  # type: ignore[index]
        assert conn.execute("SELECT to_regclass('public.chats')").fetchone() == ("chats",)
