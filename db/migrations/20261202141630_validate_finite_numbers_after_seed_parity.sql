-- Validates the NOT VALID constraints of finite_numbers_after_seed_parity (SHARE UPDATE
-- EXCLUSIVE: reads and writes continue). Fails, naming the constraint, if a row holds NaN.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '10min';

ALTER TABLE public.auto_approval_settings VALIDATE CONSTRAINT auto_approval_settings_max_hourly_cost_finite_check;
ALTER TABLE public.companion_token_burns VALIDATE CONSTRAINT companion_token_burns_credits_per_1k_tokens_finite_check;

-- migrate:down
-- Nothing to undo: a validated constraint stays valid; finite_numbers_after_seed_parity's down drops it.
