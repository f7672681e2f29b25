"""Concurrency scenarios through chatdb's public API, each parameterised by size.

Every scenario takes the superuser URL of a migrated database it may fill (a fresh clone: the
invariants it checks are global), runs its load through `Database`/`AsyncDatabase` and the
flows, then checks its invariants as the superuser and returns an `Outcome`. A broken
invariant raises `InvariantError` (an AssertionError, so pytest reports it as a failure).

The tests run them small (tests/reliability/test_concurrency.py); `stress.py` runs them
large and prints the outcomes as a table. Every loop is bounded in count, every wait in time.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import random
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import psycopg

from chatdb import AsyncDatabase, Database, errors
from chatdb.flows import billing as billing_flows
from chatdb.flows import credits as credit_flows
from chatdb.flows import referrals as referral_flows
from chatdb.flows import tools as tool_flows
from chatdb.flows.aio import credits as async_credit_flows
from chatdb.queries import tools, usage
from chatdb.queries.enums import CreditReason, ToolExecutionStatus
from support.factories import create_chat, email, make_user
from support.logins import logins

SIGNUP_CREDITS = Decimal(100)  # app_settings.signup_credits as the test databases configure it
MAX_REFERRALS = 10  # app_settings.max_successful_referrals default
DEADLINE_S = 120.0  # no scenario waits longer than this for its workers, whatever the size


class InvariantError(AssertionError):
    """A scenario's invariant does not hold after the load."""


@dataclass
class Outcome:
    """What one scenario did: counts for the stress table, and the invariants it checked."""

    scenario: str
    operations: int = 0
    retries: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    checks: int = 0
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def check(self, holds: bool, message: str) -> None:
        if not holds:
            raise InvariantError(f"{self.scenario}: {message}")
        self.checks += 1

    def count(self, error: BaseException | None = None) -> None:
        with self.lock:
            self.operations += 1
            if error is not None:
                self.errors[type(error).__name__] += 1


# -- helpers -----------------------------------------------------------------------------------


def superuser(url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(url, autocommit=True, connect_timeout=10)


def scalar(url: str, query: str, params: Any = None) -> Any:
    with superuser(url) as conn:
        row = conn.execute(query, params).fetchone()
        return row[0] if row else None


def _pool(url: str, size: int) -> Database:
    return Database(
        **logins(url), pool_min_size=1, pool_max_size=size, pool_timeout_s=30.0, max_retries=10
    )


def _run_threads(threads: int, work: Callable[[int], None]) -> None:
    """Run work(0..threads-1) on a thread each; re-raise the first unexpected exception."""
    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(work, n) for n in range(threads)]
        deadline = time.monotonic() + DEADLINE_S
        for future in futures:
            future.result(timeout=max(0.1, deadline - time.monotonic()))


def _check_ledger(url: str, out: Outcome, user_ids: list[uuid.UUID]) -> None:
    """balance == sum(ledger), never negative, and no operation id recorded twice."""
    with superuser(url) as conn:
        rows = conn.execute(
            "SELECT u.id, u.credit_balance, coalesce(sum(l.amount), 0), count(l.id)"
            " FROM users AS u LEFT JOIN credit_ledger AS l ON l.user_id = u.id"
            " WHERE u.id = ANY(%s) GROUP BY u.id, u.credit_balance",
            (user_ids,),
        ).fetchall()
        out.check(len(rows) == len(user_ids), "every user still exists")
        for user_id, balance, total, _entries in rows:
            out.check(balance == total, f"balance {balance} == ledger sum {total} for {user_id}")
            out.check(balance >= 0, f"balance of {user_id} is not negative ({balance})")
        dupes = conn.execute(
            "SELECT count(*) FROM (SELECT operation_id FROM credit_ledger"
            " GROUP BY operation_id HAVING count(*) > 1) AS d"
        ).fetchone()
        out.check(dupes is not None and dupes[0] == 0, "no operation id is in the ledger twice")
        negative = conn.execute(
            "SELECT count(*) FROM credit_ledger WHERE balance_after < 0 AND user_id = ANY(%s)",
            (user_ids,),
        ).fetchone()
        out.check(negative is not None and negative[0] == 0, "no ledger entry left a debt")


# -- credits -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreditOp:
    """One operation id and everything that must stay the same when it is repeated."""

    operation_id: str
    user_id: uuid.UUID
    amount: Decimal
    grant: bool


def _credit_plan(
    user_ids: list[uuid.UUID], distinct: int, calls: int, seed: int
) -> tuple[list[CreditOp], list[CreditOp]]:
    """`distinct` operations (grants and charges, deterministic per id), and `calls` calls
    drawn from them, so each operation id is attempted calls/distinct times on average."""
    rng = random.Random(seed)
    ops = []
    for k in range(distinct):
        user_id = user_ids[k % len(user_ids)]
        grant = k % 2 == 0
        amount = Decimal(rng.randint(1, 40)) + Decimal(rng.randint(0, 99)) / 100
        kind = "promo" if grant else "usage"
        ops.append(CreditOp(f"{kind}:{user_id}:{k}", user_id, amount, grant))
    sequence = [ops[k % distinct] for k in range(calls)]
    rng.shuffle(sequence)
    return ops, sequence


def _check_credits(
    url: str,
    out: Outcome,
    user_ids: list[uuid.UUID],
    ops: list[CreditOp],
    applied: Counter[str],
) -> None:
    _check_ledger(url, out, user_ids)
    out.check(
        all(n <= 1 for n in applied.values()),
        f"each operation id reported applied at most once (got {applied.most_common(3)})",
    )
    with superuser(url) as conn:
        recorded = {
            row[0]: row[1]
            for row in conn.execute(
                "SELECT operation_id, amount FROM credit_ledger"
                " WHERE user_id = ANY(%s) AND reason <> 'signup'",
                (user_ids,),
            )
        }
        balances = dict(
            conn.execute(  # type: ignore[arg-type]
                "SELECT id, credit_balance FROM users WHERE id = ANY(%s)", (user_ids,)
            ).fetchall()
        )
    by_id = {op.operation_id: op for op in ops}
    out.check(
        set(recorded) == {k for k, n in applied.items() if n},
        "the ledger holds exactly the operations the callers were told were applied",
    )
    for op_id, amount in recorded.items():
        op = by_id[op_id]
        out.check(amount == (op.amount if op.grant else -op.amount), f"{op_id} amount is exact")
    for user_id in user_ids:
        expected = SIGNUP_CREDITS + sum(
            (amount for op_id, amount in recorded.items() if by_id[op_id].user_id == user_id),
            Decimal(0),
        )
        out.check(balances[user_id] == expected, f"balance of {user_id} is signup + applied ops")


def credits_threads(
    url: str, *, threads: int = 32, users_count: int = 3, calls: int = 640, distinct: int = 160
) -> Outcome:
    """`threads` threads grant (as chatdb_system) and consume (as the user) credits of a few
    users, each operation id attempted several times concurrently, through `scope.run`."""
    out = Outcome("credits (threads)")
    started = time.monotonic()
    with _pool(url, min(threads, 16)) as db:
        user_ids = [make_user(db, email=email("cred")) for _ in range(users_count)]
        ops, sequence = _credit_plan(user_ids, distinct, calls, seed=1)
        applied: Counter[str] = Counter()
        lock = threading.Lock()

        def call(op: CreditOp) -> None:
            def fn(conn: Any) -> credit_flows.CreditResult:
                if op.grant:
                    return credit_flows.grant_credits(
                        conn,
                        user_id=op.user_id,
                        amount=op.amount,
                        operation_id=op.operation_id,
                        reason=CreditReason.PROMOTION,
                    )
                return credit_flows.consume_credits(
                    conn, user_id=op.user_id, amount=op.amount, operation_id=op.operation_id
                )

            scope = db.system() if op.grant else db.as_user(op.user_id)
            try:
                result = scope.run(fn)
            except errors.InsufficientCredits as exc:
                out.count(exc)
                return
            out.count()
            with lock:
                applied[op.operation_id] += int(result.applied)

        def work(n: int) -> None:
            for op in sequence[n::threads]:
                call(op)

        _run_threads(threads, work)
        out.retries = db.retries
    _check_credits(url, out, user_ids, ops, applied)
    out.check(sum(applied.values()) > 0, "some operations were applied")
    out.seconds = time.monotonic() - started
    return out


def credits_async(
    url: str, *, tasks: int = 32, users_count: int = 3, calls: int = 640, distinct: int = 160
) -> Outcome:
    """The asyncio variant: `tasks` coroutines on one event loop, the async flows and pool."""
    return asyncio.run(_credits_async(url, tasks, users_count, calls, distinct))


async def _credits_async(
    url: str, tasks: int, users_count: int, calls: int, distinct: int
) -> Outcome:
    out = Outcome("credits (asyncio)")
    started = time.monotonic()
    with _pool(url, 2) as sync_db:
        user_ids = [make_user(sync_db, email=email("acred")) for _ in range(users_count)]
    ops, sequence = _credit_plan(user_ids, distinct, calls, seed=2)
    applied: Counter[str] = Counter()
    db = AsyncDatabase(
        **logins(url),
        pool_min_size=1,
        pool_max_size=min(tasks, 16),
        pool_timeout_s=30.0,
        max_retries=10,
    )
    await db.open()
    try:

        async def call(op: CreditOp) -> None:
            async def fn(conn: Any) -> credit_flows.CreditResult:
                if op.grant:
                    return await async_credit_flows.grant_credits(
                        conn,
                        user_id=op.user_id,
                        amount=op.amount,
                        operation_id=op.operation_id,
                        reason=CreditReason.PROMOTION,
                    )
                return await async_credit_flows.consume_credits(
                    conn, user_id=op.user_id, amount=op.amount, operation_id=op.operation_id
                )

            scope = db.system() if op.grant else db.as_user(op.user_id)
            try:
                result = await scope.run(fn)
            except errors.InsufficientCredits as exc:
                out.count(exc)
                return
            out.count()
            applied[op.operation_id] += int(result.applied)

        async def work(n: int) -> None:
            for op in sequence[n::tasks]:
                await call(op)

        await asyncio.wait_for(asyncio.gather(*(work(n) for n in range(tasks))), timeout=DEADLINE_S)
        out.retries = db.retries
    finally:
        await db.close()
    _check_credits(url, out, user_ids, ops, applied)
    out.check(sum(applied.values()) > 0, "some operations were applied")
    out.seconds = time.monotonic() - started
    return out


# -- referrals -----------------------------------------------------------------------------------


def referral_race(url: str, *, redeemers: int = 24, threads: int = 24) -> Outcome:
    """`redeemers` new users redeem one referrer's code at once, each also trying a second
    referrer's code at the same time: the maximum is never exceeded, nobody is referred twice,
    and every refusal is a typed `ReferralRejected`."""
    out = Outcome("referral race")
    started = time.monotonic()
    with _pool(url, min(threads, 16)) as db:
        referrers = [make_user(db, email=email("referrer")) for _ in range(2)]
        codes = [
            scalar(url, "SELECT referral_code FROM users WHERE id = %s", (r,)) for r in referrers
        ]
        redeemer_ids = [make_user(db, email=email("redeemer")) for _ in range(redeemers)]
        attempts = [(u, codes[0]) for u in redeemer_ids] + [(u, codes[1]) for u in redeemer_ids]
        random.Random(3).shuffle(attempts)
        wins: Counter[uuid.UUID] = Counter()
        lock = threading.Lock()

        def work(n: int) -> None:
            for user_id, code in attempts[n::threads]:
                try:
                    db.system().run(
                        lambda conn, u=user_id, c=code: referral_flows.redeem_referral_code(
                            conn, user_id=u, code=c
                        )
                    )
                except errors.ReferralRejected as exc:
                    out.count(exc)
                    continue
                out.count()
                with lock:
                    wins[user_id] += 1

        _run_threads(threads, work)
        out.retries = db.retries
    out.check(all(n == 1 for n in wins.values()), "no user redeemed two codes successfully")
    with superuser(url) as conn:
        per_referrer = dict(
            conn.execute(  # type: ignore[arg-type]
                "SELECT referrer_id, count(*) FROM referrals WHERE referrer_id = ANY(%s)"
                " GROUP BY referrer_id",
                (referrers,),
            ).fetchall()
        )
        counted = dict(
            conn.execute(  # type: ignore[arg-type]
                "SELECT id, successful_referral_count FROM users WHERE id = ANY(%s)", (referrers,)
            ).fetchall()
        )
        referred_twice = conn.execute(
            "SELECT count(*) FROM (SELECT referred_id FROM referrals WHERE referred_id = ANY(%s)"
            " GROUP BY referred_id HAVING count(*) > 1) AS d",
            (redeemer_ids,),
        ).fetchone()
        rewards = dict(
            conn.execute(  # type: ignore[arg-type]
                "SELECT user_id, count(*) FROM credit_ledger WHERE reason = 'referral'"
                " AND user_id = ANY(%s) GROUP BY user_id",
                (referrers + redeemer_ids,),
            ).fetchall()
        )
    total = sum(per_referrer.values())
    out.check(referred_twice is not None and referred_twice[0] == 0, "nobody is referred twice")
    out.check(total == sum(wins.values()), "every reported success is recorded, nothing else")
    out.check(total == min(redeemers, 2 * MAX_REFERRALS), "no spurious refusal below the maximum")
    for referrer in referrers:
        n = per_referrer.get(referrer, 0)
        out.check(n <= MAX_REFERRALS, f"referrer has {n} <= {MAX_REFERRALS} referrals")
        out.check(counted[referrer] == n, "successful_referral_count matches the referrals")
        out.check(rewards.get(referrer, 0) == n, "the referrer is rewarded once per referral")
    for user_id in redeemer_ids:
        out.check(rewards.get(user_id, 0) == wins[user_id], "a referred user is rewarded once")
    _check_ledger(url, out, referrers + redeemer_ids)
    out.seconds = time.monotonic() - started
    return out


# -- webhooks ------------------------------------------------------------------------------------

_SUBSCRIPTION_STATES = ["incomplete", "trialing", "active", "past_due", "active", "canceled"]
_PAYMENT_STATES = ["requires_payment_method", "processing", "succeeded"]


def _webhook_events(user_id: uuid.UUID, tag: str) -> list[dict[str, Any]]:
    """A subscription's and a payment's life as Stripe would send it, oldest first."""
    base = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    events: list[dict[str, Any]] = []
    for k, status in enumerate(_SUBSCRIPTION_STATES):
        obj = {
            "id": f"sub_{tag}",
            "customer": f"cus_{tag}",
            "status": status,
            "quantity": k + 1,  # a different value per event: the winner is recognisable
            "current_period_start": 1_900_000_000,
            "current_period_end": 1_902_592_000,
            "metadata": {"user_id": str(user_id)},
        }
        events.append({"type": "customer.subscription.updated", "object": obj})
    for status in _PAYMENT_STATES:
        obj = {
            "id": f"pi_{tag}",
            "amount": 1999,
            "currency": "usd",
            "status": status,
            "metadata": {"user_id": str(user_id)},
        }
        events.append({"type": f"payment_intent.{status}", "object": obj})
    obj = {
        "id": f"ch_{tag}",
        "payment_intent": f"pi_{tag}",
        "amount": 1999,
        "amount_refunded": 500,
        "currency": "usd",
        "metadata": {"user_id": str(user_id)},
    }
    events.append({"type": "charge.refunded", "object": obj})
    for k, event in enumerate(events):
        event["id"] = f"evt_{tag}_{k}"
        event["occurred_at"] = base + datetime.timedelta(minutes=k)
        event["payload"] = {
            "id": event["id"],
            "type": event["type"],
            "data": {"object": event["object"]},
        }
    return events


def webhook_replay(
    url: str, *, threads: int = 16, subscriptions: int = 2, deliveries: int = 10
) -> Outcome:
    """Every event of a few subscriptions and payments delivered `deliveries` times, shuffled
    and concurrently: each event is recorded and processed once, each changes state at most
    once, and the final state is that of the newest event."""
    out = Outcome("webhook replay")
    started = time.monotonic()
    with _pool(url, min(threads, 16)) as db:
        user_id = make_user(db, email=email("billing"))
        tags = [uuid.uuid4().hex[:10] for _ in range(subscriptions)]
        events = [e for tag in tags for e in _webhook_events(user_id, tag)]
        deliveries_list = events * deliveries
        random.Random(4).shuffle(deliveries_list)
        applied: Counter[str] = Counter()
        lock = threading.Lock()

        def work(n: int) -> None:
            for event in deliveries_list[n::threads]:
                changed = db.system().run(
                    lambda conn, e=event: billing_flows.process_webhook_event(
                        conn,
                        provider="stripe",
                        event_id=e["id"],
                        event_type=e["type"],
                        occurred_at=e["occurred_at"],
                        payload=e["payload"],
                    )
                )
                out.count()
                with lock:
                    applied[event["id"]] += int(changed)

        _run_threads(threads, work)
        out.retries = db.retries
    out.check(all(n <= 1 for n in applied.values()), "each event changed state at most once")
    ids = [e["id"] for e in events]
    with superuser(url) as conn:
        recorded = conn.execute(
            "SELECT event_id, processed_at IS NOT NULL, attempts FROM webhook_events"
            " WHERE provider = 'stripe' AND event_id = ANY(%s)",
            (ids,),
        ).fetchall()
        subs = {
            row[0]: row[1:]
            for row in conn.execute(
                "SELECT provider_subscription_id, status::text, quantity, last_event_id, user_id"
                " FROM subscriptions WHERE provider_subscription_id = ANY(%s)",
                ([f"sub_{t}" for t in tags],),
            )
        }
        pays = {
            row[0]: row[1:]
            for row in conn.execute(
                "SELECT id, status::text, amount_refunded_cents, user_id FROM payments"
                " WHERE id = ANY(%s)",
                ([f"pi_{t}" for t in tags],),
            )
        }
    out.check(len(recorded) == len(ids), f"each event recorded once ({len(recorded)}/{len(ids)})")
    out.check(all(row[1] for row in recorded), "every event is marked processed")
    out.check(all(row[2] == 1 for row in recorded), "every event was processed exactly once")
    for tag in tags:
        last_sub = len(_SUBSCRIPTION_STATES) - 1
        out.check(
            subs.get(f"sub_{tag}") == ("canceled", last_sub + 1, f"evt_{tag}_{last_sub}", user_id),
            f"subscription sub_{tag} holds the newest event's state: {subs.get(f'sub_{tag}')}",
        )
        out.check(
            applied[f"evt_{tag}_{last_sub}"] == 1, "the newest subscription event was applied"
        )
        out.check(
            pays.get(f"pi_{tag}") == ("succeeded", 500, user_id),
            f"payment pi_{tag} holds the newest event's state (partial refund): {pays.get(f'pi_{tag}')}",
        )
    out.seconds = time.monotonic() - started
    return out


# -- daily counters ------------------------------------------------------------------------------


def daily_counters(
    url: str, *, threads: int = 32, users_count: int = 2, per_thread: int = 20
) -> Outcome:
    """IncrementDailyMessageCount from many threads: the final count equals the calls."""
    out = Outcome("daily message counters")
    started = time.monotonic()
    day = datetime.date(2030, 1, 1)  # explicit: a run across UTC midnight must not split
    with _pool(url, min(threads, 16)) as db:
        user_ids = [make_user(db, email=email("count")) for _ in range(users_count)]
        returned: dict[uuid.UUID, list[int]] = defaultdict(list)
        lock = threading.Lock()

        def work(n: int) -> None:
            for i in range(per_thread):
                user_id = user_ids[(n + i) % users_count]
                value = db.as_user(user_id).run(
                    lambda conn, u=user_id: usage.increment_daily_message_count(
                        conn, user_id=u, day=day
                    )
                )
                out.count()
                with lock:
                    returned[user_id].append(value or 0)

        _run_threads(threads, work)
        out.retries = db.retries
    with superuser(url) as conn:
        counts = dict(
            conn.execute(  # type: ignore[arg-type]
                "SELECT user_id, message_count FROM daily_usage WHERE day = %s"
                " AND user_id = ANY(%s)",
                (day, user_ids),
            ).fetchall()
        )
    for user_id in user_ids:
        calls = len(returned[user_id])
        out.check(counts.get(user_id) == calls, f"count {counts.get(user_id)} == {calls} calls")
        out.check(
            sorted(returned[user_id]) == list(range(1, calls + 1)),
            "each call saw a distinct new count (no lost or doubled increment)",
        )
    out.seconds = time.monotonic() - started
    return out


# -- tool executions -----------------------------------------------------------------------------

_RANK = {
    ToolExecutionStatus.PENDING: 0,
    ToolExecutionStatus.APPROVED: 1,
    ToolExecutionStatus.EXECUTING: 2,
    ToolExecutionStatus.COMPLETED: 3,
    ToolExecutionStatus.FAILED: 3,
    ToolExecutionStatus.CANCELLED: 3,
}
_ALLOWED = {
    ToolExecutionStatus.PENDING: {"approved", "cancelled", "failed"},
    ToolExecutionStatus.APPROVED: {"executing", "cancelled", "failed"},
    ToolExecutionStatus.EXECUTING: {"completed", "failed", "cancelled"},
}
_STAMP = {
    "approved": "approved_at",
    "executing": "started_at",
    "completed": "completed_at",
    "failed": "failed_at",
    "cancelled": "cancelled_at",
}


def tool_transitions(
    url: str, *, threads: int = 16, executions: int = 8, attempts_per_thread: int = 24
) -> Outcome:
    """Many threads try random transitions on the same executions at once: every success is
    a legal move, each step happens (and is stamped) once, and the stored state is the end of
    a legal path from pending."""
    out = Outcome("tool transitions")
    started = time.monotonic()
    targets = [s for s in ToolExecutionStatus if s is not ToolExecutionStatus.PENDING]
    with _pool(url, min(threads, 16)) as db:
        owner = make_user(db, email=email("tools"))
        chat_id = create_chat(db, owner, title="reliability").id
        ids = []
        with db.as_user(owner) as conn:
            for k in range(executions):
                row = tools.create_tool_execution(
                    conn,
                    chat_id=chat_id,
                    message_id=None,
                    tool_call_id=f"call-{k}",
                    tool_name="search",
                    arguments={"q": k},
                    requires_approval=True,
                )
                ids.append(row.id)
        moves: dict[uuid.UUID, list[ToolExecutionStatus]] = defaultdict(list)
        lock = threading.Lock()

        def work(n: int) -> None:
            rng = random.Random(100 + n)
            for _ in range(attempts_per_thread):
                execution_id = rng.choice(ids)
                to_status = rng.choice(targets)
                try:
                    row = db.as_user(owner).run(
                        lambda conn, i=execution_id, s=to_status: (
                            tool_flows.transition_tool_execution(
                                conn,
                                id=i,
                                to_status=s,
                                error="boom" if s is ToolExecutionStatus.FAILED else None,
                            )
                        )
                    )
                except errors.InvalidTransition as exc:
                    out.count(exc)
                    continue
                out.count()
                with lock:
                    moves[execution_id].append(row.status)

        _run_threads(threads, work)
        out.retries = db.retries
    with superuser(url) as conn:
        stored = {
            row[0]: row
            for row in conn.execute(
                "SELECT id, status::text, approved_at, started_at, completed_at, failed_at,"
                " cancelled_at FROM tool_executions WHERE id = ANY(%s)",
                (ids,),
            )
        }
    columns = ["approved_at", "started_at", "completed_at", "failed_at", "cancelled_at"]
    for execution_id in ids:
        path = sorted(moves[execution_id], key=lambda s: _RANK[s])
        out.check(len(set(path)) == len(path), f"each step applied once: {path}")
        previous = ToolExecutionStatus.PENDING
        for status in path:
            out.check(
                status.value in _ALLOWED.get(previous, set()),
                f"legal move {previous.value} -> {status.value}",
            )
            previous = status
        row = stored[execution_id]
        out.check(row[1] == previous.value, f"stored status {row[1]} is the end of {path}")
        stamps = dict(zip(columns, row[2:], strict=True))
        reached = {_STAMP[s.value] for s in path}
        for column in columns:
            out.check(
                (stamps[column] is not None) == (column in reached),
                f"{column} stamped exactly when its step happened",
            )
        times = [stamps[_STAMP[s.value]] for s in path]
        out.check(times == sorted(times), "steps are stamped in order")
    out.check(sum(len(v) for v in moves.values()) > 0, "some transitions succeeded")
    out.seconds = time.monotonic() - started
    return out


# -- a flow under backend termination ------------------------------------------------------------


def credits_under_terminate(
    url: str, *, threads: int = 8, calls: int = 160, kills: int = 4
) -> Outcome:
    """consume_credits through `scope.run` while every chatdb backend is terminated a few
    times: retried charges apply once (operation ids), none committed is lost or doubled, and
    the only failures are typed (DatabaseUnavailable / AmbiguousCommit)."""
    app_name = f"chatdb-rel-{uuid.uuid4().hex[:8]}"

    def terminate(conn: psycopg.Connection[Any]) -> None:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = %s AND pid <> pg_backend_pid()",
            (app_name,),
        )

    return _credits_under_fault(
        url,
        "credits under pg_terminate_backend",
        app_name,
        terminate,
        threads=threads,
        calls=calls,
        faults=kills,
        pause=0.15,
    )


def credits_under_restart(
    url: str | None = None, *, threads: int = 6, calls: int = 120, restarts: int = 1
) -> Outcome:
    """The credit flow under load while PostgreSQL is restarted (fast shutdown): on a cluster
    of its own (TempCluster: own data directory and port, this user), never the shared
    server, so `url` is unused. No committed charge is lost or doubled."""
    from support.servers import TempCluster, prepare_chatdb

    with TempCluster(name=f"restart-{uuid.uuid4().hex[:6]}") as cluster:
        own = prepare_chatdb(cluster.url())

        def restart(_conn: psycopg.Connection[Any] | None) -> None:
            cluster.restart("fast")

        return _credits_under_fault(
            own,
            "credits under postgres restart",
            f"chatdb-rel-{uuid.uuid4().hex[:8]}",
            restart,
            threads=threads,
            calls=calls,
            faults=restarts,
            pause=0.4,
            fault_conn=False,
        )


def _credits_under_fault(
    url: str,
    scenario: str,
    app_name: str,
    fault: Callable[[Any], None],
    *,
    threads: int,
    calls: int,
    faults: int,
    pause: float,
    fault_conn: bool = True,
) -> Outcome:
    out = Outcome(scenario)
    started = time.monotonic()
    db = Database(
        url,
        pool_min_size=1,
        pool_max_size=threads,
        pool_timeout_s=10.0,
        max_retries=10,
        retry_delay_ms=20,
        application_name=app_name,
    )
    try:
        user_id = make_user(db, email=email("kill"))
        amount = Decimal("0.25")  # calls * amount stays under the signup credits
        op_ids = [f"usage:{user_id}:{k}" for k in range(calls)]
        applied: Counter[str] = Counter()
        ambiguous: set[str] = set()
        lock = threading.Lock()
        stop = threading.Event()

        def killer() -> None:
            with contextlib.ExitStack() as stack:
                conn = stack.enter_context(superuser(url)) if fault_conn else None
                for _ in range(faults):
                    if stop.wait(pause):
                        return
                    fault(conn)

        def charge(conn: Any, op_id: str) -> credit_flows.CreditResult:
            result = credit_flows.consume_credits(
                conn, user_id=user_id, amount=amount, operation_id=op_id
            )
            conn.execute("SELECT pg_sleep(0.005)")  # keep transactions in flight, as in a request
            return result

        def work(n: int) -> None:
            for op_id in op_ids[n::threads]:
                for _ in range(5):  # an ambiguous commit is settled by calling again
                    try:
                        result = db.as_user(user_id).run(lambda conn, o=op_id: charge(conn, o))
                    except errors.AmbiguousCommit as exc:
                        out.count(exc)
                        with lock:
                            ambiguous.add(op_id)
                        continue
                    except errors.DatabaseUnavailable as exc:
                        out.count(exc)
                        continue
                    out.count()
                    with lock:
                        applied[op_id] += int(result.applied)
                    break

        kill_thread = threading.Thread(target=killer, daemon=True)
        kill_thread.start()
        try:
            _run_threads(threads, work)
        finally:
            stop.set()
            kill_thread.join(timeout=10)
        out.retries = db.retries
    finally:
        db.close()
    with superuser(url) as conn:
        recorded = {
            row[0]
            for row in conn.execute(
                "SELECT operation_id FROM credit_ledger WHERE user_id = %s AND reason = 'usage'",
                (user_id,),
            )
        }
        balance = conn.execute(
            "SELECT credit_balance FROM users WHERE id = %s", (user_id,)
        ).fetchone()
    _check_ledger(url, out, [user_id])
    out.check(all(n <= 1 for n in applied.values()), "no charge was applied twice")
    confirmed = set(applied)
    out.check(confirmed <= recorded, "every confirmed charge is in the ledger (none lost)")
    out.check(
        recorded <= confirmed | ambiguous,
        "every charge in the ledger was confirmed or reported ambiguous (nothing unexplained)",
    )
    out.check(
        balance is not None and balance[0] == SIGNUP_CREDITS - amount * len(recorded),
        "balance is signup minus each recorded charge once",
    )
    out.seconds = time.monotonic() - started
    return out


SCENARIOS: dict[str, Callable[..., Outcome]] = {
    "credits_threads": credits_threads,
    "credits_async": credits_async,
    "referral_race": referral_race,
    "webhook_replay": webhook_replay,
    "daily_counters": daily_counters,
    "tool_transitions": tool_transitions,
    "credits_under_terminate": credits_under_terminate,
    "credits_under_restart": credits_under_restart,
}
