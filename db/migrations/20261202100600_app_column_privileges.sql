-- Least privilege to the column. chatdb_app held table-wide INSERT, UPDATE and DELETE on most
-- tables, so SQL run as a user could rewrite its own billing data (UPDATE messages SET cost
-- = 0, input_tokens = 0) and point an upload at someone else's object (UPDATE file_uploads
-- SET storage_key = 'users/<other>/secret.pdf'); no named query needs either. Now chatdb_app
-- holds exactly the privileges its user-scoped named queries use: INSERT and UPDATE on the
-- columns they write, DELETE on the tables they delete from (derived from db/queries by
-- chatdb.schema_docs.write_privileges; tests/schema/test_column_privileges.py fails when a
-- grant is missing or more is granted). SELECT is unchanged.
--
-- Billing and usage data is written by system flows only (queries annotated
-- `-- @role system`): message token counts and cost (RecordMessageUsage), tool execution
-- cost (RecordToolExecutionCost), companion message token counts
-- (RecordCompanionMessageUsage), usage_logs (LogUsage), uploads with their storage keys
-- (CreateFileUpload), credits granted, quotas, balances. The app may still spend its own
-- credits (a negative ledger entry, in its own operation-id namespaces) and record a
-- companion token burn with it.
--
-- CreateFileUpload running as chatdb_system no longer passes file_uploads_owner_all, so the
-- rule that an upload's chat is its user's own moves into a trigger that holds for every
-- writer (file_uploads_chat_owner_check). usage_logs_owner_insert goes: the app no longer
-- inserts usage logs.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

REVOKE INSERT, UPDATE, DELETE ON public.accounts FROM chatdb_app;
GRANT DELETE ON public.accounts TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.auto_approval_settings FROM chatdb_app;
GRANT INSERT (allowed_tools, blocked_tools, enabled, max_cost_per_execution, max_daily_cost, user_id), UPDATE (allowed_tools, blocked_tools, enabled, max_cost_per_execution, max_daily_cost) ON public.auto_approval_settings TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.chat_states FROM chatdb_app;
GRANT INSERT (chat_id, state), UPDATE (state, version) ON public.chat_states TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.chat_tags FROM chatdb_app;
GRANT INSERT (chat_id, tag) ON public.chat_tags TO chatdb_app;
GRANT DELETE ON public.chat_tags TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.chats FROM chatdb_app;
GRANT INSERT (context_window, metadata, model, provider, system_prompt, title, user_id, visibility), UPDATE (context_window, metadata, model, provider, system_prompt, title, updated_at, visibility) ON public.chats TO chatdb_app;
GRANT DELETE ON public.chats TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.companion_messages FROM chatdb_app;
GRANT INSERT (companion_id, content, metadata, role, user_id) ON public.companion_messages TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.companion_token_burns FROM chatdb_app;
GRANT INSERT (companion_id, companion_message_id, credits, input_tokens, ledger_operation_id, model, output_tokens, provider, user_id) ON public.companion_token_burns TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.companions FROM chatdb_app;
GRANT INSERT (avatar_url, description, interaction, is_public, knowledge, model, name, personality, provider, tool_access, tool_config, user_id), UPDATE (interaction, knowledge, model, personality, provider, tool_access, tool_config, version) ON public.companions TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.context_optimizations FROM chatdb_app;
GRANT INSERT (chat_id, message_id, messages_removed, metadata, strategy, summary, tokens_after, tokens_before) ON public.context_optimizations TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.credit_ledger FROM chatdb_app;
GRANT INSERT (amount, description, metadata, operation_id, reason, user_id) ON public.credit_ledger TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.daily_usage FROM chatdb_app;
GRANT INSERT (day, message_count, user_id), UPDATE (message_count) ON public.daily_usage TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.documents FROM chatdb_app;
GRANT INSERT (chat_id, content, created_at, id, kind, title, user_id) ON public.documents TO chatdb_app;
GRANT DELETE ON public.documents TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.external_tokens FROM chatdb_app;
GRANT INSERT (environment, expires_at, label, scopes, service, token_ciphertext, token_key_version, user_id), UPDATE (expires_at, label, last_used_at, scopes, token_ciphertext, token_key_version) ON public.external_tokens TO chatdb_app;
GRANT DELETE ON public.external_tokens TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.file_uploads FROM chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.group_chat_members FROM chatdb_app;
GRANT INSERT (group_chat_id, role, user_id) ON public.group_chat_members TO chatdb_app;
GRANT DELETE ON public.group_chat_members TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.group_chats FROM chatdb_app;
GRANT INSERT (companion_id, creator_id, description, name) ON public.group_chats TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.group_messages FROM chatdb_app;
GRANT INSERT (companion_id, content, group_chat_id, is_bot, metadata, sender_id) ON public.group_messages TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.message_reactions FROM chatdb_app;
GRANT INSERT (emoji, message_id, user_id) ON public.message_reactions TO chatdb_app;
GRANT DELETE ON public.message_reactions TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.messages FROM chatdb_app;
GRANT INSERT (attachments, chat_id, client_request_id, model, parts, provider, provider_metadata, role), UPDATE (client_request_id) ON public.messages TO chatdb_app;
GRANT DELETE ON public.messages TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.provider_configs FROM chatdb_app;
GRANT INSERT (api_key_ciphertext, api_key_version, base_url, default_model, provider, settings, user_id), UPDATE (api_key_ciphertext, api_key_version, base_url, default_model, is_default, settings) ON public.provider_configs TO chatdb_app;
GRANT DELETE ON public.provider_configs TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.sessions FROM chatdb_app;
GRANT DELETE ON public.sessions TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.streams FROM chatdb_app;
GRANT INSERT (chat_id, created_at, id) ON public.streams TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.suggestions FROM chatdb_app;
GRANT INSERT (created_at, description, document_created_at, document_id, original_text, suggested_text, user_id), UPDATE (is_resolved) ON public.suggestions TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.tool_executions FROM chatdb_app;
GRANT INSERT (arguments, chat_id, message_id, requires_approval, status, tool_call_id, tool_name), UPDATE (error, execution_ms, result, status, tool_call_id) ON public.tool_executions TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.usage_logs FROM chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.users FROM chatdb_app;
GRANT UPDATE (image, name) ON public.users TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.votes FROM chatdb_app;
GRANT INSERT (direction, message_id, user_id), UPDATE (direction) ON public.votes TO chatdb_app;
GRANT DELETE ON public.votes TO chatdb_app;

DROP POLICY usage_logs_owner_insert ON public.usage_logs;

CREATE FUNCTION public.file_uploads_check_chat_owner()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
    IF NEW.chat_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM public.chats AS c WHERE c.id = NEW.chat_id AND c.user_id = NEW.user_id
    ) THEN
        RAISE EXCEPTION 'file_uploads.chat_id must be a chat of the upload''s user'
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'file_uploads_chat_owner_check',
                  TABLE = 'file_uploads',
                  SCHEMA = 'public',
                  COLUMN = 'chat_id';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION public.file_uploads_check_chat_owner() IS
    'BEFORE INSERT OR UPDATE trigger of file_uploads: chat_id is NULL or a chat of the row''s user (check_violation file_uploads_chat_owner_check), for every writer; an unknown chat id gets the same error.';
REVOKE ALL ON FUNCTION public.file_uploads_check_chat_owner() FROM PUBLIC;

CREATE TRIGGER file_uploads_check_chat_owner BEFORE INSERT OR UPDATE OF user_id, chat_id ON public.file_uploads
    FOR EACH ROW EXECUTE FUNCTION public.file_uploads_check_chat_owner();

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- squawk-ignore ban-drop-trigger
DROP TRIGGER file_uploads_check_chat_owner ON public.file_uploads;
-- squawk-ignore ban-drop-function
DROP FUNCTION public.file_uploads_check_chat_owner();

CREATE POLICY usage_logs_owner_insert ON public.usage_logs FOR INSERT TO chatdb_app
    WITH CHECK (user_id = nullif(current_setting('app.user_id', true), '')::uuid);

REVOKE INSERT, UPDATE, DELETE ON public.accounts FROM chatdb_app;
GRANT DELETE ON public.accounts TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.auto_approval_settings FROM chatdb_app;
GRANT INSERT, UPDATE, DELETE ON public.auto_approval_settings TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.chat_states FROM chatdb_app;
GRANT INSERT, UPDATE, DELETE ON public.chat_states TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.chat_tags FROM chatdb_app;
GRANT INSERT, UPDATE, DELETE ON public.chat_tags TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.chats FROM chatdb_app;
GRANT INSERT, UPDATE, DELETE ON public.chats TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.companion_messages FROM chatdb_app;
GRANT INSERT, UPDATE, DELETE ON public.companion_messages TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.companion_token_burns FROM chatdb_app;
GRANT INSERT ON public.companion_token_burns TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.companions FROM chatdb_app;
GRANT INSERT, UPDATE, DELETE ON public.companions TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.context_optimizations FROM chatdb_app;
GRANT INSERT, UPDATE, DELETE ON public.context_optimizations TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.credit_ledger FROM chatdb_app;
GRANT INSERT ON public.credit_ledger TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.daily_usage FROM chatdb_app;
GRANT INSERT, UPDATE ON public.daily_usage TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.documents FROM chatdb_app;
GRANT INSERT, UPDATE, DELETE ON public.documents TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.external_tokens FROM chatdb_app;
GRANT INSERT, UPDATE, DELETE ON public.external_tokens TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.file_uploads FROM chatdb_app;
GRANT INSERT, UPDATE, DELETE ON public.file_uploads TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.group_chat_members FROM chatdb_app;
GRANT INSERT, UPDATE, DELETE ON public.group_chat_members TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.group_chats FROM chatdb_app;
GRANT INSERT, UPDATE, DELETE ON public.group_chats TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.group_messages FROM chatdb_app;
GRANT INSERT, UPDATE, DELETE ON public.group_messages TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.message_reactions FROM chatdb_app;
GRANT INSERT, UPDATE, DELETE ON public.message_reactions TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.messages FROM chatdb_app;
GRANT INSERT, UPDATE, DELETE ON public.messages TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.provider_configs FROM chatdb_app;
GRANT INSERT, UPDATE, DELETE ON public.provider_configs TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.sessions FROM chatdb_app;
GRANT DELETE ON public.sessions TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.streams FROM chatdb_app;
GRANT INSERT, UPDATE, DELETE ON public.streams TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.suggestions FROM chatdb_app;
GRANT INSERT, UPDATE, DELETE ON public.suggestions TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.tool_executions FROM chatdb_app;
GRANT INSERT, UPDATE, DELETE ON public.tool_executions TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.usage_logs FROM chatdb_app;
GRANT INSERT ON public.usage_logs TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.users FROM chatdb_app;
GRANT UPDATE (name, image) ON public.users TO chatdb_app;
REVOKE INSERT, UPDATE, DELETE ON public.votes FROM chatdb_app;
GRANT INSERT, UPDATE, DELETE ON public.votes TO chatdb_app;
