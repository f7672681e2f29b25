-- Analytics: daily usage per user, provider and model (UTC days) as a materialized view.
-- It has no row-level security, so chatdb_app gets no privilege on it: the signed-in user
-- reads their own rows through current_user_usage_daily_stats(), a narrow SECURITY DEFINER
-- function. chatdb_system (scheduler) refreshes it with refresh_usage_daily_stats(), which
-- runs as the owner (chatdb_migrator) and refreshes CONCURRENTLY, so readers are never
-- blocked (that needs the unique index below).

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE MATERIALIZED VIEW public.usage_daily_stats AS
SELECT
    l.user_id,
    (l.created_at AT TIME ZONE 'UTC')::date AS day,
    l.provider,
    l.model,
    count(*)::bigint AS request_count,
    sum(l.input_tokens)::bigint AS input_tokens,
    sum(l.output_tokens)::bigint AS output_tokens,
    sum(l.cache_read_tokens)::bigint AS cache_read_tokens,
    sum(l.cache_write_tokens)::bigint AS cache_write_tokens,
    sum(l.cost)::numeric(20, 8) AS cost
FROM public.usage_logs AS l
GROUP BY l.user_id, (l.created_at AT TIME ZONE 'UTC')::date, l.provider, l.model
WITH DATA;

-- Not CONCURRENTLY: the view is created by this migration, nothing else can be using it.
-- squawk-ignore require-concurrent-index-creation
CREATE UNIQUE INDEX usage_daily_stats_user_id_day_provider_model_key
    ON public.usage_daily_stats (user_id, day, provider, model);

COMMENT ON MATERIALIZED VIEW public.usage_daily_stats IS
    'Daily usage per user, provider and model (UTC days), aggregated from usage_logs. Refreshed by refresh_usage_daily_stats(); as fresh as its last refresh. chatdb_app reads it only through current_user_usage_daily_stats().';
COMMENT ON COLUMN public.usage_daily_stats.day IS 'The UTC day.';
COMMENT ON COLUMN public.usage_daily_stats.request_count IS 'Model requests that day.';
COMMENT ON COLUMN public.usage_daily_stats.input_tokens IS 'Prompt tokens that day.';
COMMENT ON COLUMN public.usage_daily_stats.output_tokens IS 'Completion tokens that day.';
COMMENT ON COLUMN public.usage_daily_stats.cache_read_tokens IS 'Prompt tokens read from the provider cache that day.';
COMMENT ON COLUMN public.usage_daily_stats.cache_write_tokens IS 'Prompt tokens written to the provider cache that day.';
COMMENT ON COLUMN public.usage_daily_stats.cost IS 'Provider cost (USD) that day.';

CREATE FUNCTION public.refresh_usage_daily_stats()
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
    REFRESH MATERIALIZED VIEW CONCURRENTLY public.usage_daily_stats;
END
$$;
COMMENT ON FUNCTION public.refresh_usage_daily_stats() IS
    'Refreshes usage_daily_stats CONCURRENTLY (readers are not blocked) as its owner chatdb_migrator. Executable by chatdb_system only.';
REVOKE ALL ON FUNCTION public.refresh_usage_daily_stats() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.refresh_usage_daily_stats() TO chatdb_system;

CREATE FUNCTION public.current_user_usage_daily_stats(from_day date, to_day date)
RETURNS SETOF public.usage_daily_stats
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
    SELECT s.*
    FROM public.usage_daily_stats AS s
    WHERE s.user_id = nullif(current_setting('app.user_id', true), '')::uuid
      AND s.day BETWEEN $1 AND $2
    ORDER BY s.day, s.provider, s.model;
$$;
COMMENT ON FUNCTION public.current_user_usage_daily_stats(date, date) IS
    'The signed-in user''s (app.user_id) rows of usage_daily_stats between two UTC days, inclusive; no rows without a user. The only way chatdb_app reads the materialized view.';
REVOKE ALL ON FUNCTION public.current_user_usage_daily_stats(date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.current_user_usage_daily_stats(date, date) TO chatdb_app, chatdb_system;

GRANT SELECT ON public.usage_daily_stats TO chatdb_system;

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';
-- squawk-ignore ban-drop-function
DROP FUNCTION public.current_user_usage_daily_stats(date, date);
-- squawk-ignore ban-drop-function
DROP FUNCTION public.refresh_usage_daily_stats();
-- squawk-ignore ban-drop-view
DROP MATERIALIZED VIEW public.usage_daily_stats;
