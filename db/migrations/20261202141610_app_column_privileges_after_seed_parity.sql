-- Least privilege to the column, continued after the seed-parity migrations (2026120214xxxx),
-- which added columns and queries the app writes while chatdb_app still held table-wide
-- privileges: grant exactly what those user-scoped queries write (client-chosen chat and
-- message ids, the new auto-approval, context-optimization, token-burn and external-token
-- columns, deleting one's own uploads). Versioned after them so the columns exist.
-- tests/schema/test_column_privileges.py derives the same set from db/queries.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

GRANT INSERT (low_risk_operations, max_hourly_cost, read_only_operations) ON public.auto_approval_settings TO chatdb_app;
GRANT INSERT (id) ON public.chats TO chatdb_app;
GRANT INSERT (credits_per_1k_tokens) ON public.companion_token_burns TO chatdb_app;
GRANT INSERT (affected_message_ids, compression_strategy, trigger_reason) ON public.context_optimizations TO chatdb_app;
GRANT INSERT (token_type), UPDATE (token_type) ON public.external_tokens TO chatdb_app;
GRANT DELETE ON public.file_uploads TO chatdb_app;
GRANT INSERT (id) ON public.messages TO chatdb_app;

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

REVOKE INSERT (low_risk_operations, max_hourly_cost, read_only_operations) ON public.auto_approval_settings FROM chatdb_app;
REVOKE INSERT (id) ON public.chats FROM chatdb_app;
REVOKE INSERT (credits_per_1k_tokens) ON public.companion_token_burns FROM chatdb_app;
REVOKE INSERT (affected_message_ids, compression_strategy, trigger_reason) ON public.context_optimizations FROM chatdb_app;
REVOKE INSERT (token_type), UPDATE (token_type) ON public.external_tokens FROM chatdb_app;
REVOKE DELETE ON public.file_uploads FROM chatdb_app;
REVOKE INSERT (id) ON public.messages FROM chatdb_app;
