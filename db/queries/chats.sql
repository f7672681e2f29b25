-- name: CreateChat :one
-- Start a chat for a user. NULL arguments take the defaults ('New Chat', private, the
-- user's default provider/model, an empty metadata object).
INSERT INTO chats (user_id, title, visibility, provider, model, system_prompt, context_window, metadata)
VALUES (
    @user_id::uuid,
    coalesce(sqlc.narg(title)::text, 'New Chat'),
    coalesce(sqlc.narg(visibility)::chat_visibility, 'private'),
    sqlc.narg(provider)::text,
    sqlc.narg(model)::text,
    sqlc.narg(system_prompt)::text,
    sqlc.narg(context_window)::integer,
    coalesce(sqlc.narg(metadata)::jsonb, '{}'::jsonb)
)
RETURNING *;

-- name: ImportChats :copyfrom
-- Bulk-load chats with binary COPY (chatdb_system: seeding, imports from another app), with
-- their original creation and last-activity times.
INSERT INTO chats (
    id, user_id, title, visibility, provider, model, context_window, metadata, created_at,
    updated_at
)
VALUES (
    @id, @user_id, @title, @visibility, @provider, @model, @context_window, @metadata,
    @created_at, @updated_at
);

-- name: GetChatByID :one
-- One chat: the owner's, or anyone's public chat (RLS decides). No row otherwise.
SELECT *
FROM chats
WHERE id = @id::uuid;

-- name: ListChatsByUser :many
-- A user's chats, most recently updated first: one keyset page of page_size rows plus one.
-- Pass the (updated_at, id) of the last chat seen, or NULLs for the first page;
-- chatdb.Page.from_rows(rows, page_size, ...) drops the extra row.
SELECT *
FROM chats
WHERE user_id = @user_id::uuid
  AND (updated_at, id) < (
      coalesce(sqlc.narg(before_at)::timestamptz, 'infinity'::timestamptz),
      coalesce(sqlc.narg(before_id)::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
  )
ORDER BY updated_at DESC, id DESC
LIMIT sqlc.arg(page_size)::integer + 1;

-- name: UpdateChatTitle :one
-- Rename a chat of this user. No row when the chat is not theirs or does not exist.
UPDATE chats
SET title = @title::text
WHERE id = @id::uuid
  AND user_id = @user_id::uuid
RETURNING *;

-- name: UpdateChatVisibility :one
-- Make a chat of this user public or private. No row when it is not theirs.
UPDATE chats
SET visibility = @visibility::chat_visibility
WHERE id = @id::uuid
  AND user_id = @user_id::uuid
RETURNING *;

-- name: UpdateChatSettings :one
-- Change a chat's model settings and UI metadata; a NULL argument keeps the current value.
-- No row when the chat is not this user's.
UPDATE chats
SET provider = coalesce(sqlc.narg(provider)::text, provider),
    model = coalesce(sqlc.narg(model)::text, model),
    system_prompt = coalesce(sqlc.narg(system_prompt)::text, system_prompt),
    context_window = coalesce(sqlc.narg(context_window)::integer, context_window),
    metadata = coalesce(sqlc.narg(metadata)::jsonb, metadata)
WHERE id = @id::uuid
  AND user_id = @user_id::uuid
RETURNING *;

-- name: UpdateChatTimestamp :execrows
-- Move a chat to the top of its owner's list (after a new message). 0 when not theirs.
UPDATE chats
SET updated_at = now()
WHERE id = @id::uuid
  AND user_id = @user_id::uuid;

-- name: DeleteChat :execrows
-- Delete a chat of this user with everything in it (messages, votes, streams, state, tool
-- executions, optimizations, tags). 1 when deleted, 0 when it was not theirs.
DELETE FROM chats
WHERE id = @id::uuid
  AND user_id = @user_id::uuid;

-- name: GetChatWithRecentMessages :many
-- A chat with its latest message_limit messages, oldest of them first: one row per message,
-- the chat repeated; a chat without messages gives one row with message None. No rows when
-- the chat is not readable.
SELECT sqlc.embed(c), sqlc.embed(m)
FROM chats AS c
LEFT JOIN LATERAL (
    SELECT r.id, r.created_at
    FROM messages AS r
    WHERE r.chat_id = c.id
    ORDER BY r.created_at DESC, r.id DESC
    LIMIT sqlc.arg(message_limit)::integer
) AS recent ON true
LEFT JOIN messages AS m ON m.id = recent.id
WHERE c.id = @id::uuid
ORDER BY m.created_at, m.id;

-- name: AddChatTag :execrows
-- Tag a chat (the tag is stored lower-case). 1 when added, 0 when it already had the tag.
INSERT INTO chat_tags (chat_id, tag)
VALUES (@chat_id::uuid, lower(@tag::text))
ON CONFLICT (chat_id, tag) DO NOTHING;

-- name: RemoveChatTag :execrows
-- Remove a tag from a chat. 1 when removed, 0 when it did not have it.
DELETE FROM chat_tags
WHERE chat_id = @chat_id::uuid
  AND tag = lower(@tag::text);

-- name: ListChatTags :many
-- A chat's tags in alphabetical order (owner only).
SELECT tag
FROM chat_tags
WHERE chat_id = @chat_id::uuid
ORDER BY tag;

-- name: GetChatState :one
-- The typed state document of a chat with its version (for UpsertChatState).
SELECT chat_id, state, version, created_at, updated_at
FROM chat_states
WHERE chat_id = @chat_id::uuid;

-- name: UpsertChatState :one
-- Save a chat's state with optimistic concurrency. With expected_version NULL it creates the
-- state (version 1) and returns no row if one exists; with the version last read it replaces
-- the state and bumps the version, and returns no row when someone saved in between or the
-- state does not exist (re-read and retry): an expected version never creates a state.
INSERT INTO chat_states (chat_id, state)
SELECT @chat_id::uuid, @state
-- With an expected version, only an existing state may be replaced (through the conflict).
WHERE sqlc.narg(expected_version)::integer IS NULL
   OR EXISTS (SELECT 1 FROM chat_states AS s WHERE s.chat_id = @chat_id::uuid)
ON CONFLICT (chat_id) DO UPDATE
SET state = excluded.state,
    version = chat_states.version + 1
WHERE chat_states.version = sqlc.narg(expected_version)::integer
RETURNING chat_id, state, version, created_at, updated_at;

-- name: InsertChatWithID :one
-- Create a chat with an id the client generated (the chat app names a chat in the browser
-- before saving it). No row when the id is taken, by this chat or any other: use
-- chatdb.flows.chats.save_chat, which tells an idempotent replay from a conflict.
INSERT INTO chats (id, user_id, title, visibility, provider, model, system_prompt, context_window, metadata)
VALUES (
    @id::uuid,
    @user_id::uuid,
    coalesce(sqlc.narg(title)::text, 'New Chat'),
    coalesce(sqlc.narg(visibility)::chat_visibility, 'private'),
    sqlc.narg(provider)::text,
    sqlc.narg(model)::text,
    sqlc.narg(system_prompt)::text,
    sqlc.narg(context_window)::integer,
    coalesce(sqlc.narg(metadata)::jsonb, '{}'::jsonb)
)
ON CONFLICT (id) DO NOTHING
RETURNING *;

-- name: ListChatsByUserCreatedBefore :many
-- A user's chats by creation time, newest first, created before a cursor (the chat app's
-- sidebar; endingBefore): one keyset page of page_size rows plus one, so a longer result
-- means there are more. NULL cursor = from the newest chat. Renaming or sharing a chat does
-- not move it (chats_user_id_created_at_id_idx).
SELECT *
FROM chats
WHERE user_id = @user_id::uuid
  AND (created_at, id) < (
      coalesce(sqlc.narg(before_at)::timestamptz, 'infinity'::timestamptz),
      coalesce(sqlc.narg(before_id)::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
  )
ORDER BY created_at DESC, id DESC
LIMIT sqlc.arg(page_size)::integer + 1;

-- name: ListChatsByUserCreatedAfter :many
-- A user's chats created after a cursor (the sidebar's startingAfter), oldest first, so the
-- page is the one next to the cursor: page_size rows plus one (a longer result means there
-- are more). chatdb.flows.chats.list_chats_by_creation returns them newest first.
SELECT *
FROM chats
WHERE user_id = @user_id::uuid
  AND (created_at, id) > (@after_at::timestamptz, @after_id::uuid)
ORDER BY created_at ASC, id ASC
LIMIT sqlc.arg(page_size)::integer + 1;

-- name: DeleteChatsByUser :execrows
-- Delete every chat of a user in one statement, each with everything in it (as DeleteChat).
-- Returns how many chats were deleted.
DELETE FROM chats
WHERE user_id = @user_id::uuid;

-- name: UpdateChatAutoApproval :one
-- Set a chat's own auto-approval: auto_approve true/false overrides the user's setting, NULL
-- follows it; auto_approve_tools replaces the chat's extra approved tools. No row when the
-- chat is not this user's.
UPDATE chats
SET auto_approve = sqlc.narg(auto_approve)::boolean,
    auto_approve_tools = @auto_approve_tools::text[]
WHERE id = @id::uuid
  AND user_id = @user_id::uuid
RETURNING *;
