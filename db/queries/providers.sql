-- name: UpsertProviderConfig :one
-- Creates or updates the user's configuration of one provider. A NULL api_key_ciphertext
-- keeps the stored key (use ClearProviderKey to remove it); ciphertext and key version are
-- set together. The default flag is left alone (SetDefaultProvider switches it).
INSERT INTO provider_configs (
    user_id, provider, api_key_ciphertext, api_key_version, base_url, default_model, settings
) VALUES (
    @user_id,
    @provider,
    sqlc.narg(api_key_ciphertext)::bytea,
    sqlc.narg(api_key_version)::integer,
    sqlc.narg(base_url)::text,
    sqlc.narg(default_model)::text,
    coalesce(sqlc.narg(settings)::jsonb, '{}'::jsonb)
)
ON CONFLICT (user_id, provider) DO UPDATE SET
    api_key_ciphertext = coalesce(EXCLUDED.api_key_ciphertext, provider_configs.api_key_ciphertext),
    api_key_version = CASE
        WHEN EXCLUDED.api_key_ciphertext IS NULL THEN provider_configs.api_key_version
        ELSE EXCLUDED.api_key_version
    END,
    base_url = EXCLUDED.base_url,
    default_model = EXCLUDED.default_model,
    settings = EXCLUDED.settings
RETURNING *;

-- name: SetDefaultProvider :one
-- Makes the user's configuration of provider their default and every other one not, in one
-- statement (the deferrable exclusion constraint is checked at its end). The user's rows are
-- locked in id order first, so concurrent switches queue up instead of deadlocking, and the
-- last one wins. No row (and no change) when the user has no configuration for provider.
WITH locked AS MATERIALIZED (
    SELECT l.id
    FROM provider_configs AS l
    WHERE l.user_id = @user_id
    ORDER BY l.id
    FOR UPDATE
), switched AS (
    UPDATE provider_configs AS pc
    SET is_default = (pc.provider = @provider::text)
    FROM locked
    WHERE pc.id = locked.id
      AND EXISTS (
          SELECT 1 FROM provider_configs AS t
          WHERE t.user_id = @user_id AND t.provider = @provider::text
      )
    RETURNING pc.*
)
SELECT *
FROM switched
WHERE is_default;

-- name: GetDefaultProviderConfig :one
-- The user's default provider configuration, if they chose one.
SELECT *
FROM provider_configs
WHERE user_id = @user_id AND is_default;

-- name: GetProviderConfig :one
-- The user's configuration of one provider.
SELECT *
FROM provider_configs
WHERE user_id = @user_id AND provider = @provider;

-- name: ListProviderConfigs :many
-- All of the user's provider configurations (a handful), the default first, then by name.
SELECT *
FROM provider_configs
WHERE user_id = @user_id
ORDER BY is_default DESC, provider;

-- name: DeleteProviderConfig :execrows
-- Removes the user's configuration of one provider (and its key); 0 when there was none.
DELETE FROM provider_configs
WHERE user_id = @user_id AND provider = @provider;

-- name: ClearProviderKey :one
-- Removes the stored API key of one provider configuration, keeping the rest.
UPDATE provider_configs
SET api_key_ciphertext = NULL, api_key_version = NULL
WHERE user_id = @user_id AND provider = @provider
RETURNING *;

-- name: ListProviderKeysToRotate :many
-- Key rotation (chatdb_system): configurations whose API key is sealed with another key
-- version than current_version, in id order after after_id (keyset), one batch.
SELECT id, user_id, provider, api_key_ciphertext, api_key_version
FROM provider_configs
WHERE api_key_version <> @current_version::integer
  AND id > coalesce(sqlc.narg(after_id)::uuid, '00000000-0000-0000-0000-000000000000'::uuid)
ORDER BY id
LIMIT sqlc.arg(batch_size)::integer;

-- name: ReplaceProviderKey :execrows
-- Key rotation: stores a re-encrypted key, only if the row still holds the ciphertext that
-- was read (optimistic: a concurrent save of a new key wins). 1 = replaced, 0 = skipped.
UPDATE provider_configs
SET api_key_ciphertext = @new_ciphertext::bytea, api_key_version = @new_version::integer
WHERE id = @id AND api_key_ciphertext = @old_ciphertext::bytea;

-- name: GetAutoApprovalSettings :one
-- The user's tool auto-approval settings; no row means the safe defaults (disabled).
SELECT *
FROM auto_approval_settings
WHERE user_id = @user_id;

-- name: UpsertAutoApprovalSettings :one
-- Creates or replaces the user's tool auto-approval settings (the CHECKs keep the cost limits
-- ordered and the allowed and blocked tool lists disjoint).
-- read_only_operations and low_risk_operations NULL mean none; max_hourly_cost NULL means no
-- hourly cap (the daily budget only).
INSERT INTO auto_approval_settings (
    user_id, enabled, max_cost_per_execution, max_daily_cost, allowed_tools, blocked_tools,
    read_only_operations, low_risk_operations, max_hourly_cost
) VALUES (
    @user_id,
    @enabled::boolean,
    @max_cost_per_execution::numeric,
    @max_daily_cost::numeric,
    @allowed_tools::text[],
    @blocked_tools::text[],
    coalesce(sqlc.narg(read_only_operations)::text[], '{}'::text[]),
    coalesce(sqlc.narg(low_risk_operations)::text[], '{}'::text[]),
    sqlc.narg(max_hourly_cost)::numeric
)
ON CONFLICT (user_id) DO UPDATE SET
    enabled = EXCLUDED.enabled,
    max_cost_per_execution = EXCLUDED.max_cost_per_execution,
    max_daily_cost = EXCLUDED.max_daily_cost,
    allowed_tools = EXCLUDED.allowed_tools,
    blocked_tools = EXCLUDED.blocked_tools,
    read_only_operations = EXCLUDED.read_only_operations,
    low_risk_operations = EXCLUDED.low_risk_operations,
    max_hourly_cost = EXCLUDED.max_hourly_cost
RETURNING *;

-- name: SetProviderConfigActive :one
-- Switch a provider configuration of the user on or off, keeping its key. Deactivating the
-- default one raises CheckViolation (provider_configs_default_active_check): choose another
-- default first. No row when the user has no configuration for provider.
UPDATE provider_configs
SET is_active = @is_active::boolean
WHERE user_id = @user_id
  AND provider = @provider::text
RETURNING *;
