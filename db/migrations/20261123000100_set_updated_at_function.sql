-- The one trigger function that maintains every table's `updated_at`. Generic and small: it
-- lets the migration chain (roles -> dbmate as chatdb_migrator -> rollback) be tested end to
-- end before any table exists.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE FUNCTION public.set_updated_at()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
    -- now() is the transaction start: every row touched by one transaction gets one time,
    -- which keeps keyset cursors on (updated_at, id) stable within a transaction.
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION public.set_updated_at() IS
    'BEFORE UPDATE trigger function shared by every table with an updated_at column: stamps it with now() (transaction time).';

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';
-- squawk-ignore ban-drop-function
DROP FUNCTION public.set_updated_at();
