"""`chatdb seed`: realistic users, chats and messages, fast (COPY), as chatdb_system."""

from __future__ import annotations

import argparse
import datetime as dt
import random
import uuid
from decimal import Decimal

import click

from chatdb import Database
from chatdb.config import load_settings
from chatdb.queries import chats, messages, users
from chatdb.queries.enums import ChatVisibility, MessageRole
from chatdb.types import Attachments, MessagePart, MessageParts
from chatdb_tools.cli.base import CONTEXT, json_option, run
from chatdb_tools.cli.db_commands import resolved
from chatdb_tools.cli.output import Progress, emit

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
                assert user is not None
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


@click.command("seed", context_settings=CONTEXT)
@click.option(
    "--users",
    type=click.IntRange(0, 1_000_000),
    default=100,
    show_default=True,
    help="Users to create.",
)
@click.option(
    "--chats",
    type=click.IntRange(0, 10_000),
    default=10,
    show_default=True,
    help="Chats per user.",
)
@click.option(
    "--messages",
    type=click.IntRange(0, 100_000),
    default=20,
    show_default=True,
    help="Messages per chat.",
)
@json_option
def seed_command(users: int, chats: int, messages: int, json: bool) -> int:
    """Fill the database with realistic users, chats and messages.

    COPY, as chatdb_system.
    Progress shows rate and ETA; piped, it prints a line every few seconds.
    """
    return run(cmd_seed, users=users, chats=chats, messages=messages, json=json)


COMMANDS = [seed_command]
