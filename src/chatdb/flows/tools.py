# Generated from src/chatdb/flows/aio/tools.py by tools/async_to_sync.py. DO NOT EDIT:
# edit the async source, then run `make sync-twins` (also part of `make generate`).
"""Tool execution life cycle: move a call through its states, or say precisely why not."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
from pydantic import JsonValue

from chatdb import errors
from chatdb.queries import enums, models, tools


def transition_tool_execution(
    conn: psycopg.Connection[Any],
    *,
    id: uuid.UUID,
    to_status: enums.ToolExecutionStatus | str,
    result: JsonValue | None = None,
    error: str | None = None,
    execution_ms: int | None = None,
) -> models.ToolExecution:
    """Move tool execution `id` to `to_status` and return it with the step's time stamped.

    Raises `InvalidTransition` (with `from_state` and `to_state`) when its current status does
    not allow the move, and `NotFoundError` when there is no such execution the caller may see.
    Runs in the caller's transaction; writes nothing when it raises. An unknown status raises
    `InvalidInput`. The call's cost is billing data: a system flow records it
    (`tools.record_tool_execution_cost`, as chatdb_system).
    """
    try:
        target = enums.ToolExecutionStatus(to_status)
    except ValueError:
        raise errors.InvalidInput(
            "unknown tool execution status", table="tool_executions", column="status"
        ) from None
    moved = tools.transition_tool_execution(
        conn,
        to_status=target,
        result=result,
        error=error,
        execution_ms=execution_ms,
        id=id,
    )
    if moved is not None:
        return moved
    current = tools.get_tool_execution(conn, id=id)
    if current is None:
        raise errors.NotFoundError(
            "tool execution not found (or not visible to this user)", table="tool_executions"
        )
    raise errors.InvalidTransition(
        f"illegal tool execution transition from {current.status.value} to {target.value}",
        from_state=current.status.value,
        to_state=target.value,
        constraint="tool_executions_status_transition_check",
        table="tool_executions",
        column="status",
    )
