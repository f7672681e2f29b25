-- name: VoteMessage :one
-- Vote a message up or down (a message the user can read). Voting again replaces the earlier
-- vote, so a vote flips; one row per user and message.
INSERT INTO votes (message_id, user_id, direction)
VALUES (@message_id::uuid, signed_in_user(@user_id::uuid), @direction::vote_direction)
ON CONFLICT (message_id, user_id) DO UPDATE
SET direction = excluded.direction
RETURNING *;

-- name: VoteMessages :batchexec
-- Several votes in one round trip (pipeline), each an upsert like VoteMessage.
INSERT INTO votes (message_id, user_id, direction)
VALUES (@message_id::uuid, signed_in_user(@user_id::uuid), @direction::vote_direction)
ON CONFLICT (message_id, user_id) DO UPDATE
SET direction = excluded.direction;

-- name: ListVotesByChat :many
-- The votes on a chat's messages, in message order. As chatdb_app: the signed-in user's own
-- votes (RLS); as chatdb_system: everyone's.
SELECT v.*
FROM votes AS v
JOIN messages AS m ON m.id = v.message_id
WHERE m.chat_id = @chat_id::uuid
ORDER BY m.created_at, m.id, v.user_id;

-- name: DeleteVote :execrows
-- Withdraw a user's vote on a message. 1 when removed, 0 when there was none.
DELETE FROM votes
WHERE message_id = @message_id::uuid
  AND user_id = signed_in_user(@user_id::uuid);
