-- domain: identity_auth
-- user_profiles column comments: each view column means exactly what the users column it
-- selects means, so the comments are copied from users (one source of truth for the text;
-- the docs then explain the view a DBA reviews as well as the table).

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

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

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DO $$
DECLARE
    col record;
BEGIN
    FOR col IN
        SELECT a.attname FROM pg_attribute AS a
        WHERE a.attrelid = 'public.user_profiles'::regclass AND a.attnum > 0 AND NOT a.attisdropped
    LOOP
        EXECUTE format('COMMENT ON COLUMN public.user_profiles.%I IS NULL', col.attname);
    END LOOP;
END
$$;
