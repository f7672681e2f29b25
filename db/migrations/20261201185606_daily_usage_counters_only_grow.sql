-- daily_usage holds the counters rate limits are read from, and chatdb_app may UPDATE its own
-- rows (the IncrementDailyMessageCount upsert needs it). So a user's session could also set
-- its counters lower, or move today's row to another day, and lift its own limits. A trigger
-- rejects that for every role row-level security applies to (chatdb_app): counters only grow
-- and a row keeps its user and day. Roles that bypass RLS (chatdb_system: corrections,
-- quota resets) are not restricted. Column privileges cannot say "only upwards", hence a
-- trigger; it is SECURITY INVOKER, so current_user is the writer's role.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE FUNCTION public.daily_usage_reject_decrease()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM pg_catalog.pg_roles AS r
        WHERE r.rolname = current_user AND NOT (r.rolsuper OR r.rolbypassrls)
    ) AND (
        NEW.user_id IS DISTINCT FROM OLD.user_id
        OR NEW.day IS DISTINCT FROM OLD.day
        OR NEW.message_count < OLD.message_count
        OR NEW.input_tokens < OLD.input_tokens
        OR NEW.output_tokens < OLD.output_tokens
        OR NEW.cost < OLD.cost
    ) THEN
        RAISE EXCEPTION 'daily_usage counters only grow: % may not lower them or move a row to another user or day', current_user
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'daily_usage_counters_monotonic_check',
                  TABLE = 'daily_usage',
                  SCHEMA = 'public';
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION public.daily_usage_reject_decrease() IS
    'AFTER UPDATE trigger of daily_usage: for roles under row-level security (chatdb_app) counters never decrease and user_id/day never change, so a user cannot lift their own rate limits (check_violation daily_usage_counters_monotonic_check).';
REVOKE ALL ON FUNCTION public.daily_usage_reject_decrease() FROM PUBLIC;

-- AFTER, so a value the CHECK constraint refuses (a negative count) still fails with
-- daily_usage_counters_check first.
CREATE TRIGGER daily_usage_counters_monotonic AFTER UPDATE ON public.daily_usage
    FOR EACH ROW EXECUTE FUNCTION public.daily_usage_reject_decrease();

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';
-- squawk-ignore ban-drop-trigger
DROP TRIGGER daily_usage_counters_monotonic ON public.daily_usage;
-- squawk-ignore ban-drop-function
DROP FUNCTION public.daily_usage_reject_decrease();
