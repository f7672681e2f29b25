"""The benchmark's own database: a throwaway, migrated copy of the schema, seeded server-side.

Seeding runs as the superuser (the triggers still fire: every user gets its signup credits
through the ledger) with `INSERT ... SELECT generate_series(...)`, so a million messages take
seconds and no row crosses the wire. Message ids are random uuids and the parts are jsonb
arrays of typed parts, like production data.

Messages are laid out for the scaling workload: one *deep chat* holds half of the table (the
keyset and OFFSET pages are read from its middle), the rest is spread over every chat, and
`PAGE_CHATS` chats hold at least 50 messages each for the page-of-50 workload.
"""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import psycopg

from chatdb_tools import migrations

# Far enough in the past that every message a workload inserts sorts after the seed.
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass
class Sizes:
    users: int
    chats_per_user: int
    sessions_per_user: int
    page_chats: int  # chats with >= 50 messages each (the page workload reads them)


QUICK = Sizes(users=2_000, chats_per_user=5, sessions_per_user=2, page_chats=100)
SMOKE = Sizes(users=40, chats_per_user=2, sessions_per_user=1, page_chats=4)


@dataclass
class Data:
    """Ids the workloads use, read back after seeding."""

    url: str
    user_ids: list[uuid.UUID] = field(default_factory=list)
    session_hashes: list[bytes] = field(default_factory=list)
    chat_ids: list[uuid.UUID] = field(default_factory=list)
    page_chat_ids: list[uuid.UUID] = field(default_factory=list)
    deep_chat_id: uuid.UUID | None = None
    deep_count: int = 0
    total_messages: int = 0


@contextlib.contextmanager
def scratch(server_url: str) -> Iterator[str]:
    """A new database on the resolved server with roles and every migration; dropped after."""
    with migrations.scratch_database(server_url, prefix="chatdb_bench") as url:
        migrations.apply_roles(url)
        migrations.run_dbmate(url, ["migrate"], capture=True)
        yield url


def session_hash(i: int) -> bytes:
    return hashlib.sha256(f"bench-session-{i}".encode()).digest()


_TEXT = (
    "Sure. Here is a short answer with a little detail, the way an assistant writes it: "
    "first the gist, then a caveat or two, then a suggestion for what to try next. "
)

# parts: a user turn has one text part; an assistant turn a reasoning part and a text part.
_PARTS_SQL = f"""
CASE WHEN g %% 2 = 0
  THEN jsonb_build_array(jsonb_build_object('type', 'text', 'text', 'Question ' || g || ': how do I do this?'))
  ELSE jsonb_build_array(
    jsonb_build_object('type', 'reasoning', 'text', 'Thinking about step ' || g),
    jsonb_build_object('type', 'text', 'text', '{_TEXT}' || g))
END
"""

_MESSAGE_COLUMNS = (
    "chat_id, role, parts, provider, model, input_tokens, output_tokens, cost, "
    "provider_metadata, created_at"
)
_MESSAGE_VALUES = f"""
CASE WHEN g %% 2 = 0 THEN 'user' ELSE 'assistant' END::message_role,
{_PARTS_SQL},
CASE WHEN g %% 2 = 0 THEN NULL ELSE 'openai' END,
CASE WHEN g %% 2 = 0 THEN NULL ELSE 'gpt-4o-mini' END,
(g %% 500), (g %% 300), ((g %% 300) * 0.0000006)::numeric(18, 8),
CASE WHEN g %% 2 = 0 THEN NULL ELSE jsonb_build_object('finish_reason', 'stop', 'id', 'resp_' || g) END,
%(epoch)s::timestamptz + g * interval '1 millisecond'
"""


def seed(url: str, sizes: Sizes) -> Data:
    """Users (with signup credits), sessions, chats, and the page chats' messages."""
    data = Data(url=url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute(
            """
            INSERT INTO users (email, name, email_verified, created_at)
            SELECT 'user' || i || '@bench.example', 'User ' || i, %(epoch)s::timestamptz,
                   %(epoch)s::timestamptz + i * interval '1 second'
            FROM generate_series(1, %(n)s::int) AS i
            """,
            {"n": sizes.users, "epoch": EPOCH},
        )
        data.user_ids = [r[0] for r in conn.execute("SELECT id FROM users ORDER BY created_at")]
        with (
            conn.cursor() as cur,
            cur.copy(
                "COPY sessions (session_token_hash, user_id, expires) FROM STDIN (FORMAT BINARY)"
            ) as copy,
        ):
            copy.set_types(["bytea", "uuid", "timestamptz"])
            expires = datetime.now(UTC) + timedelta(days=365)
            k = 0
            for user_id in data.user_ids:
                for _ in range(sizes.sessions_per_user):
                    copy.write_row((session_hash(k), user_id, expires))
                    k += 1
        data.session_hashes = [session_hash(i) for i in range(k)]
        conn.execute(
            """
            INSERT INTO chats (user_id, title, created_at, updated_at)
            SELECT u.id, 'Chat ' || c || ' of ' || u.email, u.created_at, u.created_at
            FROM users AS u CROSS JOIN generate_series(1, %(n)s::int) AS c
            """,
            {"n": sizes.chats_per_user},
        )
        data.chat_ids = [r[0] for r in conn.execute("SELECT id FROM chats ORDER BY id")]
        data.page_chat_ids = data.chat_ids[: sizes.page_chats]
        data.deep_chat_id = data.chat_ids[-1]
        conn.execute(
            f"""
            INSERT INTO messages ({_MESSAGE_COLUMNS})
            SELECT c.id, {_MESSAGE_VALUES}
            FROM unnest(%(chats)s::uuid[]) AS c(id) CROSS JOIN generate_series(1, 60) AS g
            """,
            {"chats": data.page_chat_ids, "epoch": EPOCH},
        )
        conn.execute("ANALYZE")
    data.total_messages = 60 * len(data.page_chat_ids)
    return data


def grow(data: Data, total: int, *, progress: object = None) -> None:
    """Add messages until the table holds about `total`: half in the deep chat (extending it
    in time order), half spread over every chat. Then ANALYZE, for natural plans."""
    missing = total - data.total_messages
    if missing <= 0:
        return
    chats = data.chat_ids[:-1]
    per_chat = (missing // 2) // max(len(chats), 1)  # 0 at small scales: all in the deep chat
    deep_add = missing - per_chat * len(chats)
    with psycopg.connect(data.url, autocommit=True) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '256MB'")
        step = 500_000
        start = data.deep_count
        while deep_add > 0:
            n = min(step, deep_add)
            conn.execute(
                f"""
                INSERT INTO messages ({_MESSAGE_COLUMNS})
                SELECT %(chat)s, {_MESSAGE_VALUES}
                FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g
                """,
                {"chat": data.deep_chat_id, "lo": start + 1, "hi": start + n, "epoch": EPOCH},
            )
            start += n
            deep_add -= n
        data.deep_count = start
        # Spread rows start after the page chats' 60 and after earlier growth.
        offset = 1_000 + data.total_messages
        batch = max(step // max(per_chat, 1), 1)
        for lo in range(0, len(chats) if per_chat else 0, batch):
            conn.execute(
                f"""
                INSERT INTO messages ({_MESSAGE_COLUMNS})
                SELECT c.id, {_MESSAGE_VALUES.replace("g * interval", "(g + %(offset)s) * interval")}
                FROM unnest(%(chats)s::uuid[]) AS c(id) CROSS JOIN generate_series(1, %(n)s::int) AS g
                """,
                {"chats": chats[lo : lo + batch], "n": per_chat, "offset": offset, "epoch": EPOCH},
            )
        conn.execute("VACUUM ANALYZE messages")
        data.total_messages = conn.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = 'messages'::regclass"
        ).fetchone()[0]  # type: ignore[index]


def deep_cursor(data: Data, position: int) -> tuple[datetime, uuid.UUID]:
    """The (created_at, id) of the deep chat's message at `position` (0-based, time order)."""
    with psycopg.connect(data.url) as conn:
        row = conn.execute(
            "SELECT created_at, id FROM messages WHERE chat_id = %s "
            "ORDER BY created_at, id OFFSET %s LIMIT 1",
            (data.deep_chat_id, position),
        ).fetchone()
    assert row is not None
    return row[0], row[1]
