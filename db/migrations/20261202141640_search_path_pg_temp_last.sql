-- pg_temp last in every pinned search_path. A function's `SET search_path = pg_catalog,
-- public` still searches the session's temporary schema FIRST for tables and views (pg_temp
-- is implicitly first unless named), so a session able to create temporary objects could
-- shadow public.users or public.credit_ledger inside a SECURITY DEFINER function running as
-- chatdb_migrator. Naming pg_temp last closes that for every function of the schema that pins
-- its search_path (tests/schema/test_catalog.py checks the definer ones). A function created
-- or replaced later must say `SET search_path = pg_catalog, public, pg_temp` itself.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DO $$
DECLARE
    fn regprocedure;
BEGIN
    FOR fn IN
        SELECT p.oid::regprocedure
        FROM pg_catalog.pg_proc AS p
        JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND 'search_path=pg_catalog, public' = ANY (p.proconfig)
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, public, pg_temp', fn);
    END LOOP;
END
$$;

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DO $$
DECLARE
    fn regprocedure;
BEGIN
    FOR fn IN
        SELECT p.oid::regprocedure
        FROM pg_catalog.pg_proc AS p
        JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND 'search_path=pg_catalog, public, pg_temp' = ANY (p.proconfig)
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, public', fn);
    END LOOP;
END
$$;
