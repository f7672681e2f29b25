-- domain: billing
-- External tokens say what kind of credential they hold (token_type: api_key, oauth_access,
-- oauth_refresh, personal_access, webhook_secret, ...), and an application-wide token (the
-- product's own key for a service, no user) has a home: user_id NULL. Such rows are
-- chatdb_system only: the chatdb_app policy compares user_id with the signed-in user, which a
-- NULL never equals. One application-wide token per service and environment
-- (external_tokens_app_service_environment_key, built concurrently in the next migration).

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

ALTER TABLE public.external_tokens ADD COLUMN token_type text NOT NULL DEFAULT 'api_key';
ALTER TABLE public.external_tokens ADD CONSTRAINT external_tokens_token_type_check
    CHECK (token_type ~ '^[a-z][a-z0-9_]{0,31}$') NOT VALID;
COMMENT ON COLUMN public.external_tokens.token_type IS 'What kind of credential the token is: api_key (default), oauth_access, oauth_refresh, personal_access, webhook_secret, ... (lower-case slug).';
COMMENT ON CONSTRAINT external_tokens_token_type_check ON public.external_tokens IS 'token_type: a lower-case slug of at most 32 characters.';

-- Intended: application-wide tokens have no user. Readers of user_id get NULL only for
-- those rows, which chatdb_app cannot see.
-- squawk-ignore ban-drop-not-null
ALTER TABLE public.external_tokens ALTER COLUMN user_id DROP NOT NULL;
COMMENT ON COLUMN public.external_tokens.user_id IS 'The user who connected the service; NULL for an application-wide token (chatdb_system only).';

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DELETE FROM public.external_tokens WHERE user_id IS NULL;
-- squawk-ignore adding-not-nullable-field
ALTER TABLE public.external_tokens ALTER COLUMN user_id SET NOT NULL;
COMMENT ON COLUMN public.external_tokens.user_id IS NULL;
-- squawk-ignore ban-drop-column
ALTER TABLE public.external_tokens DROP COLUMN token_type;
