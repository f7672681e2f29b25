"""tool_executions: the status state machine every writer obeys, step stamps, checks;
context_optimizations checks."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from .helpers import APP, acting, expect_error, insert, new_chat, new_user, one

LEGAL = {
    "pending": {"approved", "cancelled", "failed"},
    "approved": {"executing", "cancelled", "failed"},
    "executing": {"completed", "failed", "cancelled"},
    "completed": set(),
    "failed": set(),
    "cancelled": set(),
}
PATH_TO = {
    "pending": [],
    "approved": ["approved"],
    "executing": ["approved", "executing"],
    "completed": ["approved", "executing", "completed"],
    "failed": ["failed"],
    "cancelled": ["cancelled"],
}
STAMP = {
    "approved": "approved_at",
    "executing": "started_at",
    "completed": "completed_at",
    "failed": "failed_at",
    "cancelled": "cancelled_at",
}


def execution_in(conn: psycopg.Connection, status: str) -> uuid.UUID:
    chat = new_chat(conn, new_user(conn))
    execution: uuid.UUID = insert(conn, "tool_executions", chat_id=chat, tool_name="search")
    for step in PATH_TO[status]:
        conn.execute(
            "UPDATE tool_executions SET status = %s, error = coalesce(error, 'boom') WHERE id = %s",
            (step, execution),
        )
    return execution


@pytest.mark.parametrize(
    ("source", "target"),
    [(s, t) for s in LEGAL for t in LEGAL if s != t],
)
def test_every_transition_is_allowed_or_rejected_naming_both_states(
    conn: psycopg.Connection, source: str, target: str
) -> None:
    execution = execution_in(conn, source)
    move = "UPDATE tool_executions SET status = %s, error = 'boom' WHERE id = %s RETURNING status"
    if target in LEGAL[source]:
        assert one(conn, move, (target, execution)) == target
        assert one(
            conn,
            f"SELECT {STAMP[target]} IS NOT NULL FROM tool_executions WHERE id = %s",
            (execution,),
        )
    else:
        error = expect_error(
            conn,
            move,
            (target, execution),
            constraint="tool_executions_status_transition_check",
            sqlstate="23514",
        )
        assert (
            error.diag.message_primary
            == f"illegal tool execution transition from {source} to {target}"
        )
        assert error.diag.table_name == "tool_executions"
        assert error.diag.column_name == "status"


def test_a_conditional_transition_returns_no_row_when_illegal(conn: psycopg.Connection) -> None:
    # TransitionToolExecution moves only from an allowed state: WHERE status = ANY(allowed).
    execution = execution_in(conn, "completed")
    rows = conn.execute(
        "UPDATE tool_executions SET status = 'executing' WHERE id = %s AND status = ANY('{approved}') RETURNING id",
        (execution,),
    ).fetchall()
    assert rows == []


def test_new_executions_start_pending_or_auto_approved(conn: psycopg.Connection) -> None:
    chat = new_chat(conn, new_user(conn))
    pending = insert(conn, "tool_executions", chat_id=chat, tool_name="search")
    approved = insert(
        conn,
        "tool_executions",
        chat_id=chat,
        tool_name="search",
        status="approved",
        requires_approval=False,
    )
    assert one(conn, "SELECT approved_at IS NULL FROM tool_executions WHERE id = %s", (pending,))
    assert one(
        conn, "SELECT approved_at IS NOT NULL FROM tool_executions WHERE id = %s", (approved,)
    )
    error = expect_error(
        conn,
        "INSERT INTO tool_executions (chat_id, tool_name, status) VALUES (%s, 'x', 'completed')",
        (chat,),
        constraint="tool_executions_status_transition_check",
    )
    assert error.diag.message_primary == "illegal tool execution transition from new to completed"


def test_updates_that_keep_the_status_are_not_transitions(conn: psycopg.Connection) -> None:
    execution = execution_in(conn, "completed")
    conn.execute(
        "UPDATE tool_executions SET cost = 0.5, result = '{\"ok\": true}' WHERE id = %s",
        (execution,),
    )
    conn.execute("UPDATE tool_executions SET status = 'completed' WHERE id = %s", (execution,))


def test_finishing_stamps_the_execution_time(conn: psycopg.Connection) -> None:
    execution = execution_in(conn, "executing")
    conn.execute(
        "UPDATE tool_executions SET started_at = clock_timestamp() - interval '1.5 s' WHERE id = %s",
        (execution,),
    )
    conn.execute("UPDATE tool_executions SET status = 'completed' WHERE id = %s", (execution,))
    assert (
        1400
        <= one(conn, "SELECT execution_ms FROM tool_executions WHERE id = %s", (execution,))
        <= 60000
    )


def test_the_app_role_is_held_to_the_same_rules(conn: psycopg.Connection) -> None:
    user = new_user(conn)
    chat = new_chat(conn, user)
    with acting(conn, APP, user):
        execution = insert(conn, "tool_executions", chat_id=chat, tool_name="search")
        expect_error(
            conn,
            "UPDATE tool_executions SET status = 'completed' WHERE id = %s",
            (execution,),
            constraint="tool_executions_status_transition_check",
        )
        conn.execute("UPDATE tool_executions SET status = 'approved' WHERE id = %s", (execution,))


@pytest.mark.parametrize(
    ("columns", "constraint"),
    [
        ({"tool_name": ""}, "tool_executions_tool_name_check"),
        ({"arguments": "[]"}, "tool_executions_arguments_check"),
        ({"execution_ms": -1}, "tool_executions_execution_ms_check"),
        ({"cost": -1}, "tool_executions_cost_check"),
    ],
)
def test_tool_execution_columns_are_checked(
    conn: psycopg.Connection, columns: dict[str, object], constraint: str
) -> None:
    chat = new_chat(conn, new_user(conn))
    values = {"chat_id": chat, "tool_name": "search", **columns}
    expect_error(
        conn,
        f"INSERT INTO tool_executions ({', '.join(values)}) VALUES ({', '.join(['%s'] * len(values))})",
        tuple(values.values()),
        constraint=constraint,
    )


def test_failing_requires_an_error_and_tool_call_ids_are_unique_per_chat(
    conn: psycopg.Connection,
) -> None:
    execution = execution_in(conn, "pending")
    expect_error(
        conn,
        "UPDATE tool_executions SET status = 'failed' WHERE id = %s",
        (execution,),
        constraint="tool_executions_error_check",
    )
    chat = new_chat(conn, new_user(conn))
    insert(conn, "tool_executions", chat_id=chat, tool_name="a", tool_call_id="call_1")
    expect_error(
        conn,
        "INSERT INTO tool_executions (chat_id, tool_name, tool_call_id) VALUES (%s, 'a', 'call_1')",
        (chat,),
        constraint="tool_executions_chat_id_tool_call_id_key",
    )


@pytest.mark.parametrize(
    ("columns", "constraint"),
    [
        ({"tokens_before": 10, "tokens_after": 11}, "context_optimizations_tokens_check"),
        ({"tokens_before": 10, "tokens_after": -1}, "context_optimizations_tokens_check"),
        ({"messages_removed": -1}, "context_optimizations_messages_removed_check"),
        ({"strategy": "summarize"}, "context_optimizations_summary_check"),
        ({"metadata": "[]"}, "context_optimizations_metadata_check"),
    ],
)
def test_context_optimizations_are_checked(
    conn: psycopg.Connection, columns: dict[str, object], constraint: str
) -> None:
    chat = new_chat(conn, new_user(conn))
    values = {
        "chat_id": chat,
        "strategy": "truncate",
        "tokens_before": 100,
        "tokens_after": 40,
        **columns,
    }
    expect_error(
        conn,
        f"INSERT INTO context_optimizations ({', '.join(values)}) VALUES ({', '.join(['%s'] * len(values))})",
        tuple(values.values()),
        constraint=constraint,
    )
    insert(
        conn,
        "context_optimizations",
        chat_id=chat,
        strategy="summarize",
        tokens_before=100,
        tokens_after=10,
        summary="so far",
        messages_removed=8,
    )
