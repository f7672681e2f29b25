"""flows.tools.transition_tool_execution: legal moves return the row, illegal ones raise
InvalidTransition naming both states and write nothing."""

from __future__ import annotations

import threading
import uuid

import pytest

from chatdb import Database, errors
from chatdb.flows.tools import transition_tool_execution
from chatdb.queries import tools
from chatdb.queries.enums import ToolExecutionStatus as S
from support.factories import make_chat, make_user


def new_execution(db: Database) -> tuple[uuid.UUID, uuid.UUID]:
    user = make_user(db)
    chat = make_chat(db, user)
    with db.as_user(user) as conn:
        row = tools.create_tool_execution(
            conn,
            chat_id=chat,
            message_id=None,
            tool_call_id=None,
            tool_name="search",
            arguments={},
            requires_approval=True,
        )
    return user, row.id


def test_transition_legal_moves_return_the_row(database: Database) -> None:
    user, id = new_execution(database)
    with database.as_user(user) as conn:
        approved = transition_tool_execution(conn, id=id, to_status=S.APPROVED)
        started = transition_tool_execution(conn, id=id, to_status="executing")
        done = transition_tool_execution(conn, id=id, to_status=S.COMPLETED, result={"n": 1})
    assert approved.approved_at is not None and started.started_at is not None
    assert done.status == S.COMPLETED and done.result == {"n": 1}


def test_transition_illegal_move_raises_naming_both_states(database: Database) -> None:
    user, id = new_execution(database)
    with pytest.raises(errors.InvalidTransition) as info, database.as_user(user) as conn:
        transition_tool_execution(conn, id=id, to_status=S.COMPLETED)
    assert info.value.from_state == "pending" and info.value.to_state == "completed"
    assert "pending" in str(info.value) and "completed" in str(info.value)
    assert info.value.constraint == "tool_executions_status_transition_check"
    with database.as_user(user) as conn:
        row = tools.get_tool_execution(conn, id=id)
    assert row is not None and row.status == S.PENDING


def test_transition_from_terminal_state_raises(database: Database) -> None:
    user, id = new_execution(database)
    with database.as_user(user) as conn:
        transition_tool_execution(conn, id=id, to_status=S.CANCELLED)
    with pytest.raises(errors.InvalidTransition) as info, database.as_user(user) as conn:
        transition_tool_execution(conn, id=id, to_status=S.APPROVED)
    assert (info.value.from_state, info.value.to_state) == ("cancelled", "approved")


def test_transition_missing_or_foreign_execution_is_not_found(database: Database) -> None:
    user, id = new_execution(database)
    other = make_user(database)
    with pytest.raises(errors.NotFoundError), database.as_user(user) as conn:
        transition_tool_execution(conn, id=uuid.uuid4(), to_status=S.APPROVED)
    with pytest.raises(errors.NotFoundError), database.as_user(other) as conn:
        transition_tool_execution(conn, id=id, to_status=S.APPROVED)


def test_transition_unknown_status_is_invalid_input(database: Database) -> None:
    user, id = new_execution(database)
    with pytest.raises(errors.InvalidInput), database.as_user(user) as conn:
        transition_tool_execution(conn, id=id, to_status="exploded")


def test_concurrent_approve_and_cancel_exactly_one_wins(database: Database) -> None:
    user, id = new_execution(database)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def attempt(to: S) -> None:
        barrier.wait()
        try:
            with database.as_user(user) as conn:
                outcomes[to.value] = transition_tool_execution(conn, id=id, to_status=to)
        except errors.InvalidTransition as exc:
            outcomes[to.value] = exc

    threads = [threading.Thread(target=attempt, args=(s,)) for s in (S.APPROVED, S.CANCELLED)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    errors_seen = [o for o in outcomes.values() if isinstance(o, errors.InvalidTransition)]
    # Either both moves are legal in some order (approved -> cancelled), or one lost.
    with database.as_user(user) as conn:
        final = tools.get_tool_execution(conn, id=id)
    assert final is not None
    if errors_seen:
        assert len(errors_seen) == 1
    else:
        assert final.status == S.CANCELLED
