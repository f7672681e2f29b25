-- name: CreateAuthor :one
INSERT INTO authors (name, parent_id) VALUES (@name, sqlc.narg(parent_id)) RETURNING *;

-- name: ListWithParent :many
SELECT a.id, a.name, p.id AS parent_id, p.name AS parent_name
FROM authors a LEFT JOIN authors p ON p.id = a.parent_id
ORDER BY a.id;

-- name: ListWithChild :many
SELECT p.name AS parent_name, c.name AS child_name
FROM authors c RIGHT JOIN authors p ON p.id = c.parent_id
ORDER BY p.id, c.id;

-- name: FullJoin :many
SELECT a.id AS a_id, b.id AS b_id
FROM authors a FULL OUTER JOIN authors b ON b.parent_id = a.id
ORDER BY a.id, b.id;

-- name: EmbedSelfJoin :many
SELECT sqlc.embed(a), sqlc.embed(p)
FROM authors a LEFT JOIN authors p ON p.id = a.parent_id
ORDER BY a.id;
