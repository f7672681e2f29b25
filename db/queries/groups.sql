-- name: CreateGroupChat :one
-- Create a group chat; the creator becomes its owner member (group_chats_add_creator trigger).
INSERT INTO group_chats (creator_id, companion_id, name, description)
VALUES (@creator_id, sqlc.narg(companion_id)::uuid, @name, sqlc.narg(description)::text)
RETURNING id, creator_id, companion_id, name, description, created_at, updated_at;

-- name: AddGroupMember :one
-- Add a user to a group (only its creator may). No row when the user already is a member:
-- their role is left as it was.
INSERT INTO group_chat_members (group_chat_id, user_id, role)
VALUES (@group_chat_id, @user_id, coalesce(sqlc.narg(role)::group_member_role, 'member'))
ON CONFLICT ON CONSTRAINT group_chat_members_pkey DO NOTHING
RETURNING *;

-- name: RemoveGroupMember :execrows
-- Remove a member from a group (the creator removes anyone, a member removes themself).
-- The owner cannot be removed: delete the group instead. Returns 1 when removed, else 0.
DELETE FROM group_chat_members
WHERE group_chat_id = @group_chat_id
  AND user_id = @user_id
  AND role <> 'owner';

-- name: InsertGroupMessage :one
-- Post a message to a group: as a member (sender_id), or the group companion's reply
-- (is_bot, no sender).
INSERT INTO group_messages (group_chat_id, sender_id, companion_id, is_bot, content, metadata)
VALUES (@group_chat_id, sqlc.narg(sender_id)::uuid, sqlc.narg(companion_id)::uuid, @is_bot, @content, @metadata)
RETURNING *;

-- name: ListGroupMessages :many
-- A group's messages, newest first, one keyset page (before_created_at and before_id NULL for
-- the first page; page_size rows plus one are fetched) (group_messages_group_chat_id_created_at_id_idx). Only
-- members see them.
SELECT *
FROM group_messages
WHERE group_chat_id = @group_chat_id
  AND (created_at, id) < (
      coalesce(sqlc.narg(before_created_at)::timestamptz, 'infinity'),
      coalesce(sqlc.narg(before_id)::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff')
  )
ORDER BY created_at DESC, id DESC
LIMIT sqlc.arg(page_size)::integer + 1;

-- name: ListGroupChatsByMember :many
-- The groups a user belongs to, with their role, most recently active first.
SELECT g.id, g.creator_id, g.companion_id, g.name, g.description, g.created_at, g.updated_at,
    m.role, m.joined_at
FROM group_chat_members AS m
JOIN group_chats AS g ON g.id = m.group_chat_id
WHERE m.user_id = @user_id
ORDER BY g.updated_at DESC, g.id DESC;
