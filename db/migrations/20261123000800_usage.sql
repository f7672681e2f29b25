-- Usage: usage_logs (range-partitioned by month, UTC) with functions that create upcoming
-- partitions and drop expired ones; daily_usage (per user and UTC day counters for rate
-- limits, upserted).
--
-- Partition maintenance (run daily by a scheduler, as chatdb_system):
--   SELECT * FROM create_usage_log_partitions(3);               -- this month + 3 ahead
--   SELECT * FROM drop_usage_log_partitions(interval '13 months');
-- Rows outside every monthly partition land in usage_logs_default, so inserts never fail;
-- create_usage_log_partitions moves such rows into the new partition it creates.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE public.usage_logs (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    created_at timestamptz NOT NULL DEFAULT now(),
    user_id uuid NOT NULL,
    chat_id uuid,
    message_id uuid,
    provider text NOT NULL,
    model text NOT NULL,
    input_tokens integer NOT NULL DEFAULT 0,
    output_tokens integer NOT NULL DEFAULT 0,
    cache_read_tokens integer NOT NULL DEFAULT 0,
    cache_write_tokens integer NOT NULL DEFAULT 0,
    cost numeric(18, 8) NOT NULL DEFAULT 0,
    duration_ms integer,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    CONSTRAINT usage_logs_pkey PRIMARY KEY (id, created_at),
    CONSTRAINT usage_logs_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE,
    CONSTRAINT usage_logs_tokens_check CHECK (
        input_tokens >= 0 AND output_tokens >= 0 AND cache_read_tokens >= 0 AND cache_write_tokens >= 0
    ),
    CONSTRAINT usage_logs_cost_check CHECK (cost >= 0),
    CONSTRAINT usage_logs_duration_ms_check CHECK (duration_ms >= 0),
    CONSTRAINT usage_logs_metadata_check CHECK (jsonb_typeof(metadata) = 'object')
) PARTITION BY RANGE (created_at);
CREATE INDEX usage_logs_user_id_created_at_idx ON public.usage_logs (user_id, created_at);

CREATE TABLE public.usage_logs_default PARTITION OF public.usage_logs DEFAULT;

COMMENT ON TABLE public.usage_logs IS
    'One row per model request: tokens and cost, for billing, analytics (usage_daily_stats) and audits. Range-partitioned by month of created_at (UTC): partitions usage_logs_yYYYYmMM plus usage_logs_default; see create_usage_log_partitions / drop_usage_log_partitions. The primary key includes the partition key.';
COMMENT ON TABLE public.usage_logs_default IS
    'Default partition of usage_logs: catches rows outside every monthly partition, so inserts never fail. Normally empty; create_usage_log_partitions moves its rows out.';
COMMENT ON COLUMN public.usage_logs.created_at IS 'When the request was made; the partition key (monthly, UTC).';
COMMENT ON COLUMN public.usage_logs.user_id IS 'Who the request was made for (billed user).';
COMMENT ON COLUMN public.usage_logs.chat_id IS 'Chat of the request. Informational: no foreign key, so the log outlives the chat and deleting chats never scans the log.';
COMMENT ON COLUMN public.usage_logs.message_id IS 'Message the request produced. Informational, no foreign key (see chat_id).';
COMMENT ON COLUMN public.usage_logs.provider IS 'Model provider called.';
COMMENT ON COLUMN public.usage_logs.model IS 'Model called.';
COMMENT ON COLUMN public.usage_logs.input_tokens IS 'Prompt tokens billed.';
COMMENT ON COLUMN public.usage_logs.output_tokens IS 'Completion tokens billed.';
COMMENT ON COLUMN public.usage_logs.cache_read_tokens IS 'Prompt tokens read from the provider cache.';
COMMENT ON COLUMN public.usage_logs.cache_write_tokens IS 'Prompt tokens written to the provider cache.';
COMMENT ON COLUMN public.usage_logs.cost IS 'Provider cost in USD.';
COMMENT ON COLUMN public.usage_logs.duration_ms IS 'Latency of the request in milliseconds.';
COMMENT ON COLUMN public.usage_logs.metadata IS 'Request details (endpoint, finish reason, ...), JSON object.';

-- Month arithmetic is done on UTC timestamps (timestamptz + interval would use the session
-- time zone), and bounds are written as explicit UTC literals.
CREATE FUNCTION public.create_usage_log_partitions(months_ahead integer, months_back integer DEFAULT 0)
RETURNS SETOF text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
SET timezone = 'UTC'
AS $$
DECLARE
    this_month timestamp := date_trunc('month', now() AT TIME ZONE 'UTC');
    month_start timestamp;
    lower_bound text;
    upper_bound text;
    partition_name text;
BEGIN
    IF months_ahead IS NULL OR months_ahead NOT BETWEEN 0 AND 120 THEN
        RAISE EXCEPTION 'months_ahead must be between 0 and 120, got %', months_ahead
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF months_back IS NULL OR months_back NOT BETWEEN 0 AND 120 THEN
        RAISE EXCEPTION 'months_back must be between 0 and 120, got %', months_back
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    FOR step IN -months_back .. months_ahead LOOP
        month_start := this_month + make_interval(months => step);
        partition_name := 'usage_logs_' || to_char(month_start, '"y"YYYY"m"MM');
        CONTINUE WHEN to_regclass('public.' || quote_ident(partition_name)) IS NOT NULL;

        lower_bound := to_char(month_start, 'YYYY-MM-DD') || ' 00:00:00+00';
        upper_bound := to_char(month_start + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+00';

        -- Create detached, move any rows of this month out of the default partition, then
        -- attach: ATTACH takes only SHARE UPDATE EXCLUSIVE on usage_logs (CREATE ... PARTITION
        -- OF would take ACCESS EXCLUSIVE). The default partition is locked against inserts
        -- meanwhile, so no row of this month can land there between the move and the attach.
        LOCK TABLE public.usage_logs_default IN SHARE ROW EXCLUSIVE MODE;
        EXECUTE format(
            'CREATE TABLE public.%I (LIKE public.usage_logs INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
            partition_name);
        EXECUTE format(
            'WITH moved AS (DELETE FROM public.usage_logs_default WHERE created_at >= %L AND created_at < %L RETURNING *) '
            'INSERT INTO public.%I SELECT * FROM moved',
            lower_bound, upper_bound, partition_name);
        EXECUTE format(
            'ALTER TABLE public.usage_logs ATTACH PARTITION public.%I FOR VALUES FROM (%L) TO (%L)',
            partition_name, lower_bound, upper_bound);
        EXECUTE format(
            'COMMENT ON TABLE public.%I IS %L',
            partition_name, format('usage_logs for %s (UTC); created by create_usage_log_partitions.', to_char(month_start, 'YYYY-MM')));
        RETURN NEXT partition_name;
    END LOOP;
END
$$;
COMMENT ON FUNCTION public.create_usage_log_partitions(integer, integer) IS
    'Creates the monthly usage_logs partitions from months_back months ago to months_ahead months ahead (UTC) that do not exist yet, moving matching rows out of usage_logs_default; returns the names created. Idempotent. Runs as the owner (chatdb_migrator); executable by chatdb_system.';

CREATE FUNCTION public.drop_usage_log_partitions(retention interval)
RETURNS SETOF text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
SET timezone = 'UTC'
AS $$
DECLARE
    cutoff timestamptz;
    part record;
    upper_bound timestamptz;
BEGIN
    IF retention IS NULL OR retention < interval '1 day' THEN
        RAISE EXCEPTION 'retention must be at least 1 day, got %', retention
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    cutoff := now() - retention;
    FOR part IN
        SELECT c.relname::text AS name,
               make_date(substr(c.relname, 13, 4)::integer, substr(c.relname, 18, 2)::integer, 1) AS month_start
        FROM pg_catalog.pg_inherits AS i
        JOIN pg_catalog.pg_class AS c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'public.usage_logs'::regclass
          AND c.relname ~ '^usage_logs_y[0-9]{4}m[0-9]{2}$'
        ORDER BY c.relname
    LOOP
        upper_bound := (part.month_start + interval '1 month')::timestamp AT TIME ZONE 'UTC';
        CONTINUE WHEN upper_bound > cutoff;
        EXECUTE format('DROP TABLE public.%I', part.name);
        RETURN NEXT part.name;
    END LOOP;
END
$$;
COMMENT ON FUNCTION public.drop_usage_log_partitions(interval) IS
    'Drops the monthly usage_logs partitions whose whole month ended more than retention ago (UTC); returns the names dropped. Never touches usage_logs_default. Runs as the owner (chatdb_migrator); executable by chatdb_system.';

REVOKE ALL ON FUNCTION public.create_usage_log_partitions(integer, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.drop_usage_log_partitions(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.create_usage_log_partitions(integer, integer) TO chatdb_system;
GRANT EXECUTE ON FUNCTION public.drop_usage_log_partitions(interval) TO chatdb_system;

-- Initial partitions around the deployment date: last month, this month and three ahead.
SELECT public.create_usage_log_partitions(3, 1);

CREATE TABLE public.daily_usage (
    user_id uuid NOT NULL,
    day date NOT NULL DEFAULT ((now() AT TIME ZONE 'UTC')::date),
    message_count integer NOT NULL DEFAULT 0,
    input_tokens bigint NOT NULL DEFAULT 0,
    output_tokens bigint NOT NULL DEFAULT 0,
    cost numeric(18, 8) NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT daily_usage_pkey PRIMARY KEY (user_id, day),
    CONSTRAINT daily_usage_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE,
    CONSTRAINT daily_usage_counters_check CHECK (
        message_count >= 0 AND input_tokens >= 0 AND output_tokens >= 0 AND cost >= 0
    )
);
CREATE TRIGGER daily_usage_set_updated_at BEFORE UPDATE ON public.daily_usage
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.daily_usage IS
    'Per-user counters for one UTC day, for rate limits: upserted with INSERT ... ON CONFLICT (user_id, day) DO UPDATE ... RETURNING the new count.';
COMMENT ON COLUMN public.daily_usage.day IS 'The UTC day counted (defaults to today in UTC).';
COMMENT ON COLUMN public.daily_usage.message_count IS 'Messages the user sent that day.';
COMMENT ON COLUMN public.daily_usage.input_tokens IS 'Prompt tokens used that day.';
COMMENT ON COLUMN public.daily_usage.output_tokens IS 'Completion tokens used that day.';
COMMENT ON COLUMN public.daily_usage.cost IS 'Provider cost (USD) that day.';

GRANT SELECT, INSERT, UPDATE, DELETE ON public.usage_logs, public.daily_usage TO chatdb_system;
GRANT SELECT, INSERT ON public.usage_logs TO chatdb_app;
GRANT SELECT, INSERT, UPDATE ON public.daily_usage TO chatdb_app;

-- RLS on the partitioned table applies to every access through it; the partitions have no
-- privileges for chatdb_app / chatdb_system, so they are reachable only through usage_logs.
ALTER TABLE public.usage_logs ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.usage_logs FORCE ROW LEVEL SECURITY;
CREATE POLICY usage_logs_owner_read ON public.usage_logs FOR SELECT TO chatdb_app
    USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid);
CREATE POLICY usage_logs_owner_insert ON public.usage_logs FOR INSERT TO chatdb_app
    WITH CHECK (user_id = nullif(current_setting('app.user_id', true), '')::uuid);

ALTER TABLE public.daily_usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.daily_usage FORCE ROW LEVEL SECURITY;
CREATE POLICY daily_usage_owner_all ON public.daily_usage FOR ALL TO chatdb_app
    USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid)
    WITH CHECK (user_id = nullif(current_setting('app.user_id', true), '')::uuid);

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';
-- squawk-ignore ban-drop-table
DROP TABLE public.daily_usage;
-- squawk-ignore ban-drop-function
DROP FUNCTION public.drop_usage_log_partitions(interval);
-- squawk-ignore ban-drop-function
DROP FUNCTION public.create_usage_log_partitions(integer, integer);
-- squawk-ignore ban-drop-table
DROP TABLE public.usage_logs;
