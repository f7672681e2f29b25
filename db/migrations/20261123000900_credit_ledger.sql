-- Credits: an insert-only ledger that is the only writer of users.credit_balance.
--
-- Invariant, for every writer: users.credit_balance = sum(credit_ledger.amount) of the user,
-- and never negative.
--   * credit_ledger_apply (BEFORE INSERT) locks the user row, applies the amount with one
--     UPDATE ... RETURNING and stores the result in balance_after. Consuming more than the
--     balance fails with check_violation on users_credit_balance_nonnegative_check (the
--     runtime's InsufficientCredits) and writes nothing.
--   * Idempotency by operation_id: inserting an operation that was already applied (same user,
--     amount and reason) inserts nothing and returns no row (INSERT ... RETURNING yields zero
--     rows); reusing an operation_id for a different entry raises unique_violation on
--     credit_ledger_operation_id_key. The unique constraint is DEFERRABLE (checked at the end of
--     the statement) so it cannot be an ON CONFLICT arbiter: ON CONFLICT would skip a row
--     *after* the trigger changed the balance. Plain INSERT is the idempotent API.
--   * users_credit_balance_guard rejects any other write of users.credit_balance (and a new
--     user with a non-zero balance): check_violation on users_credit_balance_ledger_check.
--   * credit_ledger_reject_change rejects UPDATE, TRUNCATE and DELETE (check_violation on
--     credit_ledger_insert_only_check) except the cascade of deleting the user.
--   * users_grant_signup_credits grants new users their signup credits through the ledger,
--     operation_id 'signup:<user id>'. The amount is the setting chatdb.signup_credits
--     (e.g. ALTER DATABASE ... SET chatdb.signup_credits = '50'; 0 disables), default 100.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TYPE public.credit_reason AS ENUM (
    'signup', 'referral', 'purchase', 'subscription', 'promotion',
    'usage', 'companion_burn', 'refund', 'adjustment'
);
COMMENT ON TYPE public.credit_reason IS
    'Why credits moved. Grants (signup, referral, purchase, subscription, promotion) are positive, spending (usage, companion_burn) negative, refund and adjustment either way (credit_ledger_reason_amount_check).';

CREATE TABLE public.credit_ledger (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    operation_id text NOT NULL,
    amount numeric(20, 6) NOT NULL,
    balance_after numeric(20, 6) NOT NULL,
    reason public.credit_reason NOT NULL,
    description text,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT credit_ledger_pkey PRIMARY KEY (id),
    CONSTRAINT credit_ledger_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE,
    CONSTRAINT credit_ledger_operation_id_key UNIQUE (operation_id) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT credit_ledger_operation_id_check CHECK (char_length(operation_id) <= 200 AND operation_id ~ '^[a-z][a-z0-9_-]*:.+$'),
    CONSTRAINT credit_ledger_amount_check CHECK (amount <> 0),
    CONSTRAINT credit_ledger_balance_after_check CHECK (balance_after >= 0),
    CONSTRAINT credit_ledger_reason_amount_check CHECK (
        CASE reason
            WHEN 'usage' THEN amount < 0
            WHEN 'companion_burn' THEN amount < 0
            WHEN 'refund' THEN true
            WHEN 'adjustment' THEN true
            ELSE amount > 0
        END
    ),
    CONSTRAINT credit_ledger_metadata_check CHECK (jsonb_typeof(metadata) = 'object')
);
-- A user's statement, newest first, keyset on (created_at, id) (ListLedgerEntries).
CREATE INDEX credit_ledger_user_id_created_at_id_idx ON public.credit_ledger (user_id, created_at DESC, id DESC);

COMMENT ON TABLE public.credit_ledger IS
    'Insert-only journal of every credit movement; users.credit_balance is its running sum, maintained by the credit_ledger_apply trigger. Rows are never updated or deleted, except together with their user.';
COMMENT ON COLUMN public.credit_ledger.user_id IS 'Whose balance moved.';
COMMENT ON COLUMN public.credit_ledger.operation_id IS
    'Idempotency key chosen by the caller, globally unique, "kind:key" (msg:<message id>, stripe:<event id>, signup:<user id>, referral:<referrer>:<referred>). Re-inserting an applied operation is a no-op that returns no row.';
COMMENT ON COLUMN public.credit_ledger.amount IS 'Credits added (positive) or spent (negative); never zero.';
COMMENT ON COLUMN public.credit_ledger.balance_after IS 'users.credit_balance right after this entry; set by the trigger (any value the writer passes is replaced).';
COMMENT ON COLUMN public.credit_ledger.reason IS 'Why the credits moved; its sign is checked (credit_ledger_reason_amount_check).';
COMMENT ON COLUMN public.credit_ledger.description IS 'Human-readable line for the statement the user sees.';
COMMENT ON COLUMN public.credit_ledger.metadata IS 'Context of the movement (message id, invoice, referral ...), JSON object.';

CREATE FUNCTION public.credit_ledger_apply()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
    existing record;
BEGIN
    -- Serialise with every other ledger write of this user: a concurrent retry of the same
    -- operation waits here, then (READ COMMITTED: the next statement takes a new snapshot)
    -- sees the committed entry below. FOR NO KEY UPDATE does not block inserts that only
    -- reference the user.
    PERFORM 1 FROM public.users WHERE id = NEW.user_id FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'insert or update on table "credit_ledger" violates foreign key constraint "credit_ledger_user_id_fkey"'
            USING ERRCODE = 'foreign_key_violation',
                  CONSTRAINT = 'credit_ledger_user_id_fkey',
                  TABLE = 'credit_ledger',
                  SCHEMA = 'public',
                  DETAIL = format('Key (user_id)=(%s) is not present in table "users".', NEW.user_id);
    END IF;

    SELECT l.user_id, l.amount, l.reason INTO existing
    FROM public.credit_ledger AS l
    WHERE l.operation_id = NEW.operation_id;
    IF FOUND THEN
        IF existing.user_id = NEW.user_id AND existing.amount = NEW.amount AND existing.reason = NEW.reason THEN
            RETURN NULL;  -- already applied: insert nothing, change nothing
        END IF;
        RAISE EXCEPTION 'operation_id % was already used for a different ledger entry', NEW.operation_id
            USING ERRCODE = 'unique_violation',
                  CONSTRAINT = 'credit_ledger_operation_id_key',
                  TABLE = 'credit_ledger',
                  SCHEMA = 'public',
                  DETAIL = format('The existing entry is for user %s, amount %s, reason %s.',
                                  existing.user_id, existing.amount, existing.reason);
    END IF;

    -- Fails with users_credit_balance_nonnegative_check when the balance would go negative.
    UPDATE public.users
    SET credit_balance = credit_balance + NEW.amount
    WHERE id = NEW.user_id
    RETURNING credit_balance INTO NEW.balance_after;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION public.credit_ledger_apply() IS
    'BEFORE INSERT trigger on credit_ledger: applies the amount to users.credit_balance (the only path that may), sets balance_after, and makes re-inserting an applied operation_id a no-op.';

CREATE TRIGGER credit_ledger_apply BEFORE INSERT ON public.credit_ledger
    FOR EACH ROW EXECUTE FUNCTION public.credit_ledger_apply();

CREATE FUNCTION public.credit_ledger_reject_change()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
    -- The one allowed deletion: the ON DELETE CASCADE of erasing the user, which runs after
    -- the user row is gone.
    IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM public.users WHERE id = OLD.user_id) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'credit_ledger is insert-only: % is not allowed', TG_OP
        USING ERRCODE = 'check_violation',
              CONSTRAINT = 'credit_ledger_insert_only_check',
              TABLE = 'credit_ledger',
              SCHEMA = 'public',
              HINT = 'Correct a balance with a new entry (reason adjustment or refund).';
END
$$;
COMMENT ON FUNCTION public.credit_ledger_reject_change() IS
    'Trigger on credit_ledger: rejects UPDATE, TRUNCATE and DELETE (credit_ledger_insert_only_check), except the cascade of deleting the user.';

CREATE TRIGGER credit_ledger_reject_update_delete BEFORE UPDATE OR DELETE ON public.credit_ledger
    FOR EACH ROW EXECUTE FUNCTION public.credit_ledger_reject_change();
CREATE TRIGGER credit_ledger_reject_truncate BEFORE TRUNCATE ON public.credit_ledger
    FOR EACH STATEMENT EXECUTE FUNCTION public.credit_ledger_reject_change();

CREATE FUNCTION public.users_credit_balance_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
    -- Depth 1 = fired by a statement a client ran. The ledger trigger's UPDATE fires this at
    -- depth >= 2 and is the only allowed writer.
    IF (TG_OP = 'INSERT' AND NEW.credit_balance <> 0)
       OR (TG_OP = 'UPDATE' AND NEW.credit_balance IS DISTINCT FROM OLD.credit_balance AND pg_trigger_depth() < 2) THEN
        RAISE EXCEPTION 'users.credit_balance is maintained by credit_ledger: insert a ledger entry instead'
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'users_credit_balance_ledger_check',
                  TABLE = 'users',
                  SCHEMA = 'public',
                  COLUMN = 'credit_balance';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION public.users_credit_balance_guard() IS
    'Trigger on users: credit_balance starts at 0 and changes only through credit_ledger inserts (users_credit_balance_ledger_check).';

CREATE TRIGGER users_credit_balance_guard BEFORE INSERT OR UPDATE OF credit_balance ON public.users
    FOR EACH ROW EXECUTE FUNCTION public.users_credit_balance_guard();

CREATE FUNCTION public.users_grant_signup_credits()
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

CREATE TRIGGER users_grant_signup_credits AFTER INSERT ON public.users
    FOR EACH ROW EXECUTE FUNCTION public.users_grant_signup_credits();

-- Trigger functions need no EXECUTE privilege to fire; nobody should call them directly.
REVOKE ALL ON FUNCTION public.credit_ledger_apply() FROM PUBLIC;
REVOKE ALL ON FUNCTION public.credit_ledger_reject_change() FROM PUBLIC;
REVOKE ALL ON FUNCTION public.users_grant_signup_credits() FROM PUBLIC;

-- chatdb_system grants and charges anyone; chatdb_app may only spend the signed-in user's
-- credits (the policy allows negative amounts only).
GRANT SELECT, INSERT ON public.credit_ledger TO chatdb_app, chatdb_system;

ALTER TABLE public.credit_ledger ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.credit_ledger FORCE ROW LEVEL SECURITY;
CREATE POLICY credit_ledger_owner_read ON public.credit_ledger FOR SELECT TO chatdb_app
    USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid);
CREATE POLICY credit_ledger_owner_spend ON public.credit_ledger FOR INSERT TO chatdb_app
    WITH CHECK (user_id = nullif(current_setting('app.user_id', true), '')::uuid AND amount < 0);

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';
DROP TRIGGER users_grant_signup_credits ON public.users;
DROP TRIGGER users_credit_balance_guard ON public.users;
-- squawk-ignore ban-drop-function
DROP FUNCTION public.users_grant_signup_credits();
-- squawk-ignore ban-drop-function
DROP FUNCTION public.users_credit_balance_guard();
-- squawk-ignore ban-drop-table
DROP TABLE public.credit_ledger;
-- squawk-ignore ban-drop-function
DROP FUNCTION public.credit_ledger_reject_change();
-- squawk-ignore ban-drop-function
DROP FUNCTION public.credit_ledger_apply();
-- squawk-ignore ban-drop-type
DROP TYPE public.credit_reason;
