-- name: CreateStream :one
-- Register a new response stream of a chat (id chosen by the caller, or generated). Stamped
-- with the clock, not the transaction start, so streams created in one transaction keep
-- their order.
INSERT INTO streams (id, chat_id, created_at)
VALUES (coalesce(sqlc.narg(id)::uuid, gen_random_uuid()), @chat_id, clock_timestamp())
RETURNING *;

-- name: ListStreamIDsByChat :many
-- The chat's stream ids, oldest first: a reconnecting client resumes the last one.
SELECT id
FROM streams
WHERE chat_id = @chat_id
ORDER BY created_at ASC, id ASC;
