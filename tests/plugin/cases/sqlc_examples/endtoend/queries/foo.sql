-- name: CreateFoo :one
INSERT INTO foo (name, bar, status, labels, meta)
VALUES (@name, sqlc.narg(bar), @status, @labels, sqlc.narg(meta))
RETURNING *;

-- name: FuncParamIdent :many
SELECT name FROM foo
WHERE name = sqlc.arg(slug)
  AND id IN (sqlc.slice(favourites));

-- name: FuncNullable :many
SELECT bar FROM foo
WHERE id IN (sqlc.slice(favourites));

-- name: SliceWithStatus :many
SELECT id, name FROM foo
WHERE status = @status AND id NOT IN (sqlc.slice(excluded))
ORDER BY id;

-- name: IdentOnNonNullable :many
SELECT bar FROM foo
WHERE bar = sqlc.narg(bar);

-- name: FilterByOptionalName :many
SELECT id FROM foo
WHERE name = coalesce(sqlc.narg(name), name)
ORDER BY id;

-- name: ByAnyStatus :many
SELECT id, status FROM foo WHERE status = ANY(@statuses::job_status[]) ORDER BY id;

-- name: ByLabel :many
SELECT id, labels FROM foo WHERE @label::text = ANY(labels) ORDER BY id;

-- name: CTECount :one
WITH all_count AS (
    SELECT count(*) FROM foo
), ready_count AS (
    SELECT count(*) FROM foo WHERE ready = true
)
SELECT all_count.count, ready_count.count
FROM all_count, ready_count;

-- name: CTEFilter :many
WITH filter_count AS (
    SELECT count(*) FROM foo WHERE ready = @ready
)
SELECT filter_count.count
FROM filter_count;

-- name: JSONBuild :one
SELECT json_build_object('name', name, 'ready', ready)::jsonb AS obj,
       jsonb_build_array(id, name) AS arr,
       (meta->>'k')::text AS k
FROM foo WHERE id = @id;

-- name: MarkReady :many
UPDATE foo SET ready = true WHERE status = @status RETURNING id, ready;

-- name: DeleteReturning :one
-- @optional
DELETE FROM foo WHERE id = @id RETURNING name, bar;

-- name: AdvisoryLock :one
SELECT pg_advisory_xact_lock(@key);

-- name: TryAdvisoryLock :one
SELECT pg_try_advisory_xact_lock(@key);

-- name: CountByStatus :many
SELECT status, count(*) AS n FROM foo GROUP BY status ORDER BY status;
