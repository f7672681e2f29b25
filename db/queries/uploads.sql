-- name: RecordContextOptimization :one
-- Record that a chat's context was shrunk before a model request.
-- trigger_reason says why (token_limit, user_request, auto), affected_message_ids lists every
-- message removed, summarised or pruned, compression_strategy how the rest was compressed.
INSERT INTO context_optimizations (
    chat_id, message_id, strategy, tokens_before, tokens_after, messages_removed, summary,
    metadata, trigger_reason, affected_message_ids, compression_strategy
)
VALUES (
    @chat_id,
    sqlc.narg(message_id)::uuid,
    @strategy,
    @tokens_before,
    @tokens_after,
    @messages_removed,
    sqlc.narg(summary)::text,
    @metadata,
    @trigger_reason::context_optimization_trigger,
    @affected_message_ids::uuid[],
    sqlc.narg(compression_strategy)::text
)
RETURNING *;

-- name: ListContextOptimizations :many
-- A chat's context optimizations, newest first, one keyset page (before_created_at and
-- before_id NULL for the first page; page_size rows plus one are fetched).
SELECT *
FROM context_optimizations
WHERE chat_id = @chat_id
  AND (created_at, id) < (
      coalesce(sqlc.narg(before_created_at)::timestamptz, 'infinity'),
      coalesce(sqlc.narg(before_id)::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff')
  )
ORDER BY created_at DESC, id DESC
LIMIT sqlc.arg(page_size)::integer + 1;

-- name: CreateFileUpload :one
-- Record an upload, deduplicated per user by content hash: uploading the same bytes again,
-- even concurrently, returns the one existing row unchanged (first filename and storage key
-- win). ON CONFLICT DO UPDATE (a no-op write) rather than DO NOTHING + SELECT: it waits for
-- a racing insert and returns its row, which a fallback SELECT in the same statement could
-- not see (its snapshot predates that commit). created says whether this call inserted it.
-- metadata (NULL = {}) is the first upload's too.
INSERT INTO file_uploads (user_id, chat_id, content_hash, filename, content_type, size_bytes, storage_key, metadata)
VALUES (
    @user_id, sqlc.narg(chat_id)::uuid, @content_hash, @filename, @content_type, @size_bytes,
    @storage_key, coalesce(sqlc.narg(metadata)::jsonb, '{}'::jsonb)
)
ON CONFLICT ON CONSTRAINT file_uploads_user_id_content_hash_key
DO UPDATE SET user_id = excluded.user_id
RETURNING id, user_id, chat_id, content_hash, filename, content_type, size_bytes, storage_key, created_at,
    metadata, updated_at, (xmax = 0)::boolean AS created;

-- name: ListUploadsByUser :many
-- The user's uploads, newest first, one keyset page (before_created_at and before_id NULL
-- for the first page; page_size rows plus one are fetched) (file_uploads_user_id_created_at_id_idx).
SELECT *
FROM file_uploads
WHERE user_id = @user_id
  AND (created_at, id) < (
      coalesce(sqlc.narg(before_created_at)::timestamptz, 'infinity'),
      coalesce(sqlc.narg(before_id)::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff')
  )
ORDER BY created_at DESC, id DESC
LIMIT sqlc.arg(page_size)::integer + 1;

-- name: UpdateFileUploadMetadata :one
-- Replace an upload's metadata (dimensions, pages, processing state; a JSON object). No row
-- when the upload does not exist or is not the caller's.
UPDATE file_uploads
SET metadata = @metadata::jsonb
WHERE id = @id::uuid
RETURNING *;

-- name: DeleteFileUpload :one
-- Delete an upload record with its metadata, returning it so the caller can delete the bytes
-- at storage_key. Messages that attached the file keep their attachment entries (a JSON copy
-- of url, name and type): the conversation stays as it was. No row when the upload does not
-- exist or is not the caller's.
DELETE FROM file_uploads
WHERE id = @id::uuid
RETURNING *;
