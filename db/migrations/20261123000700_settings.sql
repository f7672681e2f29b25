-- Per-user settings: model provider configurations (with encrypted API keys) and tool
-- auto-approval settings.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE public.provider_configs (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    provider text NOT NULL,
    api_key_ciphertext bytea,
    api_key_version integer,
    base_url text,
    default_model text,
    is_default boolean NOT NULL DEFAULT false,
    settings jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT provider_configs_pkey PRIMARY KEY (id),
    CONSTRAINT provider_configs_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE,
    CONSTRAINT provider_configs_user_id_provider_key UNIQUE (user_id, provider),
    -- At most one default per user. An exclusion constraint over a partial btree index (the
    -- partial unique index, made DEFERRABLE): checked at the end of each statement, so one
    -- UPDATE ... SET is_default = (provider = @provider) switches the default atomically,
    -- whatever order it visits the rows in. A plain unique index checks row by row and
    -- could fail half-way through that statement.
    CONSTRAINT provider_configs_user_id_default_excl EXCLUDE USING btree (user_id WITH =) WHERE (is_default)
        DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT provider_configs_provider_check CHECK (provider ~ '^[a-z0-9][a-z0-9_.-]{0,63}$'),
    CONSTRAINT provider_configs_api_key_version_check CHECK ((api_key_ciphertext IS NULL) = (api_key_version IS NULL)),
    CONSTRAINT provider_configs_base_url_check CHECK (base_url ~ '^https?://'),
    CONSTRAINT provider_configs_settings_check CHECK (jsonb_typeof(settings) = 'object')
);
CREATE TRIGGER provider_configs_set_updated_at BEFORE UPDATE ON public.provider_configs
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.provider_configs IS
    'A user''s configuration per model provider: encrypted API key, endpoint, default model. One row per user and provider; at most one default per user.';
COMMENT ON COLUMN public.provider_configs.provider IS 'Provider slug (openai, anthropic, ollama, ...): lower case, digits, . _ -.';
COMMENT ON COLUMN public.provider_configs.api_key_ciphertext IS
    'The user''s API key, AES-GCM ciphertext with the row''s user and provider as associated data (never plain text); NULL for keyless providers.';
COMMENT ON COLUMN public.provider_configs.api_key_version IS 'Version of the encryption key used; set exactly when a ciphertext is present. Used for key rotation.';
COMMENT ON COLUMN public.provider_configs.base_url IS 'Custom API endpoint (self-hosted or proxy), http(s) URL; NULL = the provider''s.';
COMMENT ON COLUMN public.provider_configs.default_model IS 'Model used when a chat does not name one.';
COMMENT ON COLUMN public.provider_configs.is_default IS 'The user''s default provider; at most one per user (provider_configs_user_id_default_excl).';
COMMENT ON COLUMN public.provider_configs.settings IS 'Provider-specific options (temperature, organisation, ...), JSON object.';

CREATE TABLE public.auto_approval_settings (
    user_id uuid NOT NULL,
    enabled boolean NOT NULL DEFAULT false,
    max_cost_per_execution numeric(18, 8) NOT NULL DEFAULT 0,
    max_daily_cost numeric(18, 8) NOT NULL DEFAULT 0,
    allowed_tools text[] NOT NULL DEFAULT '{}',
    blocked_tools text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT auto_approval_settings_pkey PRIMARY KEY (user_id),
    CONSTRAINT auto_approval_settings_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE,
    CONSTRAINT auto_approval_settings_cost_limits_check CHECK (
        max_cost_per_execution >= 0 AND max_daily_cost >= 0 AND max_cost_per_execution <= max_daily_cost
    ),
    CONSTRAINT auto_approval_settings_tools_check CHECK (NOT (allowed_tools && blocked_tools))
);
CREATE TRIGGER auto_approval_settings_set_updated_at BEFORE UPDATE ON public.auto_approval_settings
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.auto_approval_settings IS
    'Whether and within which limits tool calls run without asking the user; one row per user. The defaults are safe: disabled, no budget, no tools.';
COMMENT ON COLUMN public.auto_approval_settings.enabled IS 'Master switch; false (the default) means every tool call needs approval.';
COMMENT ON COLUMN public.auto_approval_settings.max_cost_per_execution IS 'Largest cost (USD) of a single call that may run unapproved; at most max_daily_cost.';
COMMENT ON COLUMN public.auto_approval_settings.max_daily_cost IS 'Budget (USD) of unapproved calls per UTC day.';
COMMENT ON COLUMN public.auto_approval_settings.allowed_tools IS 'Tools that may run unapproved (empty = none).';
COMMENT ON COLUMN public.auto_approval_settings.blocked_tools IS 'Tools that always need approval; disjoint from allowed_tools.';

GRANT SELECT, INSERT, UPDATE, DELETE ON public.provider_configs, public.auto_approval_settings
    TO chatdb_app, chatdb_system;

ALTER TABLE public.provider_configs ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.provider_configs FORCE ROW LEVEL SECURITY;
CREATE POLICY provider_configs_owner_all ON public.provider_configs FOR ALL TO chatdb_app
    USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid)
    WITH CHECK (user_id = nullif(current_setting('app.user_id', true), '')::uuid);

ALTER TABLE public.auto_approval_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.auto_approval_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY auto_approval_settings_owner_all ON public.auto_approval_settings FOR ALL TO chatdb_app
    USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid)
    WITH CHECK (user_id = nullif(current_setting('app.user_id', true), '')::uuid);

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';
-- squawk-ignore ban-drop-table
DROP TABLE public.auto_approval_settings;
-- squawk-ignore ban-drop-table
DROP TABLE public.provider_configs;
