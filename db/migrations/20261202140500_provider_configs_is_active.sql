-- domain: settings
-- A provider configuration can be switched off without deleting its (encrypted) key:
-- is_active false hides it from request routing. The default provider must be active.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

ALTER TABLE public.provider_configs ADD COLUMN is_active boolean NOT NULL DEFAULT true;
ALTER TABLE public.provider_configs ADD CONSTRAINT provider_configs_default_active_check
    CHECK (is_active OR NOT is_default) NOT VALID;
COMMENT ON COLUMN public.provider_configs.is_active IS 'Whether requests may use this configuration; false keeps the key but takes the provider out of use.';
COMMENT ON CONSTRAINT provider_configs_default_active_check ON public.provider_configs IS 'The default provider configuration is an active one: deactivate it only after choosing another default.';

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- squawk-ignore ban-drop-column
ALTER TABLE public.provider_configs DROP COLUMN is_active;
