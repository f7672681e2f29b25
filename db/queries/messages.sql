-- name: InsertMessage :one
-- Append a message to a chat (as its owner). Idempotent by client_request_id: a retried send
-- with the same id returns the message stored the first time instead of inserting again.
INSERT INTO messages (
    chat_id, role, parts, attachments, provider, model, input_tokens, output_tokens,
    cache_read_tokens, cache_write_tokens, cost, client_request_id, provider_metadata
)
VALUES (
    @chat_id::uuid,
    @role::message_role,
    @parts,
    @attachments,
    sqlc.narg(provider)::text,
    sqlc.narg(model)::text,
    @input_tokens::integer,
    @output_tokens::integer,
    @cache_read_tokens::integer,
    @cache_write_tokens::integer,
    @cost::numeric,
    sqlc.narg(client_request_id)::text,
    sqlc.narg(provider_metadata)::jsonb
)
ON CONFLICT (chat_id, client_request_id) DO UPDATE
SET client_request_id = excluded.client_request_id
RETURNING *;

-- name: ImportMessages :copyfrom
-- Bulk-load messages with binary COPY (chatdb_system: seeding, imports from another app).
INSERT INTO messages (
    id, chat_id, role, parts, attachments, provider, model, input_tokens, output_tokens, cost,
    created_at
)
VALUES (
    @id, @chat_id, @role, @parts, @attachments, @provider, @model, @input_tokens,
    @output_tokens, @cost, @created_at
);

-- name: GetMessageByID :one
-- One message, if the caller may read its chat (the owner, or anyone for a public chat).
SELECT *
FROM messages
WHERE id = @id::uuid;

-- name: ListMessagesByChat :many
-- A chat's messages older than a cursor, newest first (scrolling back through history): one
-- keyset page of page_size rows plus one. NULL cursor = from the latest message.
SELECT *
FROM messages
WHERE chat_id = @chat_id::uuid
  AND (created_at, id) < (
      coalesce(sqlc.narg(before_at)::timestamptz, 'infinity'::timestamptz),
      coalesce(sqlc.narg(before_id)::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
  )
ORDER BY created_at DESC, id DESC
LIMIT sqlc.arg(page_size)::integer + 1;

-- name: ListMessagesByChatAfter :many
-- A chat's messages newer than a cursor, oldest first (catching up, building a model
-- request): one keyset page of page_size rows plus one. NULL cursor = from the first message.
SELECT *
FROM messages
WHERE chat_id = @chat_id::uuid
  AND (created_at, id) > (
      coalesce(sqlc.narg(after_at)::timestamptz, '-infinity'::timestamptz),
      coalesce(sqlc.narg(after_id)::uuid, '00000000-0000-0000-0000-000000000000'::uuid)
  )
ORDER BY created_at, id
LIMIT sqlc.arg(page_size)::integer + 1;

-- name: DeleteMessagesAfter :execrows
-- Delete a chat's messages created at or after a time (editing a message, regenerating an
-- answer), with their votes, reactions and tool executions (ON DELETE CASCADE, whoever cast
-- them). Returns the number of messages deleted; 0 when the chat is not the caller's.
DELETE FROM messages
WHERE chat_id = @chat_id::uuid
  AND created_at >= @since::timestamptz;

-- name: CountUserMessagesSince :one
-- How many messages a user sent (role user, across their chats) since a time: the 24 h
-- message rate limit. Uses messages_chat_id_created_at_user_role_idx.
SELECT count(*)::integer AS message_count
FROM messages AS m
JOIN chats AS c ON c.id = m.chat_id
WHERE c.user_id = @user_id::uuid
  AND m.role = 'user'
  AND m.created_at >= @since::timestamptz;

-- name: AddMessageReaction :execrows
-- Add an emoji reaction to a message the user can read. 1 when added, 0 when they had
-- already added this emoji.
INSERT INTO message_reactions (message_id, user_id, emoji)
VALUES (@message_id::uuid, @user_id::uuid, @emoji::text)
ON CONFLICT (message_id, user_id, emoji) DO NOTHING;

-- name: RemoveMessageReaction :execrows
-- Take back one's emoji reaction. 1 when removed, 0 when there was none.
DELETE FROM message_reactions
WHERE message_id = @message_id::uuid
  AND user_id = @user_id::uuid
  AND emoji = @emoji::text;

-- name: ListMessageReactions :many
-- The reactions on a message, one row per emoji with how many users added it and whether
-- the given user did, most used first.
SELECT emoji,
    count(*)::integer AS reaction_count,
    bool_or(user_id = @user_id::uuid) AS reacted
FROM message_reactions
WHERE message_id = @message_id::uuid
GROUP BY emoji
ORDER BY count(*) DESC, emoji;

-- name: InsertMessageWithID :one
-- Append a message with an id the client generated (the AI SDK gives every message an id).
-- No row when the id is taken, by this message or any other: use
-- chatdb.flows.chats.save_message, which tells an idempotent replay from a conflict.
INSERT INTO messages (
    id, chat_id, role, parts, attachments, provider, model, input_tokens, output_tokens,
    cache_read_tokens, cache_write_tokens, cost, provider_metadata
)
VALUES (
    @id::uuid,
    @chat_id::uuid,
    @role::message_role,
    @parts,
    @attachments,
    sqlc.narg(provider)::text,
    sqlc.narg(model)::text,
    @input_tokens::integer,
    @output_tokens::integer,
    @cache_read_tokens::integer,
    @cache_write_tokens::integer,
    @cost::numeric,
    sqlc.narg(provider_metadata)::jsonb
)
ON CONFLICT (id) DO NOTHING
RETURNING *;

-- name: UpdateMessageParts :one
-- Replace a message's parts in place (the chat app edits a message, or completes a streamed
-- one); updated_at moves, created_at (its place in the conversation) does not. No row when
-- the message does not exist or its chat is not the caller's.
UPDATE messages
SET parts = @parts
WHERE id = @id::uuid
RETURNING *;
