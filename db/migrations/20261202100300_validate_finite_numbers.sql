-- Validates the NOT VALID constraints of finite_numbers (scans each table under SHARE UPDATE
-- EXCLUSIVE: reads and writes continue). Fails, naming the constraint, if a row already holds
-- NaN; correct that row (for credit_ledger: with a new entry after fixing the data by hand),
-- then migrate again.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '10min';

ALTER TABLE public.auto_approval_settings VALIDATE CONSTRAINT auto_approval_settings_max_cost_per_execution_finite_check;
ALTER TABLE public.auto_approval_settings VALIDATE CONSTRAINT auto_approval_settings_max_daily_cost_finite_check;
ALTER TABLE public.companion_token_burns VALIDATE CONSTRAINT companion_token_burns_credits_finite_check;
ALTER TABLE public.credit_ledger VALIDATE CONSTRAINT credit_ledger_amount_finite_check;
ALTER TABLE public.credit_ledger VALIDATE CONSTRAINT credit_ledger_balance_after_finite_check;
ALTER TABLE public.daily_usage VALIDATE CONSTRAINT daily_usage_cost_finite_check;
ALTER TABLE public.messages VALIDATE CONSTRAINT messages_cost_finite_check;
ALTER TABLE public.payments VALIDATE CONSTRAINT payments_credits_granted_finite_check;
ALTER TABLE public.referrals VALIDATE CONSTRAINT referrals_credits_awarded_finite_check;
ALTER TABLE public.tool_executions VALIDATE CONSTRAINT tool_executions_cost_finite_check;
ALTER TABLE public.usage_logs VALIDATE CONSTRAINT usage_logs_cost_finite_check;
ALTER TABLE public.users VALIDATE CONSTRAINT users_credit_balance_finite_check;

-- migrate:down
-- Nothing to undo: a validated constraint stays valid; finite_numbers' down drops it.
