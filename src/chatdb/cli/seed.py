"""`chatdb seed`: realistic users, chats and messages, fast (COPY), as chatdb_system."""

from __future__ import annotations

import argparse
import datetime as dt
import random
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from chatdb import Database
from chatdb.cli.db_commands import resolved
from chatdb.cli.output import Progress, emit
from chatdb.config import load_settings
from chatdb.queries import chats, messages, users
from chatdb.queries.enums import ChatVisibility, MessageRole
from chatdb.types import Attachments, MessagePart, MessageParts

_WORDS = [
    "plan",
    "trip",
    "budget",
    "kyoto",
    "train",
    "museum",
    "model",
    "prompt",
    "token",
    "stream",
    "context",
    "tool",
    "search",
    "summary",
    "draft",
    "code",
    "review",
    "test",
    "deploy",
    "database",
    "index",
    "query",
    "cache",
    "latency",
    "error",
    "retry",
]
_MODELS = (("openai", "gpt-4o"), ("anthropic", "claude-sonnet"), ("google", "gemini-pro"))


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize() + "."


def seed(
    url: str, *, n_users: int, chats_per_user: int, messages_per_chat: int, rng_seed: int = 7
) -> dict[str, int]:
    """Insert the data set; returns how many rows of each kind were written."""
    rng = random.Random(rng_seed)  # noqa: S311 - test data, not secrets
    run = uuid.uuid4().hex[:8]
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    progress = Progress(n_users, "seeding users")
    counts = {"users": 0, "chats": 0, "messages": 0}
    with Database(url, settings=load_settings(pool_min_size=0, pool_max_size=1)) as db:
        for u in range(n_users):
            # One transaction per user: its chats and messages land together or not at all.
            with db.system() as conn:
                user = users.create_user(
                    conn,
                    email=f"seed-{run}-{u}@example.com",
                    name=f"Seed User {u}",
                    image=None,
                    email_verified=start,
                    password_hash=None,
                )
                chat_rows: list[chats.ImportChatsParams] = []
                rows: list[messages.ImportMessagesParams] = []
                for c in range(chats_per_user):
                    provider, model = rng.choice(_MODELS)
                    chat_id = uuid.uuid4()
                    opened = start + dt.timedelta(minutes=rng.randint(0, 40_000))
                    at = opened
                    for m in range(messages_per_chat):
                        at += dt.timedelta(seconds=rng.randint(5, 600))
                        assistant = m % 2 == 1
                        rows.append(
                            messages.ImportMessagesParams(
                                id=uuid.uuid4(),
                                chat_id=chat_id,
                                role=MessageRole.ASSISTANT if assistant else MessageRole.USER,
                                parts=MessageParts(
                                    [MessagePart(type="text", text=_sentence(rng, 12))]
                                ),
                                attachments=Attachments([]),
                                provider=provider if assistant else None,
                                model=model if assistant else None,
                                input_tokens=rng.randint(50, 4000) if assistant else 0,
                                output_tokens=rng.randint(20, 1200) if assistant else 0,
                                cost=Decimal(rng.randint(1, 5000)) / Decimal(100000)
                                if assistant
                                else Decimal(0),
                                created_at=at,
                            )
                        )
                    # A chat was last active when its last message arrived, as in the app
                    # (ListChatsByUser orders by it, so the seed must not give them all one).
                    chat_rows.append(
                        chats.ImportChatsParams(
                            id=chat_id,
                            user_id=user.id,
                            title=_sentence(rng, 4)[:80],
                            visibility=ChatVisibility.PUBLIC
                            if c % 5 == 0
                            else ChatVisibility.PRIVATE,
                            provider=provider,
                            model=model,
                            context_window=128_000,
                            metadata={"seed": run},
                            created_at=opened,
                            updated_at=at,
                        )
                    )
                chats.import_chats(conn, rows=chat_rows)
                counts["chats"] += chats_per_user
                counts["messages"] += messages.import_messages(conn, rows=rows)
                counts["users"] += 1
            progress.advance()
    progress.close()
    return counts


def cmd_seed(args: argparse.Namespace) -> int:
    target = resolved()
    counts = seed(
        target.url, n_users=args.users, chats_per_user=args.chats, messages_per_chat=args.messages
    )
    emit(counts, as_json=args.json)
    return 0


def _count(limit: int) -> Callable[[str], int]:
    """An argparse type: a whole number from 0 to `limit` (a typo must not seed for hours)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not 0 <= value <= limit:
            raise argparse.ArgumentTypeError(f"{value} is not between 0 and {limit:,}")
        return value

    return parse


def register(sub: Any) -> None:
    s = sub.add_parser("seed", help="fill the database with realistic data (COPY, system role)")
    s.add_argument("--users", type=_count(1_000_000), default=100)
    s.add_argument("--chats", type=_count(10_000), default=10, help="chats per user")
    s.add_argument("--messages", type=_count(100_000), default=20, help="messages per chat")
    s.set_defaults(handler=cmd_seed)
