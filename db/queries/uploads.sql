-- name: RecordContextOptimization :one
-- Record that a chat's context was shrunk before a model request.
INSERT INTO context_optimizations (chat_id, message_id, strategy, tokens_before, tokens_after, messages_removed, summary, metadata)
VALUES (
    @chat_id,
    sqlc.narg(message_id)::uuid,
    @strategy,
    @tokens_before,
    @tokens_after,
    @messages_removed,
    sqlc.narg(summary)::text,
    @metadata
)
RETURNING id, chat_id, message_id, strategy, tokens_before, tokens_after, messages_removed, summary, metadata, created_at;

-- name: ListContextOptimizations :many
-- A chat's context optimizations, newest first, one keyset page (before_created_at and
-- before_id NULL for the first page; page_size rows plus one are fetched).
SELECT id, chat_id, message_id, strategy, tokens_before, tokens_after, messages_removed, summary, metadata, created_at
FROM context_optimizations
WHERE chat_id = @chat_id
  AND (created_at, id) < (
      coalesce(sqlc.narg(before_created_at)::timestamptz, 'infinity'),
      coalesce(sqlc.narg(before_id)::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff')
  )
ORDER BY created_at DESC, id DESC
LIMIT sqlc.arg(page_size)::integer + 1;

-- name: CreateFileUpload :one
-- @role system
-- Record an upload, deduplicated per user by content hash: uploading the same bytes again,
-- even concurrently, returns the one existing row unchanged (first filename and storage key
-- win). ON CONFLICT DO UPDATE (a no-op write) rather than DO NOTHING + SELECT: it waits for
-- a racing insert and returns its row, which a fallback SELECT in the same statement could
-- not see (its snapshot predates that commit). created says whether this call inserted it.
INSERT INTO file_uploads (user_id, chat_id, content_hash, filename, content_type, size_bytes, storage_key)
VALUES (@user_id, sqlc.narg(chat_id)::uuid, @content_hash, @filename, @content_type, @size_bytes, @storage_key)
ON CONFLICT ON CONSTRAINT file_uploads_user_id_content_hash_key
DO UPDATE SET user_id = excluded.user_id
RETURNING id, user_id, chat_id, content_hash, filename, content_type, size_bytes, storage_key, created_at,
    (xmax = 0)::boolean AS created;

-- name: ListUploadsByUser :many
-- The user's uploads, newest first, one keyset page (before_created_at and before_id NULL
-- for the first page; page_size rows plus one are fetched) (file_uploads_user_id_created_at_id_idx).
SELECT id, user_id, chat_id, content_hash, filename, content_type, size_bytes, storage_key, created_at
FROM file_uploads
WHERE user_id = @user_id
  AND (created_at, id) < (
      coalesce(sqlc.narg(before_created_at)::timestamptz, 'infinity'),
      coalesce(sqlc.narg(before_id)::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff')
  )
ORDER BY created_at DESC, id DESC
LIMIT sqlc.arg(page_size)::integer + 1;
