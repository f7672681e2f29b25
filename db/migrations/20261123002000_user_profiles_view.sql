-- user_profiles: the users columns that are safe to hand to the application (everything but
-- password_hash and the referral bookkeeping counter), as one shape. The user queries
-- (GetUserByID, GetUserByEmail, GetUserByAccount, GetSessionAndUser via sqlc.embed, ...)
-- return exactly these columns, so the generated code shares one model (models.UserProfile)
-- and never carries a password hash.
--
-- security_invoker (PostgreSQL 15+): the view reads users with the caller's privileges and
-- row-level security, so chatdb_app sees only the signed-in user, exactly as through users.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE VIEW public.user_profiles WITH (security_invoker = true) AS
SELECT u.id, u.email, u.name, u.email_verified, u.image, u.role, u.status, u.credit_balance,
    u.referral_code, u.quota, u.quota_started_at, u.next_quota_reset, u.end_date,
    u.stripe_customer_id, u.created_at, u.updated_at
FROM public.users AS u;

COMMENT ON VIEW public.user_profiles IS
    'A user without secrets (no password_hash): the shape every profile query returns. security_invoker, so the users RLS policies and column privileges of the caller apply.';

GRANT SELECT ON public.user_profiles TO chatdb_app, chatdb_system;

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';
-- squawk-ignore ban-drop-view
DROP VIEW public.user_profiles;
