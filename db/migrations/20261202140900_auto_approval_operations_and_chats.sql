-- domain: settings
-- Auto-approval settings gain the operation lists and the hourly cap the documents state:
-- read_only_operations and low_risk_operations (operations that may run unapproved by
-- their risk class) and max_hourly_cost (USD per rolling hour, next to the daily budget).
-- Chats carry per-conversation overrides: auto_approve (NULL = the user's setting) and
-- auto_approve_tools (tools approved for this chat only).

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

ALTER TABLE public.auto_approval_settings
    ADD COLUMN read_only_operations text[] NOT NULL DEFAULT '{}',
    ADD COLUMN low_risk_operations text[] NOT NULL DEFAULT '{}',
    ADD COLUMN max_hourly_cost numeric(18, 8);
ALTER TABLE public.auto_approval_settings ADD CONSTRAINT auto_approval_settings_operations_length_check
    CHECK (cardinality(read_only_operations) <= 500 AND cardinality(low_risk_operations) <= 500) NOT VALID;
ALTER TABLE public.auto_approval_settings ADD CONSTRAINT auto_approval_settings_hourly_cost_check
    CHECK (max_hourly_cost >= 0 AND max_hourly_cost <= max_daily_cost) NOT VALID;
COMMENT ON COLUMN public.auto_approval_settings.read_only_operations IS 'Operations that only read (search, list, fetch) and may run unapproved (at most 500).';
COMMENT ON COLUMN public.auto_approval_settings.low_risk_operations IS 'Operations with small, reversible effects that may run unapproved (at most 500).';
COMMENT ON COLUMN public.auto_approval_settings.max_hourly_cost IS 'Budget (USD) of unapproved calls per rolling hour, at most max_daily_cost; NULL = no hourly cap (the daily budget only, as before this column).';
COMMENT ON CONSTRAINT auto_approval_settings_operations_length_check ON public.auto_approval_settings IS 'read_only_operations, low_risk_operations: at most 500 entries each, like allowed_tools.';
COMMENT ON CONSTRAINT auto_approval_settings_hourly_cost_check ON public.auto_approval_settings IS 'max_hourly_cost, when set, is not negative and not above max_daily_cost.';

ALTER TABLE public.chats
    ADD COLUMN auto_approve boolean,
    ADD COLUMN auto_approve_tools text[] NOT NULL DEFAULT '{}';
ALTER TABLE public.chats ADD CONSTRAINT chats_auto_approve_tools_length_check
    CHECK (cardinality(auto_approve_tools) <= 500) NOT VALID;
COMMENT ON COLUMN public.chats.auto_approve IS 'Per-conversation auto-approval: true or false overrides the user''s auto_approval_settings.enabled for this chat; NULL follows it.';
COMMENT ON COLUMN public.chats.auto_approve_tools IS 'Tools approved for this chat only, on top of the user''s allowed_tools (at most 500); the user''s blocked_tools still win.';
COMMENT ON CONSTRAINT chats_auto_approve_tools_length_check ON public.chats IS 'auto_approve_tools: at most 500 entries, like auto_approval_settings.allowed_tools.';

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- squawk-ignore ban-drop-column
ALTER TABLE public.chats DROP COLUMN auto_approve_tools;
-- squawk-ignore ban-drop-column
ALTER TABLE public.chats DROP COLUMN auto_approve;
-- squawk-ignore ban-drop-column
ALTER TABLE public.auto_approval_settings DROP COLUMN max_hourly_cost;
-- squawk-ignore ban-drop-column
ALTER TABLE public.auto_approval_settings DROP COLUMN low_risk_operations;
-- squawk-ignore ban-drop-column
ALTER TABLE public.auto_approval_settings DROP COLUMN read_only_operations;
