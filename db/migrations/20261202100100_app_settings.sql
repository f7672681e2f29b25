-- Settings that change money or limits live in a table owned by chatdb_migrator, not in
-- GUCs. The triggers read chatdb.signup_credits and chatdb.max_successful_referrals with
-- current_setting(), which any session can set (SET / set_config), so SQL run inside a
-- user transaction, or a setting left behind on a pooled connection, decided how many
-- credits the next sign-up got (1,000,000 in the security review). The table is readable
-- by chatdb_system (doctor, back office), not by chatdb_app (RLS without a policy as well),
-- and writable only by its owner (migrations, or a DBA as chatdb_migrator):
--     UPDATE app_settings SET signup_credits = 50;    -- as chatdb_migrator
-- New users start with 0 credits unless a deployment configures an amount: the amount is
-- data, not code.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE public.app_settings (
    singleton boolean NOT NULL DEFAULT true,
    signup_credits numeric(20, 6) NOT NULL DEFAULT 0,
    max_successful_referrals integer NOT NULL DEFAULT 10,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT app_settings_pkey PRIMARY KEY (singleton),
    CONSTRAINT app_settings_singleton_check CHECK (singleton),
    CONSTRAINT app_settings_signup_credits_check CHECK (signup_credits >= 0 AND signup_credits <> 'NaN'),
    CONSTRAINT app_settings_max_successful_referrals_check CHECK (max_successful_referrals >= 0)
);
CREATE TRIGGER app_settings_set_updated_at BEFORE UPDATE ON public.app_settings
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
INSERT INTO public.app_settings DEFAULT VALUES;

COMMENT ON TABLE public.app_settings IS
    'Deployment settings that change money or limits: exactly one row (singleton = true). Read by triggers; written only by its owner chatdb_migrator (never by chatdb_app or chatdb_system, and never from a session setting).';
COMMENT ON COLUMN public.app_settings.singleton IS 'Always true: the primary key that keeps the table at one row.';
COMMENT ON COLUMN public.app_settings.signup_credits IS
    'Credits granted to every new user through the ledger (users_grant_signup_credits, operation_id signup:<user id>); 0 (the default) grants none.';
COMMENT ON COLUMN public.app_settings.max_successful_referrals IS
    'Most completed referrals one referrer may have (referrals_referrer_maximum_check).';

GRANT SELECT ON public.app_settings TO chatdb_system;
ALTER TABLE public.app_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.app_settings FORCE ROW LEVEL SECURITY;

CREATE OR REPLACE FUNCTION public.users_grant_signup_credits()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
    credits numeric;
BEGIN
    SELECT s.signup_credits INTO credits FROM public.app_settings AS s;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'app_settings has no row: restore it (INSERT INTO app_settings DEFAULT VALUES)'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF credits > 0 THEN
        INSERT INTO public.credit_ledger (user_id, operation_id, amount, reason, description)
        VALUES (NEW.id, 'signup:' || NEW.id, credits, 'signup', 'Welcome credits');
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION public.users_grant_signup_credits() IS
    'AFTER INSERT trigger on users: grants signup credits through the ledger (operation_id signup:<user id>). Amount: app_settings.signup_credits (default 0: none); never a session setting.';

CREATE OR REPLACE FUNCTION public.referrals_count_successful()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
    max_allowed integer;
    counted integer;
BEGIN
    IF NEW.status = 'completed' AND (TG_OP = 'INSERT' OR OLD.status <> 'completed') THEN
        SELECT s.max_successful_referrals INTO max_allowed FROM public.app_settings AS s;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'app_settings has no row: restore it (INSERT INTO app_settings DEFAULT VALUES)'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        -- The row lock taken here is what makes the maximum race-safe.
        UPDATE public.users
        SET successful_referral_count = successful_referral_count + 1
        WHERE id = NEW.referrer_id
        RETURNING successful_referral_count INTO counted;
        IF counted > max_allowed THEN
            RAISE EXCEPTION 'referrer % already has the maximum of % successful referrals', NEW.referrer_id, max_allowed
                USING ERRCODE = 'check_violation',
                      CONSTRAINT = 'referrals_referrer_maximum_check',
                      TABLE = 'referrals',
                      SCHEMA = 'public';
        END IF;
    ELSIF TG_OP = 'UPDATE' AND OLD.status = 'completed' AND NEW.status <> 'completed' THEN
        UPDATE public.users
        SET successful_referral_count = greatest(successful_referral_count - 1, 0)
        WHERE id = NEW.referrer_id;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION public.referrals_count_successful() IS
    'AFTER INSERT OR UPDATE OF status trigger on referrals: counts completed referrals on the referrer''s users row and raises referrals_referrer_maximum_check above app_settings.max_successful_referrals (default 10).';

COMMENT ON COLUMN public.users.successful_referral_count IS
    'Referrals of this user that became completed, maintained by the referrals_count_successful trigger and capped by app_settings.max_successful_referrals. Not decremented when a referred user is deleted (a slot cannot be recycled by deleting accounts).';

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

COMMENT ON COLUMN public.users.successful_referral_count IS
    'Referrals of this user that became completed, maintained by the referrals_count_successful trigger and capped by chatdb.max_successful_referrals. Not decremented when a referred user is deleted (a slot cannot be recycled by deleting accounts).';

CREATE OR REPLACE FUNCTION public.referrals_count_successful()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
    setting text := nullif(current_setting('chatdb.max_successful_referrals', true), '');
    max_allowed integer;
    counted integer;
BEGIN
    IF NEW.status = 'completed' AND (TG_OP = 'INSERT' OR OLD.status <> 'completed') THEN
        BEGIN
            max_allowed := coalesce(setting::integer, 10);
        EXCEPTION WHEN invalid_text_representation OR numeric_value_out_of_range THEN
            RAISE EXCEPTION 'chatdb.max_successful_referrals must be an integer, got %', quote_literal(setting)
                USING ERRCODE = 'invalid_parameter_value';
        END;
        -- The row lock taken here is what makes the maximum race-safe.
        UPDATE public.users
        SET successful_referral_count = successful_referral_count + 1
        WHERE id = NEW.referrer_id
        RETURNING successful_referral_count INTO counted;
        IF counted > max_allowed THEN
            RAISE EXCEPTION 'referrer % already has the maximum of % successful referrals', NEW.referrer_id, max_allowed
                USING ERRCODE = 'check_violation',
                      CONSTRAINT = 'referrals_referrer_maximum_check',
                      TABLE = 'referrals',
                      SCHEMA = 'public';
        END IF;
    ELSIF TG_OP = 'UPDATE' AND OLD.status = 'completed' AND NEW.status <> 'completed' THEN
        UPDATE public.users
        SET successful_referral_count = greatest(successful_referral_count - 1, 0)
        WHERE id = NEW.referrer_id;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION public.referrals_count_successful() IS
    'AFTER INSERT OR UPDATE OF status trigger on referrals: counts completed referrals on the referrer''s users row and raises referrals_referrer_maximum_check above chatdb.max_successful_referrals (default 10).';

CREATE OR REPLACE FUNCTION public.users_grant_signup_credits()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
    setting text := nullif(current_setting('chatdb.signup_credits', true), '');
    credits numeric;
BEGIN
    BEGIN
        credits := coalesce(setting::numeric, 100);
    EXCEPTION WHEN invalid_text_representation THEN
        credits := NULL;
    END;
    IF credits IS NULL OR credits < 0 THEN
        RAISE EXCEPTION 'chatdb.signup_credits must be a number >= 0, got %', quote_literal(setting)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF credits > 0 THEN
        INSERT INTO public.credit_ledger (user_id, operation_id, amount, reason, description)
        VALUES (NEW.id, 'signup:' || NEW.id, credits, 'signup', 'Welcome credits');
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION public.users_grant_signup_credits() IS
    'AFTER INSERT trigger on users: grants signup credits through the ledger (operation_id signup:<user id>). Amount: setting chatdb.signup_credits, default 100; 0 disables.';

-- squawk-ignore ban-drop-table
DROP TABLE public.app_settings;
