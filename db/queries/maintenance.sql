-- name: CreateUsageLogPartitions :many
-- @role system
-- Create the monthly usage_logs partitions from months_back months ago to months_ahead
-- months ahead (UTC); returns the names it created (existing ones are skipped). Run by
-- `chatdb maintain` as chatdb_system, e.g. daily.
SELECT partition_name::text AS partition_name
FROM create_usage_log_partitions(sqlc.arg(months_ahead)::int, sqlc.arg(months_back)::int) AS partition_name;

-- name: DropUsageLogPartitions :many
-- @role system
-- Drop the monthly usage_logs partitions that end before now() - retention; returns their
-- names. The data is gone with them: export first if it must be kept.
SELECT partition_name::text AS partition_name
FROM drop_usage_log_partitions(sqlc.arg(retention)::interval) AS partition_name;
