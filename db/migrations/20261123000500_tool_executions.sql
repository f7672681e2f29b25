-- Tool executions (with a state machine every writer obeys) and context optimizations.
--
-- Allowed status transitions (anything else raises check_violation with
-- CONSTRAINT tool_executions_status_transition_check, naming both states):
--   (insert)  -> pending | approved          approved = auto-approved
--   pending   -> approved | cancelled | failed
--   approved  -> executing | cancelled | failed
--   executing -> completed | failed | cancelled
--   completed, failed, cancelled: terminal
-- Updating a row without changing its status is not a transition and is allowed.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TYPE public.tool_execution_status AS ENUM (
    'pending', 'approved', 'executing', 'completed', 'failed', 'cancelled'
);
COMMENT ON TYPE public.tool_execution_status IS
    'Life cycle of a tool call: pending (awaiting approval) -> approved -> executing -> completed | failed; cancelled from any non-terminal state.';

CREATE TABLE public.tool_executions (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    chat_id uuid NOT NULL,
    message_id uuid,
    tool_call_id text,
    tool_name text NOT NULL,
    arguments jsonb NOT NULL DEFAULT '{}'::jsonb,
    result jsonb,
    status public.tool_execution_status NOT NULL DEFAULT 'pending',
    requires_approval boolean NOT NULL DEFAULT true,
    error text,
    execution_ms integer,
    cost numeric(18, 8) NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    approved_at timestamptz,
    started_at timestamptz,
    completed_at timestamptz,
    failed_at timestamptz,
    cancelled_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tool_executions_pkey PRIMARY KEY (id),
    CONSTRAINT tool_executions_chat_id_fkey FOREIGN KEY (chat_id) REFERENCES public.chats (id) ON DELETE CASCADE,
    CONSTRAINT tool_executions_message_id_fkey FOREIGN KEY (message_id) REFERENCES public.messages (id) ON DELETE CASCADE,
    CONSTRAINT tool_executions_chat_id_tool_call_id_key UNIQUE (chat_id, tool_call_id),
    CONSTRAINT tool_executions_tool_name_check CHECK (char_length(tool_name) BETWEEN 1 AND 200),
    CONSTRAINT tool_executions_arguments_check CHECK (jsonb_typeof(arguments) = 'object'),
    CONSTRAINT tool_executions_execution_ms_check CHECK (execution_ms >= 0),
    CONSTRAINT tool_executions_cost_check CHECK (cost >= 0),
    CONSTRAINT tool_executions_error_check CHECK (status <> 'failed' OR error IS NOT NULL)
);
CREATE INDEX tool_executions_chat_id_created_at_idx ON public.tool_executions (chat_id, created_at);
CREATE INDEX tool_executions_message_id_idx ON public.tool_executions (message_id);
-- The approval queue: only the few rows awaiting a decision are indexed.
CREATE INDEX tool_executions_chat_id_created_at_pending_idx ON public.tool_executions (chat_id, created_at)
    WHERE status = 'pending';

COMMENT ON TABLE public.tool_executions IS
    'Tool calls made by the model in a chat, with their approval and execution life cycle. Status changes are checked by the tool_executions_check_transition trigger, which also stamps each step''s time.';
COMMENT ON COLUMN public.tool_executions.message_id IS 'The assistant message that requested the call; the execution is deleted with it.';
COMMENT ON COLUMN public.tool_executions.tool_call_id IS 'The provider''s id of the tool call; unique per chat, so a replayed call is recorded once.';
COMMENT ON COLUMN public.tool_executions.tool_name IS 'Name of the tool as offered to the model.';
COMMENT ON COLUMN public.tool_executions.arguments IS 'Arguments the model passed (JSON object).';
COMMENT ON COLUMN public.tool_executions.result IS 'What the tool returned (JSON), once completed.';
COMMENT ON COLUMN public.tool_executions.status IS 'Where the call is in its life cycle; transitions are enforced by a trigger (tool_executions_status_transition_check).';
COMMENT ON COLUMN public.tool_executions.requires_approval IS 'Whether a person must approve the call (false when auto-approval settings allowed it).';
COMMENT ON COLUMN public.tool_executions.error IS 'Why the call failed; required when status = failed (tool_executions_error_check).';
COMMENT ON COLUMN public.tool_executions.execution_ms IS 'Wall time of the execution in milliseconds; computed from started_at when the writer does not set it.';
COMMENT ON COLUMN public.tool_executions.cost IS 'Cost of the call in USD (paid APIs), 0 when free.';
COMMENT ON COLUMN public.tool_executions.approved_at IS 'Stamped by the trigger on the move to approved.';
COMMENT ON COLUMN public.tool_executions.started_at IS 'Stamped by the trigger on the move to executing.';
COMMENT ON COLUMN public.tool_executions.completed_at IS 'Stamped by the trigger on the move to completed.';
COMMENT ON COLUMN public.tool_executions.failed_at IS 'Stamped by the trigger on the move to failed.';
COMMENT ON COLUMN public.tool_executions.cancelled_at IS 'Stamped by the trigger on the move to cancelled.';

CREATE FUNCTION public.tool_executions_check_transition()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
    previous text := CASE WHEN TG_OP = 'INSERT' THEN 'new' ELSE OLD.status::text END;
    allowed text[];
    stamp timestamptz := clock_timestamp();
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.status = OLD.status THEN
        RETURN NEW;  -- not a transition
    END IF;

    allowed := CASE previous
        WHEN 'new' THEN ARRAY['pending', 'approved']
        WHEN 'pending' THEN ARRAY['approved', 'cancelled', 'failed']
        WHEN 'approved' THEN ARRAY['executing', 'cancelled', 'failed']
        WHEN 'executing' THEN ARRAY['completed', 'failed', 'cancelled']
        ELSE ARRAY[]::text[]
    END;
    IF NOT NEW.status::text = ANY (allowed) THEN
        RAISE EXCEPTION 'illegal tool execution transition from % to %', previous, NEW.status
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'tool_executions_status_transition_check',
                  TABLE = 'tool_executions',
                  SCHEMA = 'public',
                  COLUMN = 'status',
                  DETAIL = format('From %s the allowed statuses are: %s.', previous,
                                  coalesce(nullif(array_to_string(allowed, ', '), ''), 'none (terminal)'));
    END IF;

    CASE NEW.status
        WHEN 'approved' THEN NEW.approved_at := coalesce(NEW.approved_at, stamp);
        WHEN 'executing' THEN NEW.started_at := coalesce(NEW.started_at, stamp);
        WHEN 'completed' THEN NEW.completed_at := coalesce(NEW.completed_at, stamp);
        WHEN 'failed' THEN NEW.failed_at := coalesce(NEW.failed_at, stamp);
        WHEN 'cancelled' THEN NEW.cancelled_at := coalesce(NEW.cancelled_at, stamp);
        ELSE NULL;
    END CASE;
    IF NEW.status IN ('completed', 'failed') AND NEW.execution_ms IS NULL AND NEW.started_at IS NOT NULL THEN
        NEW.execution_ms := greatest(0, round(extract(epoch FROM stamp - NEW.started_at) * 1000))::integer;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION public.tool_executions_check_transition() IS
    'BEFORE INSERT OR UPDATE OF status trigger on tool_executions: rejects illegal status transitions (check_violation, constraint tool_executions_status_transition_check) and stamps the step timestamp and execution_ms.';

CREATE TRIGGER tool_executions_check_transition BEFORE INSERT OR UPDATE OF status ON public.tool_executions
    FOR EACH ROW EXECUTE FUNCTION public.tool_executions_check_transition();
CREATE TRIGGER tool_executions_set_updated_at BEFORE UPDATE ON public.tool_executions
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

CREATE TYPE public.context_optimization_strategy AS ENUM (
    'truncate', 'sliding_window', 'summarize', 'prune_tool_results'
);
COMMENT ON TYPE public.context_optimization_strategy IS
    'How a chat''s context was shrunk to fit the model: drop the oldest messages, keep a sliding window, summarise, or prune tool results.';

CREATE TABLE public.context_optimizations (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    chat_id uuid NOT NULL,
    message_id uuid,
    strategy public.context_optimization_strategy NOT NULL,
    tokens_before integer NOT NULL,
    tokens_after integer NOT NULL,
    messages_removed integer NOT NULL DEFAULT 0,
    summary text,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT context_optimizations_pkey PRIMARY KEY (id),
    CONSTRAINT context_optimizations_chat_id_fkey FOREIGN KEY (chat_id) REFERENCES public.chats (id) ON DELETE CASCADE,
    CONSTRAINT context_optimizations_message_id_fkey FOREIGN KEY (message_id) REFERENCES public.messages (id) ON DELETE CASCADE,
    CONSTRAINT context_optimizations_tokens_check CHECK (tokens_after >= 0 AND tokens_after <= tokens_before),
    CONSTRAINT context_optimizations_messages_removed_check CHECK (messages_removed >= 0),
    CONSTRAINT context_optimizations_summary_check CHECK (strategy <> 'summarize' OR summary IS NOT NULL),
    CONSTRAINT context_optimizations_metadata_check CHECK (jsonb_typeof(metadata) = 'object')
);
CREATE INDEX context_optimizations_chat_id_created_at_idx ON public.context_optimizations (chat_id, created_at);
CREATE INDEX context_optimizations_message_id_idx ON public.context_optimizations (message_id);

COMMENT ON TABLE public.context_optimizations IS
    'Each time a chat''s context was shrunk before a model request: strategy and token savings. Deleted with the chat.';
COMMENT ON COLUMN public.context_optimizations.message_id IS 'The last message covered by the optimization (the summary replaces the messages up to it).';
COMMENT ON COLUMN public.context_optimizations.strategy IS 'How the context was shrunk.';
COMMENT ON COLUMN public.context_optimizations.tokens_before IS 'Context size in tokens before the optimization.';
COMMENT ON COLUMN public.context_optimizations.tokens_after IS 'Context size in tokens after; never more than tokens_before.';
COMMENT ON COLUMN public.context_optimizations.messages_removed IS 'How many messages were dropped or summarised.';
COMMENT ON COLUMN public.context_optimizations.summary IS 'The summary that replaces the removed messages; required for strategy summarize.';
COMMENT ON COLUMN public.context_optimizations.metadata IS 'Strategy parameters and model used (JSON object).';

GRANT SELECT, INSERT, UPDATE, DELETE ON public.tool_executions, public.context_optimizations
    TO chatdb_app, chatdb_system;

ALTER TABLE public.tool_executions ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.tool_executions FORCE ROW LEVEL SECURITY;
CREATE POLICY tool_executions_owner_all ON public.tool_executions FOR ALL TO chatdb_app
    USING (EXISTS (
        SELECT 1 FROM public.chats AS c
        WHERE c.id = tool_executions.chat_id
          AND c.user_id = nullif(current_setting('app.user_id', true), '')::uuid
    ))
    WITH CHECK (EXISTS (
        SELECT 1 FROM public.chats AS c
        WHERE c.id = tool_executions.chat_id
          AND c.user_id = nullif(current_setting('app.user_id', true), '')::uuid
    ));

ALTER TABLE public.context_optimizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.context_optimizations FORCE ROW LEVEL SECURITY;
CREATE POLICY context_optimizations_owner_all ON public.context_optimizations FOR ALL TO chatdb_app
    USING (EXISTS (
        SELECT 1 FROM public.chats AS c
        WHERE c.id = context_optimizations.chat_id
          AND c.user_id = nullif(current_setting('app.user_id', true), '')::uuid
    ))
    WITH CHECK (EXISTS (
        SELECT 1 FROM public.chats AS c
        WHERE c.id = context_optimizations.chat_id
          AND c.user_id = nullif(current_setting('app.user_id', true), '')::uuid
    ));

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';
-- squawk-ignore ban-drop-table
DROP TABLE public.context_optimizations;
-- squawk-ignore ban-drop-type
DROP TYPE public.context_optimization_strategy;
-- squawk-ignore ban-drop-table
DROP TABLE public.tool_executions;
-- squawk-ignore ban-drop-function
DROP FUNCTION public.tool_executions_check_transition();
-- squawk-ignore ban-drop-type
DROP TYPE public.tool_execution_status;
