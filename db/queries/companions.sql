-- name: CreateCompanion :one
-- Create a companion (an AI persona) owned by the user; its configuration starts at version 1.
INSERT INTO companions (user_id, name, description, avatar_url, is_public, provider, model,
    personality, knowledge, interaction, tool_config, tool_access)
VALUES (@user_id, @name, sqlc.narg(description)::text, sqlc.narg(avatar_url)::text, @is_public,
    sqlc.narg(provider)::text, sqlc.narg(model)::text, @personality, @knowledge, @interaction,
    @tool_config, @tool_access::text[])
RETURNING id, user_id, name, description, avatar_url, is_public, provider, model, personality,
    knowledge, interaction, tool_config, tool_access, version, created_at, updated_at;

-- name: GetCompanion :one
-- One companion: the user's own or a public one.
SELECT id, user_id, name, description, avatar_url, is_public, provider, model, personality,
    knowledge, interaction, tool_config, tool_access, version, created_at, updated_at
FROM companions
WHERE id = @id;

-- name: UpdateCompanionConfig :one
-- Change a companion's configuration (model, persona, knowledge, interaction, tools),
-- optimistically: only when its version is still expected_version (what the editor read),
-- bumping the version. A NULL argument keeps that setting. No row when someone saved in between (re-read and retry) or the companion is not
-- the caller's.
UPDATE companions
SET provider = coalesce(sqlc.narg(provider)::text, provider),
    model = coalesce(sqlc.narg(model)::text, model),
    personality = coalesce(sqlc.narg(personality)::jsonb, personality),
    knowledge = coalesce(sqlc.narg(knowledge)::jsonb, knowledge),
    interaction = coalesce(sqlc.narg(interaction)::jsonb, interaction),
    tool_config = coalesce(sqlc.narg(tool_config)::jsonb, tool_config),
    tool_access = coalesce(sqlc.narg(tool_access)::text[], tool_access),
    version = version + 1
WHERE id = @id
  AND version = sqlc.arg(expected_version)::integer
RETURNING id, user_id, name, description, avatar_url, is_public, provider, model, personality,
    knowledge, interaction, tool_config, tool_access, version, created_at, updated_at;

-- name: InsertCompanionMessage :one
-- Append a turn to the user's conversation with a companion.
INSERT INTO companion_messages (companion_id, user_id, role, content, metadata, input_tokens, output_tokens)
VALUES (@companion_id, @user_id, @role, @content, @metadata, @input_tokens, @output_tokens)
RETURNING *;

-- name: ListCompanionMessages :many
-- The user's conversation with a companion, newest first, one keyset page (before_created_at
-- and before_id NULL for the first page; page_size rows plus one are fetched)
-- (companion_messages_companion_id_user_id_created_at_id_idx).
SELECT *
FROM companion_messages
WHERE companion_id = @companion_id
  AND user_id = @user_id
  AND (created_at, id) < (
      coalesce(sqlc.narg(before_created_at)::timestamptz, 'infinity'),
      coalesce(sqlc.narg(before_id)::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff')
  )
ORDER BY created_at DESC, id DESC
LIMIT sqlc.arg(page_size)::integer + 1;

-- name: RecordTokenBurn :one
-- Charge the credits a companion conversation burned, at a stated rate: credits are the
-- tokens (input + output) times credits_per_1k_tokens / 1000, rounded up to the next
-- micro-credit, computed here and held by companion_token_burns_rate_check. One
-- companion_burn ledger entry (amount -credits, idempotent by operation_id, e.g.
-- burn:<message id>) and the token usage behind it, in one statement. Returns the burn with
-- the balance after it; no row when this operation_id was already applied (a retry charges
-- once). More than the balance raises InsufficientCredits and writes nothing.
-- The rate is stored at the column's scale (6 decimals) first, so the check recomputes the
-- very same credits.
WITH rate AS (
    SELECT round(sqlc.arg(credits_per_1k_tokens)::numeric, 6) AS per_1k
), charge AS (
    SELECT ceil((sqlc.arg(input_tokens)::integer + sqlc.arg(output_tokens)::integer)::numeric
                * rate.per_1k * 1000) / 1000000 AS credits,
        rate.per_1k
    FROM rate
), entry AS (
    INSERT INTO credit_ledger (user_id, operation_id, amount, balance_after, reason, description, metadata)
    SELECT
        sqlc.arg(user_id)::uuid,
        sqlc.arg(operation_id)::text,
        -charge.credits,
        0,
        'companion_burn',
        'Companion conversation',
        jsonb_build_object('companion_id', sqlc.arg(companion_id)::uuid, 'companion_message_id', sqlc.narg(companion_message_id)::uuid)
    FROM charge
    RETURNING operation_id, balance_after
), burn AS (
    INSERT INTO companion_token_burns (companion_id, user_id, companion_message_id, ledger_operation_id,
        provider, model, input_tokens, output_tokens, credits, credits_per_1k_tokens)
    SELECT sqlc.arg(companion_id)::uuid, sqlc.arg(user_id)::uuid, sqlc.narg(companion_message_id)::uuid, entry.operation_id,
        sqlc.narg(provider)::text, sqlc.narg(model)::text, sqlc.arg(input_tokens)::integer,
        sqlc.arg(output_tokens)::integer,
        charge.credits, charge.per_1k
    FROM entry, charge
    RETURNING id, companion_id, user_id, companion_message_id, ledger_operation_id, provider, model,
        input_tokens, output_tokens, credits, credits_per_1k_tokens, created_at
)
SELECT burn.id, burn.companion_id, burn.user_id, burn.companion_message_id, burn.ledger_operation_id,
    burn.provider, burn.model, burn.input_tokens, burn.output_tokens, burn.credits,
    burn.credits_per_1k_tokens, burn.created_at, entry.balance_after
FROM burn
CROSS JOIN entry;
