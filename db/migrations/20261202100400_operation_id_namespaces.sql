-- Operation ids by namespace. chatdb_app could insert a ledger entry under any operation
-- id, e.g. spend 0.000001 under referral:<X>:referrer, after which X's referral redemption
-- failed for good (the id was taken). Now a caller under row-level security may use only the
-- namespaces (the part before the first ':') listed in app_settings.app_operation_namespaces
-- (default: app, usage, msg, burn); signup:, referral:, stripe:, promo: and every other
-- namespace are the system's. Refused with insufficient_privilege and constraint
-- credit_ledger_operation_id_namespace_check (chatdb.errors.PermissionDenied), before the id is
-- looked up, so the refusal says nothing about whether the id exists.
--
-- The trigger also refuses a NaN amount with credit_ledger_amount_finite_check before it
-- touches the balance (otherwise the user's balance CHECK would be the one to fire).

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

ALTER TABLE public.app_settings
    ADD COLUMN app_operation_namespaces text[] NOT NULL DEFAULT '{app,usage,msg,burn}'
        CONSTRAINT app_settings_app_operation_namespaces_check
        CHECK (cardinality(app_operation_namespaces) <= 100
               AND NOT app_operation_namespaces && '{signup,referral,stripe}'::text[]);
COMMENT ON COLUMN public.app_settings.app_operation_namespaces IS
    'Operation-id namespaces (the part of credit_ledger.operation_id before the first colon) that chatdb_app may use; every other namespace (signup, referral, stripe, ...) is for system flows only.';

CREATE OR REPLACE FUNCTION public.credit_ledger_apply()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
    existing record;
    -- The role the statement runs as outside this SECURITY DEFINER function: SET ROLE
    -- (what the runtime uses) else the login. Whether row-level security applies to it.
    caller name := CASE WHEN current_setting('role') = 'none' THEN session_user
                        ELSE current_setting('role') END;
    rls_applies boolean;
BEGIN
    SELECT NOT (r.rolsuper OR r.rolbypassrls) INTO rls_applies
    FROM pg_catalog.pg_roles AS r WHERE r.rolname = caller;

    -- Row-level security runs after BEFORE triggers, so for a caller it applies to, refuse
    -- an entry for another user here, before this function (which bypasses RLS) locks or
    -- reads anything of that user: the same error the credit_ledger_owner_spend policy
    -- raises, whether or not the operation id exists.
    IF coalesce(rls_applies, true)
       AND NEW.user_id IS DISTINCT FROM nullif(current_setting('app.user_id', true), '')::uuid THEN
        RAISE EXCEPTION 'new row violates row-level security policy for table "credit_ledger"'
            USING ERRCODE = 'insufficient_privilege',
                  TABLE = 'credit_ledger',
                  SCHEMA = 'public';
    END IF;

    -- NaN passes "amount <> 0" and would make the balance NaN for good: refuse it before
    -- anything is written, naming the ledger's own constraint.
    IF NEW.amount = 'NaN' THEN
        RAISE EXCEPTION 'credit_ledger.amount must be a finite number'
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'credit_ledger_amount_finite_check',
                  TABLE = 'credit_ledger',
                  SCHEMA = 'public',
                  COLUMN = 'amount';
    END IF;

    -- Operation ids by namespace: a caller under row-level security may only use the
    -- namespaces app_settings.app_operation_namespaces lists, so it cannot take an id a
    -- system flow will need later (signup:, referral:, stripe:, ...). Checked before the id
    -- is looked up: the answer is the same whether or not the id exists. An id without a
    -- namespace is left to credit_ledger_operation_id_check (no stored id has that shape).
    IF coalesce(rls_applies, true) AND NEW.operation_id ~ '^[a-z][a-z0-9_-]*:' AND NOT EXISTS (
        SELECT 1 FROM public.app_settings AS s
        WHERE split_part(NEW.operation_id, ':', 1) = ANY (s.app_operation_namespaces)
    ) THEN
        RAISE EXCEPTION 'this operation_id namespace is reserved for system flows'
            USING ERRCODE = 'insufficient_privilege',
                  CONSTRAINT = 'credit_ledger_operation_id_namespace_check',
                  TABLE = 'credit_ledger',
                  SCHEMA = 'public',
                  COLUMN = 'operation_id';
    END IF;

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
        IF existing.user_id <> NEW.user_id THEN
            -- Another user's entry: never say whose, how much or why. A caller under RLS
            -- may not learn more than that the id is not available to it.
            IF coalesce(rls_applies, true) THEN
                RAISE EXCEPTION 'operation_id is not available to this user'
                    USING ERRCODE = 'insufficient_privilege',
                          CONSTRAINT = 'credit_ledger_operation_id_key',
                          TABLE = 'credit_ledger',
                          SCHEMA = 'public';
            END IF;
            RAISE EXCEPTION 'operation_id % was already used for another user''s ledger entry', NEW.operation_id
                USING ERRCODE = 'unique_violation',
                      CONSTRAINT = 'credit_ledger_operation_id_key',
                      TABLE = 'credit_ledger',
                      SCHEMA = 'public';
        END IF;
        RAISE EXCEPTION 'operation_id % was already used for a different ledger entry', NEW.operation_id
            USING ERRCODE = 'unique_violation',
                  CONSTRAINT = 'credit_ledger_operation_id_key',
                  TABLE = 'credit_ledger',
                  SCHEMA = 'public',
                  DETAIL = format('The existing entry of this user is for amount %s, reason %s.',
                                  existing.amount, existing.reason);
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
    'BEFORE INSERT trigger on credit_ledger: applies the amount to users.credit_balance (the only path that may), sets balance_after, and makes re-inserting an applied operation_id a no-op. Refuses a NaN amount (credit_ledger_amount_finite_check). For a caller under row-level security (chatdb_app) it first refuses an entry for another user (42501), then an operation_id outside app_settings.app_operation_namespaces (42501, credit_ledger_operation_id_namespace_check); an operation_id of another user''s entry is insufficient_privilege without any of that entry''s data.';

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE OR REPLACE FUNCTION public.credit_ledger_apply()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
    existing record;
    -- The role the statement runs as outside this SECURITY DEFINER function: SET ROLE
    -- (what the runtime uses) else the login. Whether row-level security applies to it.
    caller name := CASE WHEN current_setting('role') = 'none' THEN session_user
                        ELSE current_setting('role') END;
    rls_applies boolean;
BEGIN
    SELECT NOT (r.rolsuper OR r.rolbypassrls) INTO rls_applies
    FROM pg_catalog.pg_roles AS r WHERE r.rolname = caller;

    -- Row-level security runs after BEFORE triggers, so for a caller it applies to, refuse
    -- an entry for another user here, before this function (which bypasses RLS) locks or
    -- reads anything of that user: the same error the credit_ledger_owner_spend policy
    -- raises, whether or not the operation id exists.
    IF coalesce(rls_applies, true)
       AND NEW.user_id IS DISTINCT FROM nullif(current_setting('app.user_id', true), '')::uuid THEN
        RAISE EXCEPTION 'new row violates row-level security policy for table "credit_ledger"'
            USING ERRCODE = 'insufficient_privilege',
                  TABLE = 'credit_ledger',
                  SCHEMA = 'public';
    END IF;

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
        IF existing.user_id <> NEW.user_id THEN
            -- Another user's entry: never say whose, how much or why. A caller under RLS
            -- may not learn more than that the id is not available to it.
            IF coalesce(rls_applies, true) THEN
                RAISE EXCEPTION 'operation_id is not available to this user'
                    USING ERRCODE = 'insufficient_privilege',
                          CONSTRAINT = 'credit_ledger_operation_id_key',
                          TABLE = 'credit_ledger',
                          SCHEMA = 'public';
            END IF;
            RAISE EXCEPTION 'operation_id % was already used for another user''s ledger entry', NEW.operation_id
                USING ERRCODE = 'unique_violation',
                      CONSTRAINT = 'credit_ledger_operation_id_key',
                      TABLE = 'credit_ledger',
                      SCHEMA = 'public';
        END IF;
        RAISE EXCEPTION 'operation_id % was already used for a different ledger entry', NEW.operation_id
            USING ERRCODE = 'unique_violation',
                  CONSTRAINT = 'credit_ledger_operation_id_key',
                  TABLE = 'credit_ledger',
                  SCHEMA = 'public',
                  DETAIL = format('The existing entry of this user is for amount %s, reason %s.',
                                  existing.amount, existing.reason);
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
    'BEFORE INSERT trigger on credit_ledger: applies the amount to users.credit_balance (the only path that may), sets balance_after, and makes re-inserting an applied operation_id a no-op. For a caller under row-level security (chatdb_app) it first refuses an entry for another user (42501), and an operation_id of another user''s entry is insufficient_privilege without any of that entry''s data.';

-- squawk-ignore ban-drop-column
ALTER TABLE public.app_settings DROP COLUMN app_operation_namespaces;
