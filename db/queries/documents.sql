-- name: SaveDocument :one
-- Save a new version of a document (a new document when id is NULL). The version time has
-- millisecond precision, so a JavaScript Date round-trips it exactly, and is at least 1 ms
-- after the document's latest version, also for two saves in one transaction.
INSERT INTO documents (id, created_at, user_id, chat_id, title, kind, content)
VALUES (
    coalesce(sqlc.narg(id)::uuid, gen_random_uuid()),
    greatest(
        date_trunc('milliseconds', clock_timestamp()),
        (SELECT date_trunc('milliseconds', max(d.created_at)) + interval '1 millisecond'
         FROM documents AS d WHERE d.id = sqlc.narg(id)::uuid)
    ),
    @user_id,
    sqlc.narg(chat_id)::uuid,
    @title,
    @kind,
    sqlc.narg(content)::text
)
RETURNING *;

-- name: GetLatestDocument :one
-- The latest version of a document.
SELECT *
FROM documents
WHERE id = @id
ORDER BY created_at DESC
LIMIT 1;

-- name: ListDocumentVersions :many
-- Every version of a document, oldest first (a document has few versions: no pagination).
SELECT *
FROM documents
WHERE id = @id
ORDER BY created_at ASC;

-- name: DeleteDocumentVersionsAfter :execrows
-- Delete the versions saved strictly after a version time (undo back to that version);
-- their suggestions go with them (suggestions_document_id_document_created_at_fkey
-- cascades). Returns the number of versions deleted.
DELETE FROM documents
WHERE id = @id
  AND created_at > sqlc.arg(after_created_at)::timestamptz;

-- name: SaveSuggestions :batchone
-- Record edit suggestions on document versions, all sent in one round trip. Stamped with the
-- clock, so they list in the order they were given.
INSERT INTO suggestions (document_id, document_created_at, user_id, original_text, suggested_text, description, created_at)
VALUES (@document_id, @document_created_at, @user_id, @original_text, @suggested_text, sqlc.narg(description)::text, clock_timestamp())
RETURNING *;

-- name: ListSuggestionsByDocument :many
-- A document's suggestions, oldest first: of one version when document_created_at is given,
-- else of every version.
SELECT *
FROM suggestions
WHERE document_id = @document_id
  AND (sqlc.narg(document_created_at)::timestamptz IS NULL
       OR document_created_at = sqlc.narg(document_created_at)::timestamptz)
ORDER BY created_at ASC, id ASC;

-- name: ResolveSuggestion :one
-- Mark a suggestion resolved (accepted or dismissed); resolving twice is harmless. No row
-- when it does not exist or is not the caller's.
UPDATE suggestions
SET is_resolved = true
WHERE id = @id
RETURNING *;
