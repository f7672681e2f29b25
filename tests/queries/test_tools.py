"""tools.sql: tool executions, their state machine and stats, as the chat's owner."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import pytest

from chatdb import AsyncDatabase, Database, errors
from chatdb.queries import models, tools
from chatdb.queries.aio import tools as aio_tools
from chatdb.queries.enums import ToolExecutionStatus as S
from support.factories import make_chat, make_message, make_user

LONG_AGO = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def create(
    db: Database,
    user: uuid.UUID,
    chat: uuid.UUID,
    *,
    tool_call_id: str | None = None,
    requires_approval: bool = True,
    tool_name: str = "search",
) -> models.ToolExecution:
    with db.as_user(user) as conn:
        return tools.create_tool_execution(
            conn,
            chat_id=chat,
            message_id=None,
            tool_call_id=tool_call_id,
            tool_name=tool_name,
            arguments={"q": "weather"},
            requires_approval=requires_approval,
        )


def move(
    db: Database, user: uuid.UUID, id: uuid.UUID, to: S, **kw: object
) -> models.ToolExecution | None:
    cost = kw.pop("cost", None)
    args: dict[str, object] = {"result": None, "error": None, "execution_ms": None}
    args.update(kw)
    with db.as_user(user) as conn:
        moved = tools.transition_tool_execution(conn, id=id, to_status=to, **args)  # type: ignore[arg-type]
    if moved is None or cost is None:
        return moved
    with db.system() as conn:  # the cost is billing data: the system records it
        return tools.record_tool_execution_cost(conn, id=id, cost=cost)  # type: ignore[arg-type]


def test_tool_cost_is_recorded_by_the_system_not_the_app(database: Database) -> None:
    user = make_user(database)
    row = create(database, user, make_chat(database, user))
    with pytest.raises(errors.PermissionDenied), database.as_user(user) as conn:
        tools.record_tool_execution_cost(conn, id=row.id, cost=Decimal("0"))
    with database.system() as conn:
        billed = tools.record_tool_execution_cost(conn, id=row.id, cost=Decimal("1.5"))
    with pytest.raises(errors.NotFoundError), database.system() as conn:
        tools.record_tool_execution_cost(conn, id=uuid.uuid4(), cost=Decimal(1))
    assert billed.cost == Decimal("1.5") and billed.status == row.status


def test_create_tool_execution_pending_or_auto_approved(database: Database) -> None:
    user = make_user(database)
    chat = make_chat(database, user)
    message = make_message(database, chat)
    with database.as_user(user) as conn:
        pending = tools.create_tool_execution(
            conn,
            chat_id=chat,
            message_id=message,
            tool_call_id="call_1",
            tool_name="search",
            arguments={"q": "x"},
            requires_approval=True,
        )
    auto = create(database, user, chat, requires_approval=False)
    assert pending.status == S.PENDING and pending.approved_at is None
    assert pending.message_id == message and pending.arguments == {"q": "x"}
    assert auto.status == S.APPROVED and auto.approved_at is not None


def test_create_tool_execution_replayed_call_returns_first_row(database: Database) -> None:
    user = make_user(database)
    chat = make_chat(database, user)
    first = create(database, user, chat, tool_call_id="call_dup", tool_name="search")
    again = create(database, user, chat, tool_call_id="call_dup", tool_name="other")
    assert again.id == first.id and again.tool_name == "search"


def test_create_tool_execution_with_bad_arguments_is_a_check_violation(database: Database) -> None:
    user = make_user(database)
    chat = make_chat(database, user)
    with pytest.raises(errors.CheckViolation) as info, database.as_user(user) as conn:
        tools.create_tool_execution(
            conn,
            chat_id=chat,
            message_id=None,
            tool_call_id=None,
            tool_name="search",
            arguments=[1, 2],
            requires_approval=True,
        )
    assert info.value.constraint == "tool_executions_arguments_check"


def test_transition_full_life_cycle_stamps_each_step(database: Database) -> None:
    user = make_user(database)
    chat = make_chat(database, user)
    row = create(database, user, chat)
    approved = move(database, user, row.id, S.APPROVED)
    executing = move(database, user, row.id, S.EXECUTING)
    done = move(database, user, row.id, S.COMPLETED, result={"ok": True}, cost=Decimal("0.25"))
    assert approved is not None and approved.approved_at is not None
    assert executing is not None and executing.started_at is not None
    assert done is not None and done.status == S.COMPLETED and done.completed_at is not None
    assert done.result == {"ok": True} and done.cost == Decimal("0.25")
    assert done.execution_ms is not None and done.execution_ms >= 0


@pytest.mark.parametrize(
    ("path", "to"),
    [
        ([], S.EXECUTING),  # pending -> executing skips approval
        ([], S.COMPLETED),
        ([], S.PENDING),
        ([S.APPROVED], S.APPROVED),  # same state is not a move
        ([S.APPROVED, S.EXECUTING, S.COMPLETED], S.FAILED),  # terminal
        ([S.CANCELLED], S.APPROVED),
    ],
)
def test_transition_illegal_move_returns_no_row_and_changes_nothing(
    database: Database, path: list[S], to: S
) -> None:
    user = make_user(database)
    chat = make_chat(database, user)
    row = create(database, user, chat)
    for step in path:
        assert move(database, user, row.id, step) is not None
    assert move(database, user, row.id, to, error="boom") is None
    with database.as_user(user) as conn:
        after = tools.get_tool_execution(conn, id=row.id)
    assert after is not None and after.status == (path[-1] if path else S.PENDING)
    assert after.error is None


def test_transition_to_failed_without_error_is_refused(database: Database) -> None:
    user = make_user(database)
    chat = make_chat(database, user)
    row = create(database, user, chat)
    with pytest.raises(errors.CheckViolation) as info:
        move(database, user, row.id, S.FAILED)
    assert info.value.constraint == "tool_executions_error_check"
    failed = move(database, user, row.id, S.FAILED, error="timed out")
    assert failed is not None and failed.failed_at is not None and failed.error == "timed out"


def test_transition_of_another_users_execution_returns_no_row(database: Database) -> None:
    owner, other = make_user(database), make_user(database)
    chat = make_chat(database, owner)
    row = create(database, owner, chat)
    assert move(database, other, row.id, S.APPROVED) is None
    with database.as_user(other) as conn:
        assert tools.get_tool_execution(conn, id=row.id) is None
    with database.as_user(owner) as conn:
        after = tools.get_tool_execution(conn, id=row.id)
    assert after is not None and after.status == S.PENDING


def test_list_pending_tool_executions_is_the_approval_queue(database: Database) -> None:
    user, other = make_user(database), make_user(database)
    chat = make_chat(database, user)
    with database.as_user(user) as conn:
        assert tools.list_pending_tool_executions(conn, chat_id=chat) == []
    a = create(database, user, chat)
    b = create(database, user, chat)
    create(database, user, chat, requires_approval=False)
    c = create(database, user, chat)
    move(database, user, c.id, S.CANCELLED)
    with database.as_user(user) as conn:
        pending = tools.list_pending_tool_executions(conn, chat_id=chat)
    with database.as_user(other) as conn:
        hidden = tools.list_pending_tool_executions(conn, chat_id=chat)
    assert {p.id for p in pending} == {a.id, b.id}
    assert [p.created_at for p in pending] == sorted(p.created_at for p in pending)
    assert hidden == []


def test_tool_usage_stats_per_tool_since(database: Database) -> None:
    user, other = make_user(database), make_user(database)
    chat = make_chat(database, user)
    with database.as_user(user) as conn:
        assert tools.tool_usage_stats(conn, user_id=user, since=LONG_AGO) == []
    s1 = create(database, user, chat, tool_name="search", requires_approval=False)
    move(database, user, s1.id, S.EXECUTING)
    move(database, user, s1.id, S.COMPLETED, execution_ms=100, cost=Decimal("0.10"))
    s2 = create(database, user, chat, tool_name="search", requires_approval=False)
    move(database, user, s2.id, S.EXECUTING)
    move(database, user, s2.id, S.FAILED, error="x", execution_ms=300, cost=Decimal("0.05"))
    create(database, user, chat, tool_name="calc")
    with database.as_user(user) as conn:
        stats = tools.tool_usage_stats(conn, user_id=user, since=LONG_AGO)
        future = tools.tool_usage_stats(
            conn, user_id=user, since=datetime.datetime.now(datetime.UTC) + datetime.timedelta(1)
        )
    with database.as_user(other) as conn:
        theirs = tools.tool_usage_stats(conn, user_id=user, since=LONG_AGO)
    assert [(s.tool_name, s.calls, s.completed, s.failed) for s in stats] == [
        ("search", 2, 1, 1),
        ("calc", 1, 0, 0),
    ]
    assert stats[0].avg_execution_ms == 200.0 and stats[0].total_cost == Decimal("0.15")
    assert stats[1].avg_execution_ms == 0 and stats[1].total_cost == 0
    assert future == [] and theirs == []


async def test_async_create_and_transition(
    database: Database, async_database: AsyncDatabase
) -> None:
    user = make_user(database)
    chat = make_chat(database, user)
    async with async_database.as_user(user) as conn:
        made = await aio_tools.create_tool_execution(
            conn,
            chat_id=chat,
            message_id=None,
            tool_call_id="a1",
            tool_name="search",
            arguments={},
            requires_approval=True,
        )
        moved = await aio_tools.transition_tool_execution(
            conn,
            id=made.id,
            to_status=S.CANCELLED,
            result=None,
            error=None,
            execution_ms=None,
        )
        queue = await aio_tools.list_pending_tool_executions(conn, chat_id=chat)
    assert moved is not None and moved.cancelled_at is not None
    assert queue == []
