-- Every table a role can update keeps updated_at, maintained by the database: these 15 had
-- none, so "when did this row last change" (cache validation, sync, audits) had no answer.
-- Each gets the column and a BEFORE UPDATE trigger. These tables are written by idempotent
-- inserts whose replay is a no-op ON CONFLICT DO UPDATE (InsertMessage, CreateFileUpload,
-- ...), so their trigger, set_updated_at_on_change, stamps the time only when some column
-- actually changed: a replay leaves the row, updated_at included, as it was.
--
-- DEFAULT now() is a stable expression: PostgreSQL stores it as the column's "missing value"
-- and rewrites nothing, so even messages and usage_logs take only a brief ACCESS EXCLUSIVE
-- lock. Rows older than this migration read the migration time until they change next.
-- usage_logs is partitioned: the column and the trigger reach every partition.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE FUNCTION public.set_updated_at_on_change()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
    -- Same time source as set_updated_at (the transaction start), but only for a real change.
    IF NEW IS DISTINCT FROM OLD THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION public.set_updated_at_on_change() IS
    'BEFORE UPDATE trigger function: stamps updated_at with now() (transaction time) when the update changes some column, so a no-op update (an idempotent replay) leaves the row unchanged.';
-- Trigger functions are not for calling (20261201200500_trigger_functions_not_public).
REVOKE EXECUTE ON FUNCTION public.set_updated_at_on_change() FROM PUBLIC;

ALTER TABLE public.chat_tags ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
COMMENT ON COLUMN public.chat_tags.updated_at IS 'Last change of the row (maintained by set_updated_at_on_change); the migration time for rows that have not changed since the column was added.';
CREATE TRIGGER chat_tags_set_updated_at BEFORE UPDATE ON public.chat_tags
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_on_change();

ALTER TABLE public.companion_messages ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
COMMENT ON COLUMN public.companion_messages.updated_at IS 'Last change of the row (maintained by set_updated_at_on_change); the migration time for rows that have not changed since the column was added.';
CREATE TRIGGER companion_messages_set_updated_at BEFORE UPDATE ON public.companion_messages
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_on_change();

ALTER TABLE public.companion_token_burns ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
COMMENT ON COLUMN public.companion_token_burns.updated_at IS 'Last change of the row (maintained by set_updated_at_on_change); the migration time for rows that have not changed since the column was added.';
CREATE TRIGGER companion_token_burns_set_updated_at BEFORE UPDATE ON public.companion_token_burns
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_on_change();

ALTER TABLE public.context_optimizations ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
COMMENT ON COLUMN public.context_optimizations.updated_at IS 'Last change of the row (maintained by set_updated_at_on_change); the migration time for rows that have not changed since the column was added.';
CREATE TRIGGER context_optimizations_set_updated_at BEFORE UPDATE ON public.context_optimizations
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_on_change();

ALTER TABLE public.documents ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
COMMENT ON COLUMN public.documents.updated_at IS 'Last change of the row (maintained by set_updated_at_on_change); the migration time for rows that have not changed since the column was added.';
CREATE TRIGGER documents_set_updated_at BEFORE UPDATE ON public.documents
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_on_change();

ALTER TABLE public.file_uploads ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
COMMENT ON COLUMN public.file_uploads.updated_at IS 'Last change of the row (maintained by set_updated_at_on_change); the migration time for rows that have not changed since the column was added.';
CREATE TRIGGER file_uploads_set_updated_at BEFORE UPDATE ON public.file_uploads
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_on_change();

ALTER TABLE public.group_chat_members ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
COMMENT ON COLUMN public.group_chat_members.updated_at IS 'Last change of the row (maintained by set_updated_at_on_change); the migration time for rows that have not changed since the column was added.';
CREATE TRIGGER group_chat_members_set_updated_at BEFORE UPDATE ON public.group_chat_members
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_on_change();

ALTER TABLE public.group_messages ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
COMMENT ON COLUMN public.group_messages.updated_at IS 'Last change of the row (maintained by set_updated_at_on_change); the migration time for rows that have not changed since the column was added.';
CREATE TRIGGER group_messages_set_updated_at BEFORE UPDATE ON public.group_messages
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_on_change();

ALTER TABLE public.message_reactions ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
COMMENT ON COLUMN public.message_reactions.updated_at IS 'Last change of the row (maintained by set_updated_at_on_change); the migration time for rows that have not changed since the column was added.';
CREATE TRIGGER message_reactions_set_updated_at BEFORE UPDATE ON public.message_reactions
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_on_change();

ALTER TABLE public.messages ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
COMMENT ON COLUMN public.messages.updated_at IS 'Last change of the row (maintained by set_updated_at_on_change); the migration time for rows that have not changed since the column was added.';
CREATE TRIGGER messages_set_updated_at BEFORE UPDATE ON public.messages
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_on_change();

ALTER TABLE public.streams ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
COMMENT ON COLUMN public.streams.updated_at IS 'Last change of the row (maintained by set_updated_at_on_change); the migration time for rows that have not changed since the column was added.';
CREATE TRIGGER streams_set_updated_at BEFORE UPDATE ON public.streams
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_on_change();

ALTER TABLE public.suggestions ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
COMMENT ON COLUMN public.suggestions.updated_at IS 'Last change of the row (maintained by set_updated_at_on_change); the migration time for rows that have not changed since the column was added.';
CREATE TRIGGER suggestions_set_updated_at BEFORE UPDATE ON public.suggestions
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_on_change();

ALTER TABLE public.usage_logs ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
COMMENT ON COLUMN public.usage_logs.updated_at IS 'Last change of the row (maintained by set_updated_at_on_change); the migration time for rows that have not changed since the column was added.';
CREATE TRIGGER usage_logs_set_updated_at BEFORE UPDATE ON public.usage_logs
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_on_change();

ALTER TABLE public.verification_tokens ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
COMMENT ON COLUMN public.verification_tokens.updated_at IS 'Last change of the row (maintained by set_updated_at_on_change); the migration time for rows that have not changed since the column was added.';
CREATE TRIGGER verification_tokens_set_updated_at BEFORE UPDATE ON public.verification_tokens
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_on_change();

ALTER TABLE public.webhook_events ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
COMMENT ON COLUMN public.webhook_events.updated_at IS 'Last change of the row (maintained by set_updated_at_on_change); the migration time for rows that have not changed since the column was added.';
CREATE TRIGGER webhook_events_set_updated_at BEFORE UPDATE ON public.webhook_events
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_on_change();

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP TRIGGER chat_tags_set_updated_at ON public.chat_tags;
-- squawk-ignore ban-drop-column
ALTER TABLE public.chat_tags DROP COLUMN updated_at;
DROP TRIGGER companion_messages_set_updated_at ON public.companion_messages;
-- squawk-ignore ban-drop-column
ALTER TABLE public.companion_messages DROP COLUMN updated_at;
DROP TRIGGER companion_token_burns_set_updated_at ON public.companion_token_burns;
-- squawk-ignore ban-drop-column
ALTER TABLE public.companion_token_burns DROP COLUMN updated_at;
DROP TRIGGER context_optimizations_set_updated_at ON public.context_optimizations;
-- squawk-ignore ban-drop-column
ALTER TABLE public.context_optimizations DROP COLUMN updated_at;
DROP TRIGGER documents_set_updated_at ON public.documents;
-- squawk-ignore ban-drop-column
ALTER TABLE public.documents DROP COLUMN updated_at;
DROP TRIGGER file_uploads_set_updated_at ON public.file_uploads;
-- squawk-ignore ban-drop-column
ALTER TABLE public.file_uploads DROP COLUMN updated_at;
DROP TRIGGER group_chat_members_set_updated_at ON public.group_chat_members;
-- squawk-ignore ban-drop-column
ALTER TABLE public.group_chat_members DROP COLUMN updated_at;
DROP TRIGGER group_messages_set_updated_at ON public.group_messages;
-- squawk-ignore ban-drop-column
ALTER TABLE public.group_messages DROP COLUMN updated_at;
DROP TRIGGER message_reactions_set_updated_at ON public.message_reactions;
-- squawk-ignore ban-drop-column
ALTER TABLE public.message_reactions DROP COLUMN updated_at;
DROP TRIGGER messages_set_updated_at ON public.messages;
-- squawk-ignore ban-drop-column
ALTER TABLE public.messages DROP COLUMN updated_at;
DROP TRIGGER streams_set_updated_at ON public.streams;
-- squawk-ignore ban-drop-column
ALTER TABLE public.streams DROP COLUMN updated_at;
DROP TRIGGER suggestions_set_updated_at ON public.suggestions;
-- squawk-ignore ban-drop-column
ALTER TABLE public.suggestions DROP COLUMN updated_at;
DROP TRIGGER usage_logs_set_updated_at ON public.usage_logs;
-- squawk-ignore ban-drop-column
ALTER TABLE public.usage_logs DROP COLUMN updated_at;
DROP TRIGGER verification_tokens_set_updated_at ON public.verification_tokens;
-- squawk-ignore ban-drop-column
ALTER TABLE public.verification_tokens DROP COLUMN updated_at;
DROP TRIGGER webhook_events_set_updated_at ON public.webhook_events;
-- squawk-ignore ban-drop-column
ALTER TABLE public.webhook_events DROP COLUMN updated_at;
-- squawk-ignore ban-drop-function
DROP FUNCTION public.set_updated_at_on_change();
