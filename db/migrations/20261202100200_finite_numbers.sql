-- Finite numbers only. PostgreSQL's numeric has a NaN that compares equal to itself and
-- greater than every number, so NaN passed every CHECK written as "cost >= 0" or
-- "amount <> 0": insert_ledger_entry(amount=NaN) made a balance NaN for good (the ledger is
-- insert-only) and a NaN message cost, loaded by COPY, broke that chat's message list.
-- Every numeric column gets <table>_<column>_finite_check (col <> 'NaN'). Infinity needs no
-- check here: every such column has a precision (numeric(p, s)), which refuses +-Infinity
-- with numeric_value_out_of_range; tests/schema/test_finite_numbers.py finds every numeric
-- and floating-point column in the catalog and proves each refuses NaN (and Infinity).
--
-- Added NOT VALID (no scan under the ACCESS EXCLUSIVE lock); the next migration,
-- validate_finite_numbers, validates them under SHARE UPDATE EXCLUSIVE.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

ALTER TABLE public.auto_approval_settings ADD CONSTRAINT auto_approval_settings_max_cost_per_execution_finite_check CHECK (max_cost_per_execution <> 'NaN'::numeric) NOT VALID;
ALTER TABLE public.auto_approval_settings ADD CONSTRAINT auto_approval_settings_max_daily_cost_finite_check CHECK (max_daily_cost <> 'NaN'::numeric) NOT VALID;
ALTER TABLE public.companion_token_burns ADD CONSTRAINT companion_token_burns_credits_finite_check CHECK (credits <> 'NaN'::numeric) NOT VALID;
ALTER TABLE public.credit_ledger ADD CONSTRAINT credit_ledger_amount_finite_check CHECK (amount <> 'NaN'::numeric) NOT VALID;
ALTER TABLE public.credit_ledger ADD CONSTRAINT credit_ledger_balance_after_finite_check CHECK (balance_after <> 'NaN'::numeric) NOT VALID;
ALTER TABLE public.daily_usage ADD CONSTRAINT daily_usage_cost_finite_check CHECK (cost <> 'NaN'::numeric) NOT VALID;
ALTER TABLE public.messages ADD CONSTRAINT messages_cost_finite_check CHECK (cost <> 'NaN'::numeric) NOT VALID;
ALTER TABLE public.payments ADD CONSTRAINT payments_credits_granted_finite_check CHECK (credits_granted <> 'NaN'::numeric) NOT VALID;
ALTER TABLE public.referrals ADD CONSTRAINT referrals_credits_awarded_finite_check CHECK (credits_awarded <> 'NaN'::numeric) NOT VALID;
ALTER TABLE public.tool_executions ADD CONSTRAINT tool_executions_cost_finite_check CHECK (cost <> 'NaN'::numeric) NOT VALID;
ALTER TABLE public.usage_logs ADD CONSTRAINT usage_logs_cost_finite_check CHECK (cost <> 'NaN'::numeric) NOT VALID;
ALTER TABLE public.users ADD CONSTRAINT users_credit_balance_finite_check CHECK (credit_balance <> 'NaN'::numeric) NOT VALID;

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';
-- The down section drops exactly the constraints the up section added, nothing else.
-- squawk-ignore-file ban-drop-constraint

ALTER TABLE public.auto_approval_settings DROP CONSTRAINT auto_approval_settings_max_cost_per_execution_finite_check;
ALTER TABLE public.auto_approval_settings DROP CONSTRAINT auto_approval_settings_max_daily_cost_finite_check;
ALTER TABLE public.companion_token_burns DROP CONSTRAINT companion_token_burns_credits_finite_check;
ALTER TABLE public.credit_ledger DROP CONSTRAINT credit_ledger_amount_finite_check;
ALTER TABLE public.credit_ledger DROP CONSTRAINT credit_ledger_balance_after_finite_check;
ALTER TABLE public.daily_usage DROP CONSTRAINT daily_usage_cost_finite_check;
ALTER TABLE public.messages DROP CONSTRAINT messages_cost_finite_check;
ALTER TABLE public.payments DROP CONSTRAINT payments_credits_granted_finite_check;
ALTER TABLE public.referrals DROP CONSTRAINT referrals_credits_awarded_finite_check;
ALTER TABLE public.tool_executions DROP CONSTRAINT tool_executions_cost_finite_check;
ALTER TABLE public.usage_logs DROP CONSTRAINT usage_logs_cost_finite_check;
ALTER TABLE public.users DROP CONSTRAINT users_credit_balance_finite_check;
