-- domain: identity_auth
-- A user inserted without an email is a guest. users_email_user_type_check ties the two
-- columns (a guest has no email, a regular user has one), but user_type defaults to
-- 'regular', so an insert that names neither column (a sign-up path, an import, a fixture
-- that fills only what is required) failed on that CHECK although its meaning is plain:
-- no email, no account to sign in to, so a guest. This BEFORE INSERT trigger derives the
-- type from the missing email. It never turns a guest into a regular user and never runs
-- on UPDATE: upgrading a guest (UpgradeGuestUser) still sets the email and the type
-- together, and the CHECK still refuses a regular user whose email is cleared.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE FUNCTION public.users_without_email_are_guests()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    NEW.user_type := 'guest';
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION public.users_without_email_are_guests() IS
    'BEFORE INSERT trigger function on users (fires only when email IS NULL): a user without an email is a guest (users_email_user_type_check).';
-- Trigger functions are not for calling (20261201200500_trigger_functions_not_public).
REVOKE EXECUTE ON FUNCTION public.users_without_email_are_guests() FROM PUBLIC;

CREATE TRIGGER users_without_email_are_guests BEFORE INSERT ON public.users
    FOR EACH ROW WHEN (NEW.email IS NULL)
    EXECUTE FUNCTION public.users_without_email_are_guests();

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP TRIGGER users_without_email_are_guests ON public.users;
-- squawk-ignore ban-drop-function
DROP FUNCTION public.users_without_email_are_guests();
