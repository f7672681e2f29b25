-- Finite numbers for the numeric columns the seed-parity migrations added (see
-- 20261202100200_finite_numbers.sql): auto_approval_settings.max_hourly_cost and
-- companion_token_burns.credits_per_1k_tokens refuse NaN. Added NOT VALID; the next migration
-- validates them.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

ALTER TABLE public.auto_approval_settings ADD CONSTRAINT auto_approval_settings_max_hourly_cost_finite_check CHECK (max_hourly_cost <> 'NaN'::numeric) NOT VALID;
ALTER TABLE public.companion_token_burns ADD CONSTRAINT companion_token_burns_credits_per_1k_tokens_finite_check CHECK (credits_per_1k_tokens <> 'NaN'::numeric) NOT VALID;

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';
-- The down section drops exactly the constraints the up section added, nothing else.
-- squawk-ignore-file ban-drop-constraint
ALTER TABLE public.companion_token_burns DROP CONSTRAINT companion_token_burns_credits_per_1k_tokens_finite_check;
ALTER TABLE public.auto_approval_settings DROP CONSTRAINT auto_approval_settings_max_hourly_cost_finite_check;
