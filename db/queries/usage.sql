-- name: LogUsage :one
-- Records one model request (tokens and cost) for the user; created_at defaults to now().
INSERT INTO usage_logs (
    created_at, user_id, chat_id, message_id, provider, model, input_tokens, output_tokens,
    cache_read_tokens, cache_write_tokens, cost, duration_ms, metadata
) VALUES (
    coalesce(sqlc.narg(created_at)::timestamptz, now()),
    @user_id,
    sqlc.narg(chat_id)::uuid,
    sqlc.narg(message_id)::uuid,
    @provider,
    @model,
    @input_tokens::integer,
    @output_tokens::integer,
    coalesce(sqlc.narg(cache_read_tokens)::integer, 0),
    coalesce(sqlc.narg(cache_write_tokens)::integer, 0),
    @cost::numeric,
    sqlc.narg(duration_ms)::integer,
    coalesce(sqlc.narg(metadata)::jsonb, '{}'::jsonb)
)
RETURNING *;

-- name: UsageByProviderModel :many
-- The user's requests, tokens and cost per provider and model since a time, most expensive
-- first (read from usage_logs directly, so it is exact and current).
SELECT
    provider,
    model,
    count(*)::bigint AS request_count,
    coalesce(sum(input_tokens), 0)::bigint AS input_tokens,
    coalesce(sum(output_tokens), 0)::bigint AS output_tokens,
    coalesce(sum(cache_read_tokens), 0)::bigint AS cache_read_tokens,
    coalesce(sum(cache_write_tokens), 0)::bigint AS cache_write_tokens,
    coalesce(sum(cost), 0)::numeric(20, 8) AS cost
FROM usage_logs
WHERE user_id = @user_id AND created_at >= @since::timestamptz
GROUP BY provider, model
ORDER BY cost DESC, provider, model;

-- name: DailyUsage :many
-- The signed-in user's daily usage per provider and model between two UTC days (inclusive),
-- from the usage_daily_stats materialized view through current_user_usage_daily_stats()
-- (the view has no row-level security; the function returns only app.user_id's rows). As
-- fresh as the view's last refresh.
SELECT s.user_id, s.day, s.provider, s.model, s.request_count, s.input_tokens, s.output_tokens,
    s.cache_read_tokens, s.cache_write_tokens, s.cost
FROM current_user_usage_daily_stats(@from_day::date, @to_day::date) AS s
ORDER BY s.day, s.provider, s.model;

-- name: RefreshUsageDailyStats :exec
-- Refreshes the usage_daily_stats materialized view concurrently (chatdb_system, scheduler).
SELECT refresh_usage_daily_stats();

-- name: IncrementDailyMessageCount :one
-- Counts one more message for the user on a UTC day (today by default) and returns the new
-- count; one atomic upsert, so concurrent increments are never lost.
INSERT INTO daily_usage (user_id, day, message_count)
VALUES (@user_id, coalesce(sqlc.narg(day)::date, (now() AT TIME ZONE 'UTC')::date), 1)
ON CONFLICT (user_id, day) DO UPDATE SET message_count = daily_usage.message_count + 1
RETURNING message_count;

-- name: GetDailyUsage :one
-- The user's counters for one UTC day (today by default); no row = nothing counted yet.
SELECT user_id, day, message_count, input_tokens, output_tokens, cost, created_at, updated_at
FROM daily_usage
WHERE user_id = @user_id AND day = coalesce(sqlc.narg(day)::date, (now() AT TIME ZONE 'UTC')::date);

-- name: GetQuotaInfo :one
-- The user's message quota: the allowance, the period (end_date, the generated end of the
-- period, is the one end the application reads; next_quota_reset is only its input), whether it has expired, and messages counted in daily_usage since the period
-- started (UTC days).
SELECT
    u.id AS user_id,
    u.quota,
    u.quota_started_at,
    u.end_date,
    coalesce(u.end_date <= now(), false)::boolean AS expired,
    coalesce((
        SELECT sum(d.message_count)
        FROM daily_usage AS d
        WHERE d.user_id = u.id
          AND d.day >= coalesce((u.quota_started_at AT TIME ZONE 'UTC')::date, '-infinity'::date)
    ), 0)::bigint AS used
FROM users AS u
WHERE u.id = @user_id;

-- name: ResetExpiredQuotas :many
-- Background job (chatdb_system): starts a new quota period for up to batch_size users whose
-- period ended (end_date <= as_of, via users_end_date_idx); the new period has the old
-- one's length, or default_period when it had none. Rows locked by another run are skipped,
-- so several workers can run at once. Returns the users reset; call again until empty.
WITH due AS (
    SELECT id
    FROM users
    WHERE end_date <= sqlc.arg(as_of)::timestamptz
    ORDER BY end_date
    LIMIT sqlc.arg(batch_size)::integer
    FOR UPDATE SKIP LOCKED
)
UPDATE users AS u
SET quota_started_at = sqlc.arg(as_of)::timestamptz,
    next_quota_reset = sqlc.arg(as_of)::timestamptz + coalesce(
        CASE WHEN u.next_quota_reset > u.quota_started_at THEN u.next_quota_reset - u.quota_started_at END,
        sqlc.arg(default_period)::interval
    )
FROM due
WHERE u.id = due.id
RETURNING u.id, u.quota, u.quota_started_at, u.end_date;
