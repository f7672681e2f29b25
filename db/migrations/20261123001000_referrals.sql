-- Referrals. A user is referred at most once, never by themselves, and a referrer has at most
-- chatdb.max_successful_referrals (default 10) successful (completed) referrals.
--
-- The maximum is race-safe: users.successful_referral_count is incremented by an AFTER
-- trigger with one UPDATE of the referrer's row, which serialises concurrent redemptions for
-- the same referrer (READ COMMITTED re-reads the committed count; REPEATABLE READ and
-- SERIALIZABLE get a serialization failure to retry). Exceeding the maximum raises
-- check_violation with CONSTRAINT referrals_referrer_maximum_check. AFTER (not BEFORE) so an
-- INSERT ... ON CONFLICT DO NOTHING that skips the row never counts it.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TYPE public.referral_status AS ENUM ('pending', 'completed', 'cancelled');
COMMENT ON TYPE public.referral_status IS
    'pending: code redeemed, reward not yet earned; completed: reward granted (counts toward the referrer''s maximum); cancelled: voided (e.g. abuse).';

-- A constant default: no table rewrite (PostgreSQL 11+).
ALTER TABLE public.users ADD COLUMN successful_referral_count integer NOT NULL DEFAULT 0;
COMMENT ON COLUMN public.users.successful_referral_count IS
    'Referrals of this user that became completed, maintained by the referrals_count_successful trigger and capped by chatdb.max_successful_referrals. Not decremented when a referred user is deleted (a slot cannot be recycled by deleting accounts).';

CREATE TABLE public.referrals (
    referrer_id uuid NOT NULL,
    referred_id uuid NOT NULL,
    status public.referral_status NOT NULL DEFAULT 'pending',
    credits_awarded numeric(20, 6) NOT NULL DEFAULT 0,
    completed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT referrals_pkey PRIMARY KEY (referrer_id, referred_id),
    CONSTRAINT referrals_referred_id_key UNIQUE (referred_id),
    CONSTRAINT referrals_referrer_id_fkey FOREIGN KEY (referrer_id) REFERENCES public.users (id) ON DELETE CASCADE,
    CONSTRAINT referrals_referred_id_fkey FOREIGN KEY (referred_id) REFERENCES public.users (id) ON DELETE CASCADE,
    CONSTRAINT referrals_no_self_referral_check CHECK (referrer_id <> referred_id),
    CONSTRAINT referrals_credits_awarded_check CHECK (credits_awarded >= 0),
    CONSTRAINT referrals_completed_at_check CHECK ((status = 'completed') = (completed_at IS NOT NULL))
);
-- ListReferralsByReferrer, newest first.
CREATE INDEX referrals_referrer_id_created_at_idx ON public.referrals (referrer_id, created_at DESC);
CREATE TRIGGER referrals_set_updated_at BEFORE UPDATE ON public.referrals
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.referrals IS
    'Who referred whom. Primary key (referrer, referred); a user is referred at most once (referrals_referred_id_key); no self-referral; per-referrer maximum of completed referrals (referrals_referrer_maximum_check).';
COMMENT ON COLUMN public.referrals.referrer_id IS 'The user whose referral code was redeemed.';
COMMENT ON COLUMN public.referrals.referred_id IS 'The new user who redeemed it; unique.';
COMMENT ON COLUMN public.referrals.status IS 'pending, completed (rewarded; counts toward the maximum) or cancelled.';
COMMENT ON COLUMN public.referrals.credits_awarded IS 'Credits granted to the referrer for this referral (through credit_ledger).';
COMMENT ON COLUMN public.referrals.completed_at IS 'When the referral was completed; set exactly when status = completed.';

CREATE FUNCTION public.referrals_count_successful()
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
REVOKE ALL ON FUNCTION public.referrals_count_successful() FROM PUBLIC;

CREATE TRIGGER referrals_count_successful AFTER INSERT OR UPDATE OF status ON public.referrals
    FOR EACH ROW EXECUTE FUNCTION public.referrals_count_successful();

-- Redemption credits another user, so it runs as chatdb_system; users only read their own.
GRANT SELECT, INSERT, UPDATE, DELETE ON public.referrals TO chatdb_system;
GRANT SELECT ON public.referrals TO chatdb_app;

ALTER TABLE public.referrals ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.referrals FORCE ROW LEVEL SECURITY;
CREATE POLICY referrals_participant_read ON public.referrals FOR SELECT TO chatdb_app
    USING (
        referrer_id = nullif(current_setting('app.user_id', true), '')::uuid
        OR referred_id = nullif(current_setting('app.user_id', true), '')::uuid
    );

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';
-- squawk-ignore ban-drop-table
DROP TABLE public.referrals;
-- squawk-ignore ban-drop-function
DROP FUNCTION public.referrals_count_successful();
-- squawk-ignore ban-drop-column
ALTER TABLE public.users DROP COLUMN successful_referral_count;
-- squawk-ignore ban-drop-type
DROP TYPE public.referral_status;
