"""Shared by the docs tests: a sample sqlc query file (written only to tmp dirs)."""

from __future__ import annotations

import pytest

SAMPLE = """\
-- Chats of a user, newest first.
-- name: ListChatsByUser :many
SELECT c.id, c.title
FROM chats AS c
WHERE c.user_id = @user_id
  AND c.metadata @> sqlc.narg('filter')::jsonb
  AND c.title <> '@not_a_param'
ORDER BY c.updated_at DESC
LIMIT sqlc.arg(page_size)::int;

-- name: GetMessageWithChat :one
SELECT sqlc.embed(m), sqlc.embed(c)
FROM public.messages AS m
JOIN chats AS c ON c.id = m.chat_id
WHERE m.id = @id;

-- name: CreateChat :one
INSERT INTO chats (user_id, title) VALUES (@user_id, sqlc.arg(title)) RETURNING id;

-- name: DeleteMessagesByIds :execrows
DELETE FROM messages WHERE id = ANY(sqlc.slice(ids)::uuid[]) AND chat_id = @chat_id;

-- name: ConsumeCredits :one
WITH debited AS (
    UPDATE users
    SET credit_balance = credit_balance - @amount
    WHERE id = @user_id AND credit_balance >= @amount
    RETURNING id, credit_balance
), logged AS (
    INSERT INTO credit_ledger (user_id, amount)
    SELECT id, -@amount::numeric FROM debited
    RETURNING id
)
SELECT d.credit_balance FROM debited AS d, logged;

-- name: TouchChatFromMessage :exec
UPDATE chats AS c SET updated_at = now()
FROM messages AS m
WHERE m.id = @message_id AND c.id = m.chat_id;
"""


@pytest.fixture(scope="session")
def sample_sql() -> str:
    """A query file exercising reads, writes, CTE writes and sqlc's macros."""
    return SAMPLE
