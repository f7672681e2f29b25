-- Rows written one after another in one transaction must sort in the order they were written.
-- now() is the transaction's start time, so a question and its answer inserted in one
-- transaction got the same created_at and their order came down to the random uuid id: a
-- chat listed them either way round, and DeleteMessagesAfter(answer.created_at) deleted the
-- question too. clock_timestamp() is the time of the row's insert (microseconds), so each
-- statement's rows get a later time than the previous statement's. Only the defaults change:
-- a metadata-only ALTER, existing rows keep their times, writers that pass created_at
-- (imports) are unaffected.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

ALTER TABLE public.messages ALTER COLUMN created_at SET DEFAULT clock_timestamp();
ALTER TABLE public.companion_messages ALTER COLUMN created_at SET DEFAULT clock_timestamp();
ALTER TABLE public.group_messages ALTER COLUMN created_at SET DEFAULT clock_timestamp();
ALTER TABLE public.tool_executions ALTER COLUMN created_at SET DEFAULT clock_timestamp();
ALTER TABLE public.credit_ledger ALTER COLUMN created_at SET DEFAULT clock_timestamp();

COMMENT ON COLUMN public.messages.created_at IS
    'Order of the conversation; keyset cursor (created_at, id). clock_timestamp(), not now(), so messages written in one transaction (question and answer) keep their order.';
COMMENT ON COLUMN public.companion_messages.created_at IS
    'When the message was written: clock_timestamp(), so messages written in one transaction keep their order.';
COMMENT ON COLUMN public.group_messages.created_at IS
    'When the message was written: clock_timestamp(), so messages written in one transaction keep their order.';
COMMENT ON COLUMN public.tool_executions.created_at IS
    'When the tool call was recorded: clock_timestamp(), so calls recorded in one transaction keep their order.';
COMMENT ON COLUMN public.credit_ledger.created_at IS
    'When the entry was written: clock_timestamp(), so entries written in one transaction keep their order in the statement.';

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';
ALTER TABLE public.messages ALTER COLUMN created_at SET DEFAULT now();
ALTER TABLE public.companion_messages ALTER COLUMN created_at SET DEFAULT now();
ALTER TABLE public.group_messages ALTER COLUMN created_at SET DEFAULT now();
ALTER TABLE public.tool_executions ALTER COLUMN created_at SET DEFAULT now();
ALTER TABLE public.credit_ledger ALTER COLUMN created_at SET DEFAULT now();
COMMENT ON COLUMN public.messages.created_at IS 'Order of the conversation; keyset cursor (created_at, id).';
COMMENT ON COLUMN public.companion_messages.created_at IS NULL;
COMMENT ON COLUMN public.group_messages.created_at IS NULL;
COMMENT ON COLUMN public.tool_executions.created_at IS NULL;
COMMENT ON COLUMN public.credit_ledger.created_at IS NULL;
