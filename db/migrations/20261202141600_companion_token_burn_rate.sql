-- domain: companions_groups
-- Companion token burns follow a stated tokens-to-credits rate, and the database holds every
-- burn to it: each burn records the rate it was charged at (credits_per_1k_tokens) and its
-- credits must be exactly the tokens at that rate, rounded up to the next micro-credit
-- (numeric(20, 6)), so no writer can charge more or less than the rate says:
--   credits = ceil((input_tokens + output_tokens) * credits_per_1k_tokens / 1000 * 10^6) / 10^6
-- RecordTokenBurn computes the credits from the rate in SQL. NOT VALID: burns recorded before
-- this migration have no rate and keep their charged credits; every new or changed row is
-- checked.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

ALTER TABLE public.companion_token_burns ADD COLUMN credits_per_1k_tokens numeric(20, 6);
COMMENT ON COLUMN public.companion_token_burns.credits_per_1k_tokens IS
    'The rate the burn was charged at: credits per 1,000 tokens (input + output); credits follow from it (companion_token_burns_rate_check). NULL only for burns recorded before rates were stored.';
ALTER TABLE public.companion_token_burns ADD CONSTRAINT companion_token_burns_rate_check
    CHECK (
        credits_per_1k_tokens IS NOT NULL
        AND credits_per_1k_tokens > 0
        AND credits = ceil((input_tokens + output_tokens)::numeric * credits_per_1k_tokens * 1000) / 1000000
    ) NOT VALID;
COMMENT ON CONSTRAINT companion_token_burns_rate_check ON public.companion_token_burns IS
    'credits = (input_tokens + output_tokens) x credits_per_1k_tokens / 1000, rounded up to 6 decimals; the rate is positive and present.';

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- squawk-ignore ban-drop-column
ALTER TABLE public.companion_token_burns DROP COLUMN credits_per_1k_tokens;
