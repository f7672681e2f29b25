"""grant_credits / consume_credits: idempotent by operation id, typed refusals that write
nothing, and exact under concurrency (threads and asyncio)."""

from __future__ import annotations

import asyncio
import random
import threading
import uuid
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from functools import partial

import pytest

from chatdb import AsyncDatabase, Database, errors
from chatdb.flows.aio import credits as async_credits
from chatdb.flows.credits import CreditResult, consume_credits, grant_credits
from chatdb.queries import credits
from chatdb.queries.enums import CreditReason
from support.factories import balance, ledger_sum, make_user, op
from support.logins import logins


def test_grant_then_consume_moves_the_balance(database: Database) -> None:
    user = make_user(database)
    start = balance(database, user)
    with database.system() as conn:
        granted = grant_credits(
            conn,
            user_id=user,
            amount=Decimal("10"),
            operation_id=op("promo"),
            reason=CreditReason.PROMOTION,
            metadata={"campaign": "launch"},
        )
    with database.as_user(user) as conn:
        spent = consume_credits(conn, user_id=user, amount=Decimal("2.5"), operation_id=op("msg"))
    assert granted.applied and granted.balance_after == start + 10
    assert granted.entry.metadata == {"campaign": "launch"}
    assert spent.applied and spent.entry.amount == Decimal("-2.5")
    assert spent.balance_after == start + Decimal("7.5") == balance(database, user)


def test_consume_with_another_users_operation_id_is_permission_denied(
    database: Database,
) -> None:
    alice, bob = make_user(database), make_user(database)
    operation = op("msg")
    with database.as_user(alice) as conn:
        consume_credits(conn, user_id=alice, amount=Decimal("1"), operation_id=operation)
    with pytest.raises(errors.PermissionDenied) as info, database.as_user(bob) as conn:
        consume_credits(conn, user_id=bob, amount=Decimal("1"), operation_id=operation)
    assert str(alice) not in str(info.value)
    with pytest.raises(errors.PermissionDenied), database.as_user(bob) as conn:
        consume_credits(conn, user_id=alice, amount=Decimal("1"), operation_id=operation)


def test_retried_consume_charges_once_and_returns_the_first_result(database: Database) -> None:
    user = make_user(database)
    operation = op("msg")
    with database.as_user(user) as conn:
        first = consume_credits(conn, user_id=user, amount=Decimal("1"), operation_id=operation)
        consume_credits(conn, user_id=user, amount=Decimal("3"), operation_id=op("msg"))
        again = consume_credits(conn, user_id=user, amount=Decimal("1"), operation_id=operation)
    assert first.applied and not again.applied
    assert again.entry == first.entry and again.balance_after == first.balance_after
    assert balance(database, user) == first.balance_after - 3 == ledger_sum(database, user)


def test_retried_grant_in_a_new_transaction_returns_the_first_result(database: Database) -> None:
    user = make_user(database)
    operation = op("stripe")
    results = []
    for _ in range(3):
        with database.system() as conn:
            results.append(
                grant_credits(
                    conn,
                    user_id=user,
                    amount=5,
                    operation_id=operation,
                    reason=CreditReason.PURCHASE,
                )
            )
    assert [r.applied for r in results] == [True, False, False]
    assert len({r.entry.id for r in results}) == 1


def test_retry_after_the_balance_dropped_still_returns_the_first_result(database: Database) -> None:
    user = make_user(database)
    operation = op("msg")
    with database.as_user(user) as conn:
        first = consume_credits(conn, user_id=user, amount=Decimal("1"), operation_id=operation)
        rest = balance(database, user)
        consume_credits(conn, user_id=user, amount=first.balance_after, operation_id=op("msg"))
        again = consume_credits(conn, user_id=user, amount=Decimal("1"), operation_id=operation)
    assert rest >= 0 and not again.applied and again.entry.id == first.entry.id
    assert balance(database, user) == 0


def test_consuming_more_than_the_balance_raises_and_writes_nothing(database: Database) -> None:
    user = make_user(database)
    start = balance(database, user)
    operation = op("msg")
    with database.as_user(user) as conn:
        with pytest.raises(errors.InsufficientCredits) as caught:
            consume_credits(conn, user_id=user, amount=start + 1, operation_id=operation)
        # The savepoint kept the caller's transaction usable.
        assert credits.get_ledger_entry_by_operation_id(conn, operation_id=operation) is None
    assert caught.value.constraint == "users_credit_balance_nonnegative_check"
    assert balance(database, user) == start == ledger_sum(database, user)
    with database.as_user(user) as conn:  # the same id may be used once the balance suffices
        assert consume_credits(conn, user_id=user, amount=start, operation_id=operation).applied


@pytest.mark.parametrize(
    "amount",
    [
        Decimal(0),
        Decimal(-1),
        -5,
        0.5,
        True,
        Decimal("NaN"),
        Decimal("Infinity"),
        Decimal("0.0000001"),
        Decimal("1e15"),
        "10",
    ],
)
def test_bad_amounts_raise_invalid_input_and_write_nothing(
    database: Database, amount: object
) -> None:
    user = make_user(database)
    start = balance(database, user)
    with database.system() as conn:
        with pytest.raises(errors.InvalidInput) as caught:
            grant_credits(
                conn,
                user_id=user,
                amount=amount,  # type: ignore[arg-type]  # deliberately wrong types
                operation_id=op("promo"),
                reason=CreditReason.PROMOTION,
            )
        with pytest.raises(errors.InvalidInput):
            consume_credits(conn, user_id=user, amount=amount, operation_id=op("msg"))  # type: ignore[arg-type]
    assert caught.value.column == "amount"
    assert balance(database, user) == start


def test_amount_with_six_decimals_and_trailing_zeros_is_accepted(database: Database) -> None:
    user = make_user(database)
    with database.as_user(user) as conn:
        result = consume_credits(
            conn, user_id=user, amount=Decimal("0.1234560000"), operation_id=op("msg")
        )
    assert result.entry.amount == Decimal("-0.123456")


def test_wrong_reason_or_operation_id_is_invalid_input(database: Database) -> None:
    user = make_user(database)
    with database.system() as conn:
        with pytest.raises(errors.InvalidInput):
            grant_credits(
                conn, user_id=user, amount=1, operation_id=op("x"), reason=CreditReason.USAGE
            )
        with pytest.raises(errors.InvalidInput):
            consume_credits(
                conn, user_id=user, amount=1, operation_id=op("x"), reason=CreditReason.PURCHASE
            )
        with pytest.raises(errors.InvalidInput):
            consume_credits(conn, user_id=user, amount=1, operation_id="")
        with pytest.raises(errors.CheckViolation):  # the schema's format check
            consume_credits(conn, user_id=user, amount=1, operation_id="no-colon")


def test_operation_id_reused_for_another_amount_or_user_is_a_conflict(database: Database) -> None:
    user, other = make_user(database), make_user(database)
    operation = op("msg")
    with database.system() as conn:
        consume_credits(conn, user_id=user, amount=1, operation_id=operation)
        with pytest.raises(errors.ConflictError):
            consume_credits(conn, user_id=user, amount=2, operation_id=operation)
        with pytest.raises(errors.ConflictError):
            consume_credits(conn, user_id=other, amount=1, operation_id=operation)
    # Under RLS another user's operation id is not even a conflict to learn about.
    with pytest.raises(errors.PermissionDenied), database.as_user(other) as conn:
        consume_credits(conn, user_id=other, amount=1, operation_id=operation)


def test_unknown_user_is_not_found(database: Database) -> None:
    with pytest.raises(errors.NotFoundError), database.system() as conn:
        grant_credits(
            conn,
            user_id=uuid.uuid4(),
            amount=1,
            operation_id=op("p"),
            reason=CreditReason.PROMOTION,
        )


def test_app_role_cannot_grant(database: Database) -> None:
    user = make_user(database)
    with pytest.raises(errors.PermissionDenied), database.as_user(user) as conn:
        grant_credits(
            conn, user_id=user, amount=1, operation_id=op("p"), reason=CreditReason.PROMOTION
        )


def test_app_role_cannot_consume_another_users_credits(database: Database) -> None:
    user, other = make_user(database), make_user(database)
    start = balance(database, user)
    with pytest.raises(errors.PermissionDenied), database.as_user(other) as conn:
        consume_credits(conn, user_id=user, amount=1, operation_id=op("msg"))
    assert balance(database, user) == start


# -- concurrency ---------------------------------------------------------------------------

THREADS = 24
OPS_PER_THREAD = 30


@pytest.fixture
def busy_db(db_url: str) -> Iterator[Database]:
    with Database(**logins(db_url), pool_min_size=4, pool_max_size=THREADS) as db:
        yield db


def _plan(users: list[uuid.UUID], seed: int) -> list[tuple[str, uuid.UUID, str, Decimal]]:
    """A pool of operations (kind, user, operation id, amount), each id with one amount."""
    rng = random.Random(seed)
    plan = []
    for i in range(60):
        kind = "grant" if i % 3 == 0 else "consume"
        amount = Decimal(rng.randint(1, 4000)) / 100
        namespace = "grant" if kind == "grant" else "usage"  # an app namespace for spends
        plan.append((kind, rng.choice(users), f"{namespace}:{seed}:{i}", amount))
    return plan


def _check(
    db: Database,
    users: list[uuid.UUID],
    plan: list[tuple[str, uuid.UUID, str, Decimal]],
    outcomes: dict[str, list[CreditResult | None]],
) -> None:
    with db.system() as conn:
        for user in users:
            value = credits.get_credit_balance(conn, user_id=user)
            assert value is not None and value >= 0
            assert value == credits.sum_ledger_amounts(conn, user_id=user)
        for _kind, _user, operation, _amount in plan:
            entry = credits.get_ledger_entry_by_operation_id(conn, operation_id=operation)
            results = [r for r in outcomes[operation] if r is not None]
            applied = [r for r in results if r.applied]
            if entry is None:
                assert results == []
            else:
                assert len(applied) == 1, operation  # applied exactly once
                assert {r.entry.id for r in results} == {entry.id}  # everyone got the first result
        count = conn.execute(
            "SELECT count(*), count(DISTINCT operation_id) FROM credit_ledger WHERE user_id = ANY(%s)",
            (users,),
        ).fetchone()
    assert count is not None and count[0] == count[1]
    # The run did exercise retries of applied operations.
    assert any(r is not None and not r.applied for v in outcomes.values() for r in v)


def test_concurrent_grants_and_consumes_stay_exact(busy_db: Database) -> None:
    users = [make_user(busy_db) for _ in range(2)]
    plan = _plan(users, seed=1)
    outcomes: dict[str, list[CreditResult | None]] = defaultdict(list)
    lock = threading.Lock()
    failures: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def worker(n: int) -> None:
        rng = random.Random(n)
        start.wait()
        for _ in range(OPS_PER_THREAD):
            kind, user, operation, amount = rng.choice(plan)
            result: CreditResult | None = None
            try:
                if kind == "grant":
                    result = busy_db.system().run(
                        partial(
                            grant_credits,
                            user_id=user,
                            amount=amount,
                            operation_id=operation,
                            reason=CreditReason.PURCHASE,
                        )
                    )
                else:
                    result = busy_db.as_user(user).run(
                        partial(
                            consume_credits, user_id=user, amount=amount, operation_id=operation
                        )
                    )
            except errors.InsufficientCredits:
                pass
            except BaseException as exc:
                failures.append(exc)
            with lock:
                outcomes[operation].append(result)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert sum(len(v) for v in outcomes.values()) == THREADS * OPS_PER_THREAD
    _check(busy_db, users, plan, outcomes)


async def test_concurrent_async_grants_and_consumes_stay_exact(db_url: str) -> None:
    tasks_n = 20
    async with AsyncDatabase(**logins(db_url), pool_min_size=2, pool_max_size=tasks_n) as adb:
        with Database(**logins(db_url), pool_min_size=1, pool_max_size=2) as db:
            users = [make_user(db) for _ in range(2)]
            plan = _plan(users, seed=2)
            outcomes: dict[str, list[CreditResult | None]] = defaultdict(list)

            async def worker(n: int) -> None:
                rng = random.Random(100 + n)
                for _ in range(15):
                    kind, user, operation, amount = rng.choice(plan)
                    result: CreditResult | None = None
                    try:
                        if kind == "grant":
                            async with adb.system() as conn:
                                result = await async_credits.grant_credits(
                                    conn,
                                    user_id=user,
                                    amount=amount,
                                    operation_id=operation,
                                    reason=CreditReason.PURCHASE,
                                )
                        else:
                            async with adb.as_user(user) as conn:
                                result = await async_credits.consume_credits(
                                    conn, user_id=user, amount=amount, operation_id=operation
                                )
                    except errors.InsufficientCredits:
                        pass
                    outcomes[operation].append(result)

            await asyncio.gather(*(worker(n) for n in range(tasks_n)))
            _check(db, users, plan, outcomes)


async def test_async_consume_over_balance_raises(
    database: Database, async_database: AsyncDatabase
) -> None:
    user = make_user(database)
    start = balance(database, user)
    async with async_database.as_user(user) as conn:
        with pytest.raises(errors.InsufficientCredits):
            await async_credits.consume_credits(
                conn, user_id=user, amount=start + 1, operation_id=op("msg")
            )
        again = await async_credits.consume_credits(
            conn, user_id=user, amount=1, operation_id=op("msg")
        )
    assert again.applied and balance(database, user) == start - 1
