-- Data migration: companions.tool_config moves from the flat boolean
--     {"auto_approve": true, ...}
-- to an approval object that can grow more settings
--     {"approval": {"mode": "auto"}, ...}          ("manual" for false)
-- Every changed row gets version + 1, so an editor holding the old version must re-read
-- before saving (UpdateCompanionConfig matches on version). The down migration restores the
-- flat key and also bumps version: versions only ever increase.
--
-- Rows are touched only when they have the old (up) or new (down) shape, so each direction is
-- idempotent. Companions are a small table; a large table would be migrated in batches.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

UPDATE public.companions
SET tool_config = jsonb_set(
        tool_config - 'auto_approve',
        '{approval}',
        jsonb_build_object(
            'mode',
            CASE WHEN tool_config -> 'auto_approve' = 'true'::jsonb THEN 'auto' ELSE 'manual' END
        )
    ),
    version = version + 1
WHERE tool_config ? 'auto_approve';

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';
UPDATE public.companions
SET tool_config = jsonb_set(
        tool_config - 'approval',
        '{auto_approve}',
        to_jsonb(coalesce(tool_config #>> '{approval,mode}' = 'auto', false))
    ),
    version = version + 1
WHERE jsonb_typeof(tool_config -> 'approval') = 'object'
  AND NOT tool_config ? 'auto_approve';
