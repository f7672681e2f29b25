-- domain: identity_auth
-- Guest users, modelled explicitly: a chat app lets people chat before signing up and
-- upgrades them later. users.user_type says regular or guest; a guest has no email (NULL,
-- never a made-up address in the email column), a regular user always has one
-- (users_email_user_type_check). Upgrading a guest sets the email and the type in one
-- UPDATE, keeping the id and so every chat the guest made.
--
-- user_profiles gains user_type (appended: CREATE OR REPLACE VIEW keeps the existing
-- columns), readable by chatdb_app like the other profile columns.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TYPE public.user_type AS ENUM ('regular', 'guest');
COMMENT ON TYPE public.user_type IS 'regular: signed up with an email; guest: created anonymously, no email, upgradable to regular.';

ALTER TABLE public.users ADD COLUMN user_type public.user_type NOT NULL DEFAULT 'regular';
COMMENT ON COLUMN public.users.user_type IS 'regular or guest; a guest has no email, a regular user has one (users_email_user_type_check).';

-- Intended: guests have no email. Every existing row is regular and has one.
-- squawk-ignore ban-drop-not-null
ALTER TABLE public.users ALTER COLUMN email DROP NOT NULL;
COMMENT ON COLUMN public.users.email IS 'Sign-in email; NULL exactly for guests. Unique case-insensitively (users_lower_email_key on lower(email)); look it up with lower(email) = lower(@email).';
ALTER TABLE public.users ADD CONSTRAINT users_email_user_type_check
    CHECK ((email IS NULL) = (user_type = 'guest')) NOT VALID;
COMMENT ON CONSTRAINT users_email_user_type_check ON public.users IS 'A guest has no email and every regular user has one: no placeholder addresses.';

CREATE OR REPLACE VIEW public.user_profiles WITH (security_invoker = true) AS
SELECT u.id, u.email, u.name, u.email_verified, u.image, u.role, u.status, u.credit_balance,
    u.referral_code, u.quota, u.quota_started_at, u.next_quota_reset, u.end_date,
    u.stripe_customer_id, u.created_at, u.updated_at, u.user_type
FROM public.users AS u;
COMMENT ON COLUMN public.user_profiles.user_type IS 'regular or guest; a guest has no email, a regular user has one (users_email_user_type_check).';
COMMENT ON COLUMN public.user_profiles.email IS 'Sign-in email; NULL exactly for guests. Unique case-insensitively (users_lower_email_key on lower(email)); look it up with lower(email) = lower(@email).';

GRANT SELECT (user_type) ON public.users TO chatdb_app;

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- Guests cannot be represented without the type: they are deleted with what they own.
DELETE FROM public.users WHERE user_type = 'guest';
-- squawk-ignore ban-drop-view
DROP VIEW public.user_profiles;
CREATE VIEW public.user_profiles WITH (security_invoker = true) AS
SELECT u.id, u.email, u.name, u.email_verified, u.image, u.role, u.status, u.credit_balance,
    u.referral_code, u.quota, u.quota_started_at, u.next_quota_reset, u.end_date,
    u.stripe_customer_id, u.created_at, u.updated_at
FROM public.users AS u;
COMMENT ON VIEW public.user_profiles IS
    'A user without secrets (no password_hash): the shape every profile query returns. security_invoker, so the users RLS policies and column privileges of the caller apply.';
GRANT SELECT ON public.user_profiles TO chatdb_app, chatdb_system;
DO $$
DECLARE
    col record;
BEGIN
    FOR col IN
        SELECT a.attname, col_description('public.users'::regclass, u.attnum) AS comment
        FROM pg_attribute AS a
        JOIN pg_attribute AS u ON u.attrelid = 'public.users'::regclass AND u.attname = a.attname
        WHERE a.attrelid = 'public.user_profiles'::regclass AND a.attnum > 0 AND NOT a.attisdropped
    LOOP
        EXECUTE format('COMMENT ON COLUMN public.user_profiles.%I IS %L', col.attname, col.comment);
    END LOOP;
END
$$;
COMMENT ON COLUMN public.user_profiles.email IS 'Sign-in email. Unique case-insensitively (users_lower_email_key on lower(email)); look it up with lower(email) = lower(@email).';
COMMENT ON COLUMN public.users.email IS 'Sign-in email. Unique case-insensitively (users_lower_email_key on lower(email)); look it up with lower(email) = lower(@email).';
-- squawk-ignore ban-drop-constraint
ALTER TABLE public.users DROP CONSTRAINT users_email_user_type_check;
-- squawk-ignore adding-not-nullable-field
ALTER TABLE public.users ALTER COLUMN email SET NOT NULL;
-- squawk-ignore ban-drop-column
ALTER TABLE public.users DROP COLUMN user_type;
-- squawk-ignore ban-drop-type
DROP TYPE public.user_type;
