-- name: CreateToolExecution :one
-- Record a tool call: pending when it needs approval, approved when auto-approved. A replayed
-- call (same chat and tool_call_id) returns the row recorded first, unchanged.
INSERT INTO tool_executions (chat_id, message_id, tool_call_id, tool_name, arguments, status, requires_approval)
VALUES (
    @chat_id,
    sqlc.narg(message_id)::uuid,
    sqlc.narg(tool_call_id)::text,
    @tool_name,
    @arguments,
    CASE WHEN sqlc.arg(requires_approval)::boolean THEN 'pending' ELSE 'approved' END::tool_execution_status,
    sqlc.arg(requires_approval)::boolean
)
ON CONFLICT ON CONSTRAINT tool_executions_chat_id_tool_call_id_key
DO UPDATE SET tool_call_id = excluded.tool_call_id
RETURNING *;

-- name: GetToolExecution :one
-- One tool execution by id.
SELECT *
FROM tool_executions
WHERE id = @id;

-- name: TransitionToolExecution :one
-- Move a tool execution to to_status, only from a state that allows it (pending -> approved;
-- approved -> executing; executing -> completed or timeout; pending/approved/executing ->
-- failed or cancelled). The trigger stamps the step's time (and execution_ms when it ends). result,
-- error, execution_ms and cost are kept when NULL. No row when the move is illegal or the
-- row is missing or not the caller's; the tool_executions_check_transition trigger stays
-- the authority on legal moves.
UPDATE tool_executions
SET status = sqlc.arg(to_status)::tool_execution_status,
    result = coalesce(sqlc.narg(result)::jsonb, result),
    error = coalesce(sqlc.narg(error)::text, error),
    execution_ms = coalesce(sqlc.narg(execution_ms)::integer, execution_ms),
    cost = coalesce(sqlc.narg(cost)::numeric, cost)
WHERE id = @id
  AND status = ANY (
      CASE sqlc.arg(to_status)::tool_execution_status
          WHEN 'approved' THEN '{pending}'
          WHEN 'executing' THEN '{approved}'
          WHEN 'completed' THEN '{executing}'
          WHEN 'failed' THEN '{pending,approved,executing}'
          WHEN 'cancelled' THEN '{pending,approved,executing}'
          WHEN 'timeout' THEN '{executing}'
          ELSE '{}'
      END::tool_execution_status[]
  )
RETURNING *;

-- name: ListPendingToolExecutions :many
-- The chat's approval queue: calls awaiting a decision, oldest first
-- (tool_executions_chat_id_created_at_pending_idx).
SELECT *
FROM tool_executions
WHERE chat_id = @chat_id
  AND status = 'pending'
ORDER BY created_at ASC, id ASC;

-- name: ToolUsageStats :many
-- Per tool, the user's calls since a time: how many, how they ended, mean duration in ms of
-- the finished (completed, failed or timed out) ones, 0 when none finished, and total cost. Most used
-- first.
SELECT
    t.tool_name,
    count(*)::bigint AS calls,
    (count(*) FILTER (WHERE t.status = 'completed'))::bigint AS completed,
    (count(*) FILTER (WHERE t.status = 'failed'))::bigint AS failed,
    (count(*) FILTER (WHERE t.status = 'cancelled'))::bigint AS cancelled,
    (count(*) FILTER (WHERE t.status = 'timeout'))::bigint AS timed_out,
    coalesce(avg(t.execution_ms::float8) FILTER (WHERE t.status IN ('completed', 'failed', 'timeout')), 0)::float8 AS avg_execution_ms,
    coalesce(sum(t.cost), 0)::numeric AS total_cost
FROM tool_executions AS t
JOIN chats AS c ON c.id = t.chat_id
WHERE c.user_id = @user_id
  AND t.created_at >= sqlc.arg(since)::timestamptz
GROUP BY t.tool_name
ORDER BY calls DESC, t.tool_name ASC;

-- name: ToolStatsByName :one
-- Product-wide usage of one tool since a time (chatdb_system, operations dashboards): how
-- many calls, how they ended, mean duration in ms of the finished ones (0 when none) and
-- total cost. Read from tool_executions_tool_name_created_at_idx alone.
SELECT
    count(*)::bigint AS calls,
    (count(*) FILTER (WHERE status = 'completed'))::bigint AS completed,
    (count(*) FILTER (WHERE status = 'failed'))::bigint AS failed,
    (count(*) FILTER (WHERE status = 'timeout'))::bigint AS timed_out,
    (count(*) FILTER (WHERE status = 'cancelled'))::bigint AS cancelled,
    coalesce(avg(execution_ms::float8) FILTER (WHERE status IN ('completed', 'failed', 'timeout')), 0)::float8
        AS avg_execution_ms,
    coalesce(sum(cost), 0)::numeric AS total_cost
FROM tool_executions
WHERE tool_name = @tool_name::text
  AND created_at >= sqlc.arg(since)::timestamptz;
