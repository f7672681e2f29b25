-- domain: tool_executions
-- Per-tool usage statistics across the product (ToolStatsByName: how often each tool runs,
-- how it ends, how long it takes) read one tool's recent calls from this index alone
-- (INCLUDE carries what the aggregate needs). Built CONCURRENTLY so tool calls are never
-- blocked.
--
-- squawk: as in 20261201185434_verification_tokens_lower_identifier_index.sql.
-- squawk-ignore-file ban-concurrent-index-creation-in-transaction, prefer-robust-stmts, require-lock-timeout, require-statement-timeout

-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY tool_executions_tool_name_created_at_idx
    ON public.tool_executions (tool_name, created_at) INCLUDE (status, execution_ms, cost);

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY public.tool_executions_tool_name_created_at_idx;
