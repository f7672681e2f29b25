-- domain: signed_in_user_function
-- Queries scoped to one user take a user_id argument (the system role acts for any user), and
-- inside as_user() that argument must be the signed-in user (app.user_id). Without a check,
-- another user's id made row-level security hide every row: a list came back empty, an
-- update returned nothing, and nobody noticed. signed_in_user(claimed) returns the argument
-- when no user is signed in (chatdb_system) or when it is the signed-in user, and raises
-- insufficient_privilege otherwise. STABLE: evaluated once per statement in an index
-- condition. See docs/decisions/007-generated-api-v2.md.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE FUNCTION public.signed_in_user(claimed uuid)
RETURNS uuid
LANGUAGE plpgsql
STABLE
PARALLEL SAFE
SET search_path = pg_catalog, public
AS $$
DECLARE
    signed_in text := nullif(current_setting('app.user_id', true), '');
BEGIN
    IF signed_in IS NOT NULL AND claimed IS DISTINCT FROM signed_in::uuid THEN
        RAISE EXCEPTION 'the user_id argument is not the signed-in user (app.user_id)'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'inside as_user(), pass the signed-in user''s id';
    END IF;
    RETURN claimed;
END
$$;
COMMENT ON FUNCTION public.signed_in_user(uuid) IS
    'Returns its argument when no user is signed in (app.user_id unset: chatdb_system) or when it is the signed-in user; raises insufficient_privilege (42501) otherwise, so a query scoped to another user inside as_user() fails loudly instead of returning nothing. Executable by chatdb_app and chatdb_system.';
REVOKE ALL ON FUNCTION public.signed_in_user(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.signed_in_user(uuid) TO chatdb_app, chatdb_system;

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- squawk-ignore ban-drop-function
DROP FUNCTION public.signed_in_user(uuid);
