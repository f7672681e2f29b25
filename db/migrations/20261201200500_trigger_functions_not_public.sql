-- domain: set_updated_at_function
-- Trigger functions are not for calling: PostgreSQL checks EXECUTE when a trigger is created,
-- not when it fires, so revoking it from PUBLIC changes nothing for any writer and leaves the
-- grants saying exactly who may call what (the DBA reference lists them per function).

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

REVOKE EXECUTE ON FUNCTION public.set_updated_at() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION public.tool_executions_check_transition() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION public.users_credit_balance_guard() FROM PUBLIC;

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

GRANT EXECUTE ON FUNCTION public.set_updated_at() TO PUBLIC;
GRANT EXECUTE ON FUNCTION public.tool_executions_check_transition() TO PUBLIC;
GRANT EXECUTE ON FUNCTION public.users_credit_balance_guard() TO PUBLIC;
