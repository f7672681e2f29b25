-- name: ImportChats :copyfrom
INSERT INTO chats (user_id, title, parts, meta, updated_at) VALUES ($1, $2, $3, $4, $5);

-- name: GetChatWithUser :one
SELECT sqlc.embed(chats), sqlc.embed(users)
FROM chats JOIN users ON users.id = chats.user_id
WHERE chats.id = @id;

-- name: ListUsersWithChats :many
SELECT sqlc.embed(users), sqlc.embed(chats), chats.title AS chat_title
FROM users LEFT JOIN chats ON chats.user_id = users.id
ORDER BY users.name, chats.id;

-- name: UpdateChatParts :one
UPDATE chats SET parts = @parts, meta = sqlc.narg(meta) WHERE id = @id RETURNING *;

-- name: CreateChat :one
INSERT INTO chats (user_id, title) VALUES (@user_id, @title) RETURNING id;
