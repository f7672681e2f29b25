-- domain: tool_executions
-- A context optimization records why it ran (trigger_reason), every message it affected
-- (affected_message_ids: message_id names only the last one, messages_removed only counts),
-- and how the kept content was compressed (compression_strategy), as the source documents
-- ask. Rows from before this migration read trigger_reason auto and no affected ids.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TYPE public.context_optimization_trigger AS ENUM ('token_limit', 'user_request', 'auto');
COMMENT ON TYPE public.context_optimization_trigger IS
    'Why a chat''s context was shrunk: the request hit the model''s token limit, the user asked for it, or an automatic policy ran.';

ALTER TABLE public.context_optimizations
    ADD COLUMN trigger_reason public.context_optimization_trigger NOT NULL DEFAULT 'auto',
    ADD COLUMN affected_message_ids uuid[] NOT NULL DEFAULT '{}',
    ADD COLUMN compression_strategy text;
ALTER TABLE public.context_optimizations ADD CONSTRAINT context_optimizations_affected_message_ids_length_check
    CHECK (cardinality(affected_message_ids) <= 10000) NOT VALID;
ALTER TABLE public.context_optimizations ADD CONSTRAINT context_optimizations_compression_strategy_check
    CHECK (compression_strategy ~ '^[a-z][a-z0-9_-]{0,63}$') NOT VALID;
COMMENT ON COLUMN public.context_optimizations.trigger_reason IS 'Why the optimization ran: token_limit, user_request or auto.';
COMMENT ON COLUMN public.context_optimizations.affected_message_ids IS 'Every message the optimization removed, summarised or pruned (at most 10,000), in conversation order; not foreign keys, so the record survives the messages it removed.';
COMMENT ON COLUMN public.context_optimizations.compression_strategy IS 'How the kept content was compressed (e.g. lossless, lossy, hybrid, or the summariser''s method), a lower-case slug; NULL when nothing was compressed.';
COMMENT ON CONSTRAINT context_optimizations_affected_message_ids_length_check ON public.context_optimizations IS 'affected_message_ids: at most 10,000 ids; a context window holds far fewer messages.';

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- squawk-ignore ban-drop-column
ALTER TABLE public.context_optimizations DROP COLUMN trigger_reason;
-- squawk-ignore ban-drop-column
ALTER TABLE public.context_optimizations DROP COLUMN affected_message_ids;
-- squawk-ignore ban-drop-column
ALTER TABLE public.context_optimizations DROP COLUMN compression_strategy;
-- squawk-ignore ban-drop-type
DROP TYPE public.context_optimization_trigger;
