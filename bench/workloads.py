"""The per-call workloads of issue 9, each as the same work done by every contender.

Variant names are the table's rows:
- `psycopg`: raw psycopg 3, the generated statement's exact SQL, `prepare=True`, tuple rows,
  psycopg's default settings (stdlib json). The baseline every sync ratio divides by.
- `generated`: the generated function called directly on that same plain psycopg connection.
- `chatdb.Database`: the generated function on a pooled `Database` connection (logging and
  error-translating cursor, orjson loaders, enums registered), inside `db.system()`.
- `SQLAlchemy Core` / `SQLAlchemy ORM`: the same query written the SQLAlchemy 2 way.
- async: `psycopg async` (the async baseline), `generated async`, `chatdb.AsyncDatabase`,
  `asyncpg` (its default codecs: jsonb comes back as text) and `asyncpg+orjson` (jsonb decoded,
  i.e. the same work).
- the page also runs in `dataclass mode`: the query set generated with
  `emit_pydantic_models: false` (`bench/dataclass_mode.py`) on the same pooled runtime.

Reads and inserts run in one transaction per chunk of calls (amortised, identical for every
variant); the flow and `point read + transaction` rows time a whole transaction per call.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bench.backends import to_dollar
from bench.dataset import Data

Make = Callable[[Any], Callable[[int], Any]]


@dataclass
class Spec:
    name: str
    backend: str
    make: Make
    needs: str | None = None  # an optional module (sqlalchemy, asyncpg)


@dataclass
class Workload:
    key: str
    title: str
    sync: list[Spec] = field(default_factory=list)
    aio: list[Spec] = field(default_factory=list)
    calls: int = 200  # per client per round, at 1 client
    baseline: str = "psycopg"
    async_baseline: str = "psycopg async"


_ops = itertools.count()
AMOUNT = Decimal("0.01")


def page_args(sql: str, chat_id: Any, at: Any, at_id: Any, page_size: int) -> dict[str, Any]:
    """Arguments of a keyset page query (chat, cursor time, cursor id, size), by the names the
    statement uses (read from it, so a renamed cursor parameter needs no change here)."""
    _, names = to_dollar(sql)
    assert len(names) == 4, names
    assert (names[0], names[3]) == ("chat_id", "page_size"), names
    return dict(zip(names, (chat_id, at, at_id, page_size), strict=True))


def _cycle(values: list[Any]) -> Callable[[int], Any]:
    n = len(values)
    return lambda i: values[i % n]


# --------------------------------------------------------------------------- point reads


def point_read_user(data: Data) -> Workload:
    from chatdb.queries import users
    from chatdb.queries.aio import users as ausers

    pick = _cycle(data.user_ids)
    sql = users.GET_USER_BY_ID
    dsql, _ = to_dollar(sql)
    w = Workload("get_user_by_id", "GetUserByID (point read)")

    def raw(conn: Any) -> Callable[[int], Any]:
        return lambda i: conn.execute(sql, {"id": pick(i)}, prepare=True).fetchone()

    def gen(conn: Any) -> Callable[[int], Any]:
        return lambda i: users.get_user_by_id(conn, id=pick(i))

    def core(c: Any) -> Callable[[int], Any]:
        from sqlalchemy import select

        from bench.sa_models import users_t

        return lambda i: c.execute(select(users_t).where(users_t.c.id == pick(i))).first()

    def orm(s: Any) -> Callable[[int], Any]:
        from sqlalchemy import select

        from bench.sa_models import User

        return lambda i: s.execute(select(User).where(User.id == pick(i))).scalar_one_or_none()

    w.sync = [
        Spec("psycopg", "psycopg", raw),
        Spec("generated", "psycopg", gen),
        Spec("chatdb.Database", "database", gen),
        Spec("SQLAlchemy Core", "sa-core", core, "sqlalchemy"),
        Spec("SQLAlchemy ORM", "sa-orm", orm, "sqlalchemy"),
    ]

    def araw(conn: Any) -> Callable[[int], Any]:
        async def call(i: int) -> Any:
            cur = await conn.execute(sql, {"id": pick(i)}, prepare=True)
            return await cur.fetchone()

        return call

    def agen(conn: Any) -> Callable[[int], Any]:
        return lambda i: ausers.get_user_by_id(conn, id=pick(i))

    def apg(conn: Any) -> Callable[[int], Any]:
        return lambda i: conn.fetchrow(dsql, pick(i))

    w.aio = [
        Spec("psycopg async", "apsycopg", araw),
        Spec("generated async", "apsycopg", agen),
        Spec("chatdb.AsyncDatabase", "adatabase", agen),
        Spec("asyncpg", "asyncpg", apg, "asyncpg"),
    ]
    return w


def point_read_session(data: Data) -> Workload:
    from chatdb.queries import auth
    from chatdb.queries.aio import auth as aauth

    pick = _cycle(data.session_hashes)
    sql = auth.GET_SESSION_AND_USER
    dsql, _ = to_dollar(sql)
    w = Workload("get_session_and_user", "GetSessionAndUser (point read, join)")

    def raw(conn: Any) -> Callable[[int], Any]:
        return lambda i: conn.execute(sql, {"session_token_hash": pick(i)}, prepare=True).fetchone()

    def gen(conn: Any) -> Callable[[int], Any]:
        return lambda i: auth.get_session_and_user(conn, session_token_hash=pick(i))

    def core(c: Any) -> Callable[[int], Any]:
        from sqlalchemy import func, select

        from bench.sa_models import sessions_t, users_t

        def call(i: int) -> Any:
            stmt = (
                select(sessions_t, users_t)
                .join(users_t, users_t.c.id == sessions_t.c.user_id)
                .where(
                    sessions_t.c.session_token_hash == pick(i), sessions_t.c.expires > func.now()
                )
            )
            return c.execute(stmt).first()

        return call

    def orm(s: Any) -> Callable[[int], Any]:
        from sqlalchemy import func, select

        from bench.sa_models import AuthSession, User

        def call(i: int) -> Any:
            stmt = (
                select(AuthSession, User)
                .join(User, User.id == AuthSession.user_id)
                .where(AuthSession.session_token_hash == pick(i), AuthSession.expires > func.now())
            )
            return s.execute(stmt).first()

        return call

    w.sync = [
        Spec("psycopg", "psycopg", raw),
        Spec("generated", "psycopg", gen),
        Spec("chatdb.Database", "database", gen),
        Spec("SQLAlchemy Core", "sa-core", core, "sqlalchemy"),
        Spec("SQLAlchemy ORM", "sa-orm", orm, "sqlalchemy"),
    ]

    def araw(conn: Any) -> Callable[[int], Any]:
        async def call(i: int) -> Any:
            cur = await conn.execute(sql, {"session_token_hash": pick(i)}, prepare=True)
            return await cur.fetchone()

        return call

    def agen(conn: Any) -> Callable[[int], Any]:
        return lambda i: aauth.get_session_and_user(conn, session_token_hash=pick(i))

    def apg(conn: Any) -> Callable[[int], Any]:
        return lambda i: conn.fetchrow(dsql, pick(i))

    w.aio = [
        Spec("psycopg async", "apsycopg", araw),
        Spec("generated async", "apsycopg", agen),
        Spec("chatdb.AsyncDatabase", "adatabase", agen),
        Spec("asyncpg", "asyncpg", apg, "asyncpg"),
    ]
    return w


# --------------------------------------------------------------------------- page of 50


DATACLASS = "dataclass mode (chatdb.Database)"
ADATACLASS = "dataclass mode (chatdb.AsyncDatabase)"


def page_of_messages(data: Data) -> Workload:
    from bench import dataclass_mode
    from chatdb.queries import messages
    from chatdb.queries.aio import messages as amessages

    dc_messages = dataclass_mode.load("messages")
    adc_messages = dataclass_mode.load("aio.messages")

    pick = _cycle(data.page_chat_ids)
    sql = messages.LIST_MESSAGES_BY_CHAT
    dsql, _ = to_dollar(sql)
    # page_size 50: 51 rows come back (the query adds the "is there more" row).
    w = Workload("list_messages_by_chat", "ListMessagesByChat (page of 50, jsonb)", calls=60)

    def args(i: int) -> dict[str, Any]:
        return page_args(sql, pick(i), None, None, 50)

    def raw(conn: Any) -> Callable[[int], Any]:
        return lambda i: conn.execute(sql, args(i), prepare=True).fetchall()

    def gen(conn: Any) -> Callable[[int], Any]:
        return lambda i: messages.list_messages_by_chat(conn, **args(i))

    def dc(conn: Any) -> Callable[[int], Any]:
        return lambda i: dc_messages.list_messages_by_chat(conn, **args(i))

    def core(c: Any) -> Callable[[int], Any]:
        from sqlalchemy import select

        from bench.sa_models import messages_t as m

        def call(i: int) -> Any:
            stmt = (
                select(m)
                .where(m.c.chat_id == pick(i))
                .order_by(m.c.created_at.desc(), m.c.id.desc())
                .limit(51)
            )
            return c.execute(stmt).all()

        return call

    def orm(s: Any) -> Callable[[int], Any]:
        from sqlalchemy import select

        from bench.sa_models import Message

        def call(i: int) -> Any:
            stmt = (
                select(Message)
                .where(Message.chat_id == pick(i))
                .order_by(Message.created_at.desc(), Message.id.desc())
                .limit(51)
            )
            return s.execute(stmt).scalars().all()

        return call

    w.sync = [
        Spec("psycopg", "psycopg", raw),
        Spec("generated", "psycopg", gen),
        Spec("chatdb.Database", "database", gen),
        Spec(DATACLASS, "database", dc),
        Spec("SQLAlchemy Core", "sa-core", core, "sqlalchemy"),
        Spec("SQLAlchemy ORM", "sa-orm", orm, "sqlalchemy"),
    ]

    def araw(conn: Any) -> Callable[[int], Any]:
        async def call(i: int) -> Any:
            cur = await conn.execute(sql, args(i), prepare=True)
            return await cur.fetchall()

        return call

    def agen(conn: Any) -> Callable[[int], Any]:
        return lambda i: amessages.list_messages_by_chat(conn, **args(i))

    def adc(conn: Any) -> Callable[[int], Any]:
        return lambda i: adc_messages.list_messages_by_chat(conn, **args(i))

    def apg(conn: Any) -> Callable[[int], Any]:
        return lambda i: conn.fetch(dsql, pick(i), None, None, 50)

    w.aio = [
        Spec("psycopg async", "apsycopg", araw),
        Spec("generated async", "apsycopg", agen),
        Spec("chatdb.AsyncDatabase", "adatabase", agen),
        Spec(ADATACLASS, "adatabase", adc),
        Spec("asyncpg", "asyncpg", apg, "asyncpg"),
        Spec("asyncpg+orjson", "asyncpg-json", apg, "asyncpg"),
    ]
    return w


# --------------------------------------------------------------------------- insert


def _parts(i: int) -> list[dict[str, str]]:
    return [
        {"type": "reasoning", "text": f"Thinking about {i}"},
        {"type": "text", "text": f"An answer to question {i}, with a little detail."},
    ]


def insert_message(data: Data) -> Workload:
    from psycopg.types.json import Jsonb

    from chatdb.queries import messages
    from chatdb.queries.aio import messages as amessages
    from chatdb.queries.enums import MessageRole
    from chatdb.types import Attachments, MessageParts

    # Chats the page workload does not read, so its pages stay the same.
    chats = data.chat_ids[len(data.page_chat_ids) : -1] or data.chat_ids
    pick = _cycle(chats)
    sql = messages.INSERT_MESSAGE
    dsql, names = to_dollar(sql)
    w = Workload("insert_message", "InsertMessage (insert ... returning)", calls=100)
    parts = [MessageParts.model_validate(_parts(i)) for i in range(64)]
    no_attachments = Attachments([])

    def values(i: int) -> dict[str, Any]:
        return {
            "chat_id": pick(i),
            "role": "assistant",
            "parts": _parts(i % 64),
            "attachments": [],
            "provider": "openai",
            "model": "gpt-4o-mini",
            "input_tokens": 120,
            "output_tokens": 80,
            "cache_read_tokens": 0,
            "cache_write_tokens": 0,
            "cost": Decimal("0.00012"),
            "client_request_id": None,
            "provider_metadata": None,
        }

    def params(i: int) -> Any:
        return messages.InsertMessageParams(
            chat_id=pick(i),
            role=MessageRole.ASSISTANT,
            parts=parts[i % 64],
            attachments=no_attachments,
            provider="openai",
            model="gpt-4o-mini",
            input_tokens=120,
            output_tokens=80,
            cache_read_tokens=0,
            cache_write_tokens=0,
            cost=Decimal("0.00012"),
            client_request_id=None,
            provider_metadata=None,
        )

    def raw(conn: Any) -> Callable[[int], Any]:
        def call(i: int) -> Any:
            v = values(i)
            v["parts"] = Jsonb(v["parts"])
            v["attachments"] = Jsonb(v["attachments"])
            return conn.execute(sql, v, prepare=True).fetchone()

        return call

    def gen(conn: Any) -> Callable[[int], Any]:
        return lambda i: messages.insert_message(conn, params=params(i))

    def core(c: Any) -> Callable[[int], Any]:
        from sqlalchemy import insert

        from bench.sa_models import messages_t as m

        return lambda i: c.execute(insert(m).values(**values(i)).returning(m)).first()

    def orm(s: Any) -> Callable[[int], Any]:
        from bench.sa_models import Message

        def call(i: int) -> Any:
            row = Message(**values(i))
            s.add(row)
            s.flush()
            return row

        return call

    w.sync = [
        Spec("psycopg", "psycopg", raw),
        Spec("generated", "psycopg", gen),
        Spec("chatdb.Database", "database", gen),
        Spec("SQLAlchemy Core", "sa-core", core, "sqlalchemy"),
        Spec("SQLAlchemy ORM", "sa-orm", orm, "sqlalchemy"),
    ]

    def araw(conn: Any) -> Callable[[int], Any]:
        async def call(i: int) -> Any:
            v = values(i)
            v["parts"] = Jsonb(v["parts"])
            v["attachments"] = Jsonb(v["attachments"])
            cur = await conn.execute(sql, v, prepare=True)
            return await cur.fetchone()

        return call

    def agen(conn: Any) -> Callable[[int], Any]:
        return lambda i: amessages.insert_message(conn, params=params(i))

    def apg(conn: Any) -> Callable[[int], Any]:
        def call(i: int) -> Any:
            v = values(i)
            v["parts"] = json.dumps(v["parts"])
            v["attachments"] = "[]"
            return conn.fetchrow(dsql, *(v[n] for n in names))

        return call

    w.aio = [
        Spec("psycopg async", "apsycopg", araw),
        Spec("generated async", "apsycopg", agen),
        Spec("chatdb.AsyncDatabase", "adatabase", agen),
        Spec("asyncpg", "asyncpg", apg, "asyncpg"),
    ]
    return w


# --------------------------------------------------------------------------- transactions


def _begin_sql() -> str:
    from chatdb.config import load_settings
    from chatdb.transactions import begin_statement

    return begin_statement(load_settings())


def point_read_in_transaction(data: Data) -> Workload:
    """GetUserByID as a request does it: its own transaction as the signed-in user (RLS)."""
    from chatdb.queries import users
    from chatdb.queries.aio import users as ausers

    pick = _cycle(data.user_ids)
    sql, begin = users.GET_USER_BY_ID, _begin_sql()
    w = Workload("get_user_by_id_tx", "GetUserByID in its own as_user transaction")

    def who(i: int) -> dict[str, str]:
        return {"role": "chatdb_app", "user_id": str(pick(i))}

    def raw(conn: Any) -> Callable[[int], Any]:
        def call(i: int) -> Any:
            with conn.transaction():
                conn.execute(begin, who(i), prepare=True)
                return conn.execute(sql, {"id": pick(i)}, prepare=True).fetchone()

        return call

    def db(database: Any) -> Callable[[int], Any]:
        def call(i: int) -> Any:
            user_id = pick(i)
            with database.as_user(user_id) as conn:
                return users.get_user_by_id(conn, id=user_id)

        return call

    w.sync = [Spec("psycopg", "psycopg/call", raw), Spec("chatdb.Database", "database/call", db)]

    def araw(conn: Any) -> Callable[[int], Any]:
        async def call(i: int) -> Any:
            async with conn.transaction():
                await conn.execute(begin, who(i), prepare=True)
                cur = await conn.execute(sql, {"id": pick(i)}, prepare=True)
                return await cur.fetchone()

        return call

    def adb(database: Any) -> Callable[[int], Any]:
        async def call(i: int) -> Any:
            user_id = pick(i)
            async with database.as_user(user_id) as conn:
                return await ausers.get_user_by_id(conn, id=user_id)

        return call

    w.aio = [
        Spec("psycopg async", "apsycopg/call", araw),
        Spec("chatdb.AsyncDatabase", "adatabase/call", adb),
    ]
    return w


def consume_credits(data: Data) -> Workload:
    """The credit-consume transaction: flow vs the same statements hand-written."""
    from chatdb.flows import credits as flow
    from chatdb.flows.aio import credits as aflow
    from chatdb.queries import credits as q

    pick = _cycle(data.user_ids)
    sql, begin = q.INSERT_LEDGER_ENTRY, _begin_sql()
    w = Workload("consume_credits", "consume_credits flow (one transaction)", calls=100)

    def who(i: int) -> dict[str, str]:
        return {"role": "chatdb_app", "user_id": str(pick(i))}

    def entry(i: int) -> dict[str, Any]:
        return {
            "user_id": pick(i),
            "operation_id": f"bench:{next(_ops)}",
            "amount": -AMOUNT,
            "reason": "usage",
            "description": None,
            "metadata": None,
        }

    def raw(conn: Any) -> Callable[[int], Any]:
        # BEGIN; set_config(role, user); SAVEPOINT; INSERT ... RETURNING; RELEASE; COMMIT
        def call(i: int) -> Any:
            with conn.transaction():
                conn.execute(begin, who(i), prepare=True)
                with conn.transaction():
                    return conn.execute(sql, entry(i), prepare=True).fetchone()

        return call

    def direct(conn: Any) -> Callable[[int], Any]:
        def call(i: int) -> Any:
            with conn.transaction():
                conn.execute(begin, who(i), prepare=True)
                return flow.consume_credits(
                    conn, user_id=pick(i), amount=AMOUNT, operation_id=f"bench:{next(_ops)}"
                )

        return call

    def db(database: Any) -> Callable[[int], Any]:
        def call(i: int) -> Any:
            user_id = pick(i)
            with database.as_user(user_id) as conn:
                return flow.consume_credits(
                    conn, user_id=user_id, amount=AMOUNT, operation_id=f"bench:{next(_ops)}"
                )

        return call

    w.sync = [
        Spec("psycopg", "psycopg/call", raw),
        Spec("generated", "psycopg/call", direct),
        Spec("chatdb.Database", "database/call", db),
    ]

    def araw(conn: Any) -> Callable[[int], Any]:
        async def call(i: int) -> Any:
            async with conn.transaction():
                await conn.execute(begin, who(i), prepare=True)
                async with conn.transaction():
                    cur = await conn.execute(sql, entry(i), prepare=True)
                    return await cur.fetchone()

        return call

    def adirect(conn: Any) -> Callable[[int], Any]:
        async def call(i: int) -> Any:
            async with conn.transaction():
                await conn.execute(begin, who(i), prepare=True)
                return await aflow.consume_credits(
                    conn, user_id=pick(i), amount=AMOUNT, operation_id=f"bench:{next(_ops)}"
                )

        return call

    def adb(database: Any) -> Callable[[int], Any]:
        async def call(i: int) -> Any:
            user_id = pick(i)
            async with database.as_user(user_id) as conn:
                return await aflow.consume_credits(
                    conn, user_id=user_id, amount=AMOUNT, operation_id=f"bench:{next(_ops)}"
                )

        return call

    w.aio = [
        Spec("psycopg async", "apsycopg/call", araw),
        Spec("generated async", "apsycopg/call", adirect),
        Spec("chatdb.AsyncDatabase", "adatabase/call", adb),
    ]
    return w


ALL: list[Callable[[Data], Workload]] = [
    point_read_user,
    point_read_session,
    page_of_messages,
    insert_message,
    point_read_in_transaction,
    consume_credits,
]
