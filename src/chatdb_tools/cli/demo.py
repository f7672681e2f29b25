"""`chatdb demo`: one chat product's day, through the public API, printing each step.

Everything runs as the application would: Auth.js-style sign-in as the system role, chat work
as the signed-in user (row-level security on), public reading anonymously, credits, referral
and billing flows, and the typed errors a caller sees when something is refused.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import io
import logging
import os
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import click

from chatdb import Database, Page, errors
from chatdb.config import load_settings
from chatdb.crypto import KeyRing
from chatdb.flows import auth as auth_flows
from chatdb.flows import billing, credits, providers, referrals, tools
from chatdb.logs import STATEMENT_LOGGER, JsonFormatter
from chatdb.queries import auth, chats, messages, users, votes
from chatdb.queries import tools as tool_queries
from chatdb.queries.enums import (
    ChatVisibility,
    CreditReason,
    MessageRole,
    ToolExecutionStatus,
    VoteDirection,
)
from chatdb.types import Attachments, MessagePart, MessageParts
from chatdb_tools.cli.base import CONTEXT, run
from chatdb_tools.cli.db_commands import resolved
from chatdb_tools.cli.output import info


def _step(text: str) -> None:
    print(f"\n-> {text}")


def _say(text: str) -> None:
    print(f"   {text}")


def _message(chat_id: uuid.UUID, role: MessageRole, text: str, **fields: Any) -> dict[str, Any]:
    """InsertMessage's arguments; token counts and cost are billing data, recorded apart."""
    return {
        "chat_id": chat_id,
        "role": role,
        "parts": MessageParts([MessagePart(type="text", text=text)]),
        "attachments": Attachments([]),
        "provider": fields.get("provider"),
        "model": fields.get("model"),
        "client_request_id": fields.get("client_request_id"),
        "provider_metadata": None,
    }


def run_demo(db: Database) -> None:
    run = uuid.uuid4().hex[:8]
    keyring = KeyRing.parse(
        os.environ.get("CHATDB_ENCRYPTION_KEYS")
        or f"1:{base64.b64encode(os.urandom(32)).decode()}",
        os.environ.get("CHATDB_ENCRYPTION_KEY_ID", ""),
    )

    _step("Sign-up and sign-in (Auth.js adapter, as chatdb_system)")
    with db.system() as conn:
        ada = users.create_user(
            conn,
            email=f"Ada.{run}@Example.com",
            name="Ada",
            image=None,
            email_verified=dt.datetime.now(dt.UTC),
            password_hash=auth_flows.hash_password("correct horse battery staple"),
        )
        bob = users.create_user(
            conn,
            email=f"bob.{run}@example.com",
            name="Bob",
            image=None,
            email_verified=None,
            password_hash=None,
        )
        found = users.get_user_by_email(conn, email=f"ada.{run}@example.com")
        _say(f"created Ada and Bob; lookup by email is case-insensitive: {found is not None}")
        token = auth_flows.new_token()
        auth.create_session(
            conn,
            session_token_hash=auth_flows.hash_token(token),
            user_id=ada.id,
            expires=dt.datetime.now(dt.UTC) + dt.timedelta(days=30),
            fingerprint_id=None,
        )
        session = auth.get_session_and_user(conn, session_token_hash=auth_flows.hash_token(token))
        if session is None:  # GetSessionAndUser is @optional: an unknown token is normal
            raise RuntimeError("the session just stored does not resolve")
        _say(f"session stored as a SHA-256 hash; it resolves to {session.user_profile.name}")
        balance = credits_balance(conn, ada.id)
        _say(
            f"Ada's signup credits (app_settings.signup_credits, granted by a trigger "
            f"through the ledger): {balance}"
        )
        for buyer in (ada, bob):  # a purchase, so the demo runs whatever signup_credits says
            credits.grant_credits(
                conn,
                user_id=buyer.id,
                amount=Decimal(100),
                operation_id=f"stripe:demo-purchase:{buyer.id}",
                reason=CreditReason.PURCHASE,
            )
        _say(
            f"each bought 100 credits (idempotent by operation id): {credits_balance(conn, ada.id)}"
        )

    _step("Chatting as Ada (chatdb_app, app.user_id = Ada: RLS applies)")
    with _statement_log() as log, db.as_user(ada.id) as conn:
        chat = chats.create_chat(
            conn,
            user_id=ada.id,
            title="Kyoto trip",
            visibility=None,
            provider="openai",
            model="gpt-4o",
            system_prompt=None,
            context_window=128_000,
            metadata={"demo": run},
        )
        question = messages.insert_message(
            conn,
            **_message(
                chat.id,
                MessageRole.USER,
                "Plan three days in Kyoto.",
                client_request_id=f"req-{run}",
            ),
        )
        answer = messages.insert_message(
            conn,
            **_message(
                chat.id,
                MessageRole.ASSISTANT,
                "Day 1: Fushimi Inari at dawn...",
                provider="openai",
                model="gpt-4o",
            ),
        )
        retried = messages.insert_message(
            conn,
            **_message(
                chat.id,
                MessageRole.USER,
                "Plan three days in Kyoto.",
                client_request_id=f"req-{run}",
            ),
        )
        _say(
            f"chat {chat.title!r} with 2 messages; a retried send returned the same message: "
            f"{retried.id == question.id}"
        )
        votes.vote_message(conn, message_id=answer.id, user_id=ada.id, direction=VoteDirection.UP)
        flipped = votes.vote_message(
            conn, message_id=answer.id, user_id=ada.id, direction=VoteDirection.DOWN
        )
        _say(f"voted up, then down: one vote, now {flipped.direction if flipped else None}")
        rows = messages.list_messages_by_chat(
            conn, chat_id=chat.id, before_at=None, before_id=None, page_size=1
        )
        page = Page.from_rows(rows, 1, cursor=lambda m: (m.created_at, m.id))
        _say(f"newest-first page of 1: {len(page.items)} item, has_more={page.has_more}")

    with db.system() as conn:  # what the answer used is billing data: a system flow writes it
        billed = messages.record_message_usage(
            conn,
            id=answer.id,
            input_tokens=812,
            output_tokens=377,
            cache_read_tokens=0,
            cache_write_tokens=0,
            cost=Decimal("0.00642"),
        )
        _say(
            f"the answer's usage, recorded as chatdb_system: cost {billed.cost if billed else None}"
        )

    _say("its JSON statement logs (name, duration, rows, role, user; never values):")
    named = [line for line in log.getvalue().splitlines() if '"query": "sql"' not in line]
    for line in named[:3]:
        _say(f"  {line}")

    _step("Who runs the transaction: as_user, anonymous, system")
    for label, scope in (
        ("as_user(Ada)", db.as_user(ada.id, read_only=True)),
        ("anonymous()", db.anonymous(read_only=True)),
        ("system()", db.system(read_only=True)),
    ):
        with scope as conn:
            who = conn.execute(
                "SELECT current_user, coalesce(nullif(current_setting('app.user_id', true), ''),"
                " '-')"
            ).fetchone()
        assert who is not None
        _say(f"{label}: role {who[0]}, app.user_id {'Ada' if who[1] == str(ada.id) else who[1]}")

    _step("run(): the whole function retried on a serialization failure")
    _say(_forced_retry(db, chat.id))

    _step("Charging the answer's cost in credits (idempotent by operation id)")
    with db.system() as conn:
        first = credits.consume_credits(
            conn, user_id=ada.id, amount=Decimal(5), operation_id=f"msg:{answer.id}"
        )
        again = credits.consume_credits(
            conn, user_id=ada.id, amount=Decimal(5), operation_id=f"msg:{answer.id}"
        )
        _say(
            f"charged 5: balance {first.balance_after}; the retry applied={again.applied}, "
            f"balance still {credits_balance(conn, ada.id)}"
        )
        try:
            credits.consume_credits(
                conn, user_id=bob.id, amount=Decimal(10_000), operation_id=f"msg:too-much:{run}"
            )
        except errors.InsufficientCredits as exc:
            _say(f"Bob spending 10000: {type(exc).__name__} ({exc.constraint}); nothing written")

    _step("Privacy: Bob cannot see Ada's private chat; the public one is readable by anyone")
    with db.as_user(bob.id) as conn:
        _say(f"Bob reads Ada's private chat: {chats.get_chat_by_id(conn, id=chat.id)}")
    with db.as_user(ada.id) as conn:
        chats.update_chat_visibility(
            conn, visibility=ChatVisibility.PUBLIC, id=chat.id, user_id=ada.id
        )
    with db.anonymous(read_only=True) as conn:
        public = chats.get_chat_by_id(conn, id=chat.id)
        _say(f"anonymous reader sees the now-public chat: {public.title if public else None}")
    try:
        with db.anonymous() as conn:
            chats.create_chat(
                conn,
                user_id=ada.id,
                title="Spam",
                visibility=None,
                provider=None,
                model=None,
                system_prompt=None,
                context_window=None,
                metadata=None,
            )
    except errors.PermissionDenied as exc:
        _say(f"anonymous write refused: {type(exc).__name__}")

    _step("Referral: Bob redeems Ada's code (system role; both credited through the ledger)")
    with db.system() as conn:
        result = referrals.redeem_referral_code(conn, user_id=bob.id, code=ada.referral_code)
        _say(
            f"referral {result.referral.status}; Ada now {credits_balance(conn, ada.id)}, "
            f"Bob {credits_balance(conn, bob.id)}"
        )
    try:
        with db.system() as conn:
            referrals.redeem_referral_code(conn, user_id=bob.id, code=ada.referral_code)
    except errors.ReferralRejected as exc:
        _say(f"second redemption refused: {type(exc).__name__}")

    _step("Tool call workflow with an illegal move")
    with db.as_user(ada.id) as conn:
        call = tool_queries.create_tool_execution(
            conn,
            chat_id=chat.id,
            message_id=answer.id,
            tool_call_id=f"call-{run}",
            tool_name="web_search",
            arguments={"q": "Kyoto in April"},
            requires_approval=True,
        )
        approved = tools.transition_tool_execution(
            conn, id=call.id, to_status=ToolExecutionStatus.APPROVED
        )
        _say(f"pending -> {approved.status} at {approved.approved_at:%H:%M:%S}")
    try:
        with db.as_user(ada.id) as conn:
            tools.transition_tool_execution(
                conn, id=call.id, to_status=ToolExecutionStatus.COMPLETED
            )
    except errors.InvalidTransition as exc:
        _say(f"approved -> completed refused: {exc.from_state} -> {exc.to_state}")

    _step("Provider key stored encrypted (AES-GCM, bound to user + provider)")
    with db.as_user(ada.id) as conn:
        providers.save_provider_key(
            conn, keyring=keyring, user_id=ada.id, provider="openai", api_key=f"sk-demo-{run}"
        )
        key = providers.read_provider_key(conn, keyring=keyring, user_id=ada.id, provider="openai")
        _say(f"round trip ok: {key == f'sk-demo-{run}'} (the column holds only ciphertext)")

    _step("Billing webhook delivered twice (processed once)")
    event = {
        "data": {
            "object": {
                "id": f"sub_{run}",
                "customer": f"cus_{run}",
                "status": "active",
                "metadata": {"user_id": str(ada.id)},
            }
        }
    }
    now = dt.datetime.now(dt.UTC)
    for attempt in (1, 2):
        with db.system() as conn:
            applied = billing.process_webhook_event(
                conn,
                provider="stripe",
                event_id=f"evt_{run}",
                event_type="customer.subscription.created",
                occurred_at=now,
                payload=event,
            )
        _say(f"delivery {attempt}: applied={applied}")

    _step("Read routing")
    if db.replica_pools:
        with db.anonymous(read_only=True) as conn:
            row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
        where = "a replica" if row and row[0] else "the primary (replica unavailable)"
        _say(
            f"{len(db.replica_pools)} replica(s) configured: a read-only transaction ran on {where}"
        )
    else:
        _say("no replica configured (DATABASE_REPLICA_URLS): read-only work uses the primary")
    # Role, user, search_path and timeouts travel with every transaction in both modes.
    if db.settings.pgbouncer:
        _say("PgBouncer mode: no prepared statements, no session reset on return")
    else:
        _say(
            "PgBouncer mode off (DB_PGBOUNCER): prepared statements kept across borrows; "
            "a borrower's raw SQL is undone on return"
        )

    stats = db.stats()["primary"]
    _step(
        f"Done. Pool: {stats.get('connections_num', 0)} connection(s) opened, "
        f"{stats.get('requests_num', 0)} checkouts."
    )


@contextlib.contextmanager
def _statement_log() -> Iterator[io.StringIO]:
    """Capture the statement logs of a block as JSON lines (as an application would see them)."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    previous = STATEMENT_LOGGER.level, STATEMENT_LOGGER.propagate
    STATEMENT_LOGGER.addHandler(handler)
    STATEMENT_LOGGER.setLevel(logging.DEBUG)
    STATEMENT_LOGGER.propagate = False
    try:
        yield buffer
    finally:
        STATEMENT_LOGGER.removeHandler(handler)
        STATEMENT_LOGGER.setLevel(previous[0])
        STATEMENT_LOGGER.propagate = previous[1]


def _forced_retry(db: Database, chat_id: uuid.UUID) -> str:
    """Make a second connection update the row between this transaction's read and write:
    REPEATABLE READ then refuses the write (40001), and run() reruns the whole function."""
    attempts = 0

    def rename(conn: Any) -> str:
        nonlocal attempts
        attempts += 1
        row = conn.execute("SELECT title FROM chats WHERE id = %s", (chat_id,)).fetchone()
        if attempts == 1:
            with db.system() as other:  # another connection commits first
                other.execute("UPDATE chats SET title = title WHERE id = %s", (chat_id,))
        conn.execute("UPDATE chats SET title = %s WHERE id = %s", (row[0], chat_id))
        return str(row[0])

    before = db.retries
    db.system(isolation="repeatable read").run(rename)
    return f"attempts: {attempts}; retried {db.retries - before} time(s) after SerializationFailure"


def credits_balance(conn: Any, user_id: uuid.UUID) -> Decimal | None:
    from chatdb.queries import credits as credit_queries

    return credit_queries.get_credit_balance(conn, user_id=user_id)


def cmd_demo(args: argparse.Namespace) -> int:
    target = resolved()
    with Database(target.url, settings=load_settings(pool_min_size=1, pool_max_size=2)) as db:
        run_demo(db)
    for line in next_steps(target.source):
        info(line)
    return 0


def next_steps(source: str) -> list[str]:
    """What to do after the demo, said where it ends."""
    where = (
        "The embedded PostgreSQL is still running (`chatdb db stop` stops it; "
        "`chatdb db reset` starts it over)."
        if source == "embedded"
        else "The demo's rows stay in the DATABASE_URL database."
    )
    return [
        where,
        "Next: `make psql` to look around, `make seed` for more data, `make doctor` for a "
        "health report, `make test` for the suite; README.md walks through the rest.",
    ]


@click.command("demo", context_settings=CONTEXT)
def demo_command() -> int:
    """Run a real chat scenario and print what each step does."""
    return run(cmd_demo)


COMMANDS = [demo_command]
