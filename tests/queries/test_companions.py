"""companions.sql: companions, optimistic config updates, conversations and token burns."""

from __future__ import annotations

import threading
import uuid
from decimal import Decimal

import pytest

from chatdb import AsyncDatabase, Database, Page, errors
from chatdb.queries import companions, models
from chatdb.queries.aio import companions as aio_companions
from chatdb.queries.enums import MessageRole
from support.factories import count_rows, make_user
from support.logins import logins


def new_companion(db: Database, user: uuid.UUID, *, is_public: bool = False) -> models.Companion:
    with db.as_user(user) as conn:
        return companions.create_companion(
            conn,
            user_id=user,
            name="Ada",
            description=None,
            avatar_url=None,
            is_public=is_public,
            provider="openai",
            model=None,
            personality={"tone": "warm"},
            knowledge={},
            interaction={},
            tool_config={"approval": {"mode": "manual"}},
            tool_access=["search"],
        )


def test_create_and_get_companion(database: Database) -> None:
    user = make_user(database)
    made = new_companion(database, user)
    with database.as_user(user) as conn:
        got = companions.get_companion(conn, id=made.id)
        missing = companions.get_companion(conn, id=uuid.uuid4())
    assert got == made and made.version == 1 and made.tool_access == ["search"]
    assert missing is None


def test_get_companion_private_hidden_public_visible_to_others(database: Database) -> None:
    owner, other = make_user(database), make_user(database)
    private = new_companion(database, owner)
    public = new_companion(database, owner, is_public=True)
    with database.as_user(other) as conn:
        assert companions.get_companion(conn, id=private.id) is None
        assert companions.get_companion(conn, id=public.id) is not None


def test_create_companion_with_non_object_config_is_refused(database: Database) -> None:
    user = make_user(database)
    with pytest.raises(errors.CheckViolation) as info, database.as_user(user) as conn:
        companions.create_companion(
            conn,
            user_id=user,
            name="x",
            description=None,
            avatar_url=None,
            is_public=False,
            provider=None,
            model=None,
            personality=[],
            knowledge={},
            interaction={},
            tool_config={},
            tool_access=[],
        )
    assert info.value.constraint == "companions_config_check"


def update(
    db: Database, user: uuid.UUID, id: uuid.UUID, expected: int, **changes: object
) -> models.Companion | None:
    args: dict[str, object] = dict.fromkeys(
        (
            "provider",
            "model",
            "personality",
            "knowledge",
            "interaction",
            "tool_config",
            "tool_access",
        )
    )
    args.update(changes)
    with db.as_user(user) as conn:
        return companions.update_companion_config(conn, id=id, expected_version=expected, **args)  # type: ignore[arg-type]


def test_update_companion_config_only_with_the_current_version(database: Database) -> None:
    user = make_user(database)
    made = new_companion(database, user)
    updated = update(database, user, made.id, 1, personality={"tone": "dry"}, model="gpt")
    assert updated is not None and updated.version == 2
    assert updated.personality == {"tone": "dry"} and updated.model == "gpt"
    assert updated.knowledge == made.knowledge and updated.provider == made.provider  # NULL keeps
    # A second editor still holding version 1 loses and changes nothing.
    assert update(database, user, made.id, 1, personality={"tone": "loud"}) is None
    with database.as_user(user) as conn:
        current = companions.get_companion(conn, id=made.id)
    assert current is not None and current.personality == {"tone": "dry"} and current.version == 2


def test_update_companion_config_of_public_companion_by_other_user_changes_nothing(
    database: Database,
) -> None:
    owner, other = make_user(database), make_user(database)
    public = new_companion(database, owner, is_public=True)
    assert update(database, other, public.id, 1, model="hijacked") is None
    with database.as_user(owner) as conn:
        current = companions.get_companion(conn, id=public.id)
    assert current is not None and current.model is None and current.version == 1


def message(
    db: Database, user: uuid.UUID, companion: uuid.UUID, text: str
) -> models.CompanionMessage:
    with db.as_user(user) as conn:
        return companions.insert_companion_message(
            conn,
            companion_id=companion,
            user_id=user,
            role=MessageRole.USER,
            content=text,
            metadata={},
        )


def page_of(
    db: Database, user: uuid.UUID, companion: uuid.UUID, limit: int, cursor: object
) -> Page[models.CompanionMessage, object]:
    at, id = cursor if isinstance(cursor, tuple) else (None, None)
    with db.as_user(user) as conn:
        rows = companions.list_companion_messages(
            conn,
            companion_id=companion,
            user_id=user,
            before_created_at=at,
            before_id=id,
            page_size=limit,
        )
    return Page.from_rows(rows, limit, cursor=lambda m: (m.created_at, m.id))


def test_list_companion_messages_keyset_and_private_per_user(database: Database) -> None:
    owner, other = make_user(database), make_user(database)
    public = new_companion(database, owner, is_public=True)
    assert page_of(database, owner, public.id, 2, None).items == []
    sent = [message(database, owner, public.id, f"m{i}") for i in range(4)]
    theirs = message(database, other, public.id, "other's conversation")
    first = page_of(database, owner, public.id, 2, None)
    assert [m.content for m in first.items] == ["m3", "m2"] and first.has_more
    second = page_of(database, owner, public.id, 2, first.next_cursor)
    assert [m.content for m in second.items] == ["m1", "m0"] and not second.has_more
    assert page_of(database, owner, public.id, 4, None).has_more is False  # exactly limit
    assert page_of(database, owner, public.id, 3, None).has_more is True  # limit + 1
    assert {m.id for m in first.items + second.items} == {m.id for m in sent}
    # The other user sees their own conversation only, even when asking for the owner's.
    assert [m.id for m in page_of(database, other, public.id, 10, None).items] == [theirs.id]
    with database.as_user(other) as conn:
        assert (
            companions.list_companion_messages(
                conn,
                companion_id=public.id,
                user_id=owner,
                before_created_at=None,
                before_id=None,
                page_size=10,
            )
            == []
        )


def test_insert_companion_message_with_private_companion_of_another_user_is_refused(
    database: Database,
) -> None:
    owner, other = make_user(database), make_user(database)
    private = new_companion(database, owner)
    with pytest.raises(errors.PermissionDenied):
        message(database, other, private.id, "hi")


def burn(
    db: Database, user: uuid.UUID, companion: uuid.UUID, op: str, credits: str
) -> companions.RecordTokenBurnRow | None:
    with db.as_user(user) as conn:
        return companions.record_token_burn(
            conn,
            user_id=user,
            operation_id=op,
            # 150 tokens at credits * 1000 / 150 per 1k tokens cost `credits`.
            credits_per_1k_tokens=Decimal(credits) * 1000 / 150,
            companion_id=companion,
            companion_message_id=None,
            provider="openai",
            model="gpt",
            input_tokens=100,
            output_tokens=50,
        )


def balance(db: Database, user: uuid.UUID) -> Decimal:
    with db.system() as conn:
        row = conn.execute("SELECT credit_balance FROM users WHERE id = %s", (user,)).fetchone()
    assert row is not None
    value: Decimal = row[0]
    return value


def test_record_token_burn_charges_once_per_operation(database: Database) -> None:
    user = make_user(database)
    companion = new_companion(database, user)
    start = balance(database, user)
    op = f"burn:{uuid.uuid4()}"
    first = burn(database, user, companion.id, op, "1.5")
    assert first is not None and first.credits == Decimal("1.5")
    assert first.balance_after == start - Decimal("1.5") == balance(database, user)
    assert burn(database, user, companion.id, op, "1.5") is None  # retried: charged once
    assert balance(database, user) == start - Decimal("1.5")
    assert (
        count_rows(database, "companion_token_burns", "ledger_operation_id = %(o)s", {"o": op}) == 1
    )


def test_record_token_burn_beyond_balance_raises_and_writes_nothing(database: Database) -> None:
    user = make_user(database)
    companion = new_companion(database, user)
    start = balance(database, user)
    op = f"burn:{uuid.uuid4()}"
    with pytest.raises(errors.InsufficientCredits):
        burn(database, user, companion.id, op, str(start + 1))
    assert balance(database, user) == start
    assert count_rows(database, "credit_ledger", "operation_id = %(o)s", {"o": op}) == 0
    assert (
        count_rows(database, "companion_token_burns", "ledger_operation_id = %(o)s", {"o": op}) == 0
    )


def test_record_token_burn_zero_credits_or_bad_operation_id_is_refused(database: Database) -> None:
    user = make_user(database)
    companion = new_companion(database, user)
    # A zero amount: the app role's ledger policy (spend only, amount < 0) refuses it first.
    with pytest.raises(errors.PermissionDenied):
        burn(database, user, companion.id, f"burn:{uuid.uuid4()}", "0")
    with pytest.raises(errors.CheckViolation) as info:
        burn(database, user, companion.id, "no colon", "1")
    assert info.value.constraint == "credit_ledger_operation_id_check"


async def test_async_companion_round_trip(
    database: Database, async_database: AsyncDatabase
) -> None:
    user = make_user(database)
    made = new_companion(database, user)
    async with async_database.as_user(user) as conn:
        got = await aio_companions.get_companion(conn, id=made.id)
        msg = await aio_companions.insert_companion_message(
            conn,
            companion_id=made.id,
            user_id=user,
            role=MessageRole.ASSISTANT,
            content="hello",
            metadata={"emotion": "joy"},
        )
        listed = await aio_companions.list_companion_messages(
            conn,
            companion_id=made.id,
            user_id=user,
            before_created_at=None,
            before_id=None,
            page_size=5,
        )
    assert got == made and [m.id for m in listed] == [msg.id]
    assert (msg.input_tokens, msg.output_tokens) == (0, 0)
    async with async_database.system() as conn:  # token counts: recorded by a system flow
        used = await aio_companions.record_companion_message_usage(
            conn, id=msg.id, input_tokens=3, output_tokens=4
        )
    assert (used.input_tokens, used.output_tokens) == (3, 4)
    with pytest.raises(errors.PermissionDenied), database.as_user(user) as sync_conn:
        companions.record_companion_message_usage(
            sync_conn, id=msg.id, input_tokens=0, output_tokens=0
        )


def test_update_companion_config_by_concurrent_editors_lets_exactly_one_win(db_url: str) -> None:
    with Database(**logins(db_url), pool_min_size=1, pool_max_size=6) as db:
        user = make_user(db)
        made = new_companion(db, user)
        start = threading.Barrier(6)
        results: list[models.Companion | None] = []
        lock = threading.Lock()

        def edit(n: int) -> None:
            start.wait()
            row = update(db, user, made.id, made.version, personality={"tone": f"editor {n}"})
            with lock:
                results.append(row)

        threads = [threading.Thread(target=edit, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        winners = [r for r in results if r is not None]
        assert len(results) == 6 and len(winners) == 1
        with db.as_user(user) as conn:
            current = companions.get_companion(conn, id=made.id)
    assert current is not None and current.version == made.version + 1
    assert current.personality == winners[0].personality


def test_record_token_burn_charges_the_stated_rate_rounded_up_to_a_micro_credit(
    database: Database,
) -> None:
    user = make_user(database)
    companion = new_companion(database, user)
    with database.as_user(user) as conn:
        row = companions.record_token_burn(
            conn, user_id=user, operation_id=f"burn:{uuid.uuid4()}", companion_id=companion.id,
            input_tokens=1000, output_tokens=234, credits_per_1k_tokens=Decimal("0.5"),
        )  # fmt: skip
        tiny = companions.record_token_burn(
            conn, user_id=user, operation_id=f"burn:{uuid.uuid4()}", companion_id=companion.id,
            input_tokens=1, output_tokens=0, credits_per_1k_tokens=Decimal("0.0001"),
        )  # fmt: skip
    assert row is not None and (row.credits, row.credits_per_1k_tokens) == (
        Decimal("0.617"),
        Decimal("0.5"),
    )
    assert tiny is not None and tiny.credits == Decimal("0.000001")


def test_a_burn_off_its_rate_is_refused_whoever_writes_it(database: Database) -> None:
    user = make_user(database)
    companion = new_companion(database, user)
    with pytest.raises(errors.CheckViolation) as info, database.system() as conn:
        conn.execute(
            "INSERT INTO companion_token_burns (companion_id, user_id, ledger_operation_id,"
            " input_tokens, output_tokens, credits, credits_per_1k_tokens)"
            " VALUES (%s, %s, %s, 1000, 0, 2, 1)",
            (companion.id, user, f"burn:{uuid.uuid4()}"),
        )
    assert info.value.constraint == "companion_token_burns_rate_check"
    with pytest.raises(errors.CheckViolation), database.system() as conn:
        conn.execute(
            "INSERT INTO companion_token_burns (companion_id, user_id, ledger_operation_id,"
            " input_tokens, output_tokens, credits) VALUES (%s, %s, %s, 1000, 0, 1)",
            (companion.id, user, f"burn:{uuid.uuid4()}"),
        )
