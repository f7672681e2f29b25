-- name: CreateUser :one
-- Create a user.
-- The email is unique.
INSERT INTO users (email, name, mood, moods) VALUES (@email, @name, @mood, @moods) RETURNING *;

-- name: GetUserByEmail :one
-- @optional
SELECT * FROM users WHERE email = @email;

-- name: ListUsersByMoods :many
-- @stream
SELECT * FROM users WHERE mood = ANY(@moods::mood[]) ORDER BY name;

-- name: GetUsersByIDs :many
SELECT id, name FROM users WHERE id IN (sqlc.slice(ids)) ORDER BY name;

-- name: GetUserIDsNotIn :many
SELECT id FROM users WHERE id NOT IN (sqlc.slice(ids)) ORDER BY name;

-- name: CountUsers :one
SELECT count(*) FROM users;

-- name: GetUserMood :one
-- @optional
SELECT mood FROM users WHERE id = @id;

-- name: GetUserMoods :one
-- @optional
SELECT moods FROM users WHERE id = @id;

-- name: RenameUser :execrows
UPDATE users SET name = coalesce(sqlc.narg(name), name) WHERE id = @id;

-- name: TouchUser :exec
UPDATE users SET created_at = @created_at WHERE id = @id;

-- name: DeleteUser :execresult
DELETE FROM users WHERE id = @id;

-- name: CreateUsers :batchone
-- @optional
INSERT INTO users (email, name) VALUES (@email, @name)
ON CONFLICT (email) DO NOTHING
RETURNING *;

-- name: ListUsersByMood :batchmany
SELECT * FROM users WHERE mood = @mood ORDER BY name;

-- name: SetUserMood :batchexec
UPDATE users SET mood = @mood WHERE id = @id;

-- name: SearchUsers :many
SELECT id, name FROM users
WHERE name LIKE '%' || @fragment::text || '%' AND name <> '100%'
ORDER BY name;
