-- Identity and authentication (Auth.js-compatible): users, accounts, sessions,
-- verification_tokens, fingerprints. Row-level security lives with each table (see
-- docs/decisions/001-role-model.md): a table is never visible without its policies.
--
-- Secrets are never stored in plain text: OAuth tokens are AES-GCM ciphertext (bytea) with the
-- key version that encrypted them; session and verification tokens are stored as their
-- SHA-256 digest; passwords as argon2id PHC strings.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TYPE public.user_role AS ENUM ('user', 'admin');
COMMENT ON TYPE public.user_role IS 'What a user may do in the product: user, or admin (back-office).';

CREATE TYPE public.user_status AS ENUM ('active', 'inactive', 'suspended');
COMMENT ON TYPE public.user_status IS
    'Account state: active; inactive (dormant or self-deactivated); suspended (blocked by an admin).';

CREATE TABLE public.users (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    email text NOT NULL,
    name text,
    email_verified timestamptz,
    image text,
    role public.user_role NOT NULL DEFAULT 'user',
    status public.user_status NOT NULL DEFAULT 'active',
    password_hash text,
    credit_balance numeric(20, 6) NOT NULL DEFAULT 0,
    referral_code text NOT NULL DEFAULT ('ref-' || gen_random_uuid()),
    quota integer NOT NULL DEFAULT 0,
    quota_started_at timestamptz,
    next_quota_reset timestamptz,
    end_date timestamptz GENERATED ALWAYS AS (COALESCE(next_quota_reset, quota_started_at)) STORED,
    stripe_customer_id text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT users_referral_code_key UNIQUE (referral_code),
    CONSTRAINT users_stripe_customer_id_key UNIQUE (stripe_customer_id),
    CONSTRAINT users_email_check CHECK (char_length(email) <= 320 AND email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    CONSTRAINT users_name_check CHECK (char_length(name) <= 200),
    CONSTRAINT users_password_hash_check CHECK (password_hash LIKE '$argon2id$%'),
    CONSTRAINT users_credit_balance_nonnegative_check CHECK (credit_balance >= 0),
    CONSTRAINT users_referral_code_check CHECK (referral_code ~ '^[A-Za-z0-9_-]{4,64}$'),
    CONSTRAINT users_quota_check CHECK (quota >= 0),
    CONSTRAINT users_quota_period_check CHECK (next_quota_reset IS NULL OR quota_started_at IS NULL OR next_quota_reset > quota_started_at)
);
CREATE UNIQUE INDEX users_lower_email_key ON public.users (lower(email));
CREATE INDEX users_created_at_id_idx ON public.users (created_at, id);
CREATE INDEX users_end_date_idx ON public.users (end_date) WHERE end_date IS NOT NULL;
CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON public.users
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.users IS
    'People who use the product (Auth.js "User"). Deleting a user erases everything they own; payments and subscriptions survive with user_id NULL.';
COMMENT ON COLUMN public.users.id IS 'Primary key (random uuid).';
COMMENT ON COLUMN public.users.email IS
    'Sign-in email. Unique case-insensitively (users_lower_email_key on lower(email)); look it up with lower(email) = lower(@email).';
COMMENT ON COLUMN public.users.name IS 'Display name (at most 200 characters).';
COMMENT ON COLUMN public.users.email_verified IS 'When the email address was verified (Auth.js emailVerified); NULL = not verified.';
COMMENT ON COLUMN public.users.image IS 'Avatar URL.';
COMMENT ON COLUMN public.users.role IS 'Authorisation role: user or admin.';
COMMENT ON COLUMN public.users.status IS 'Account state; only active users may sign in (checked by the application).';
COMMENT ON COLUMN public.users.password_hash IS
    'argon2id PHC string ($argon2id$...) for email+password sign-in; NULL for OAuth/email-link users. Not readable by chatdb_app.';
COMMENT ON COLUMN public.users.credit_balance IS
    'Spendable credits. Written only by the credit_ledger insert trigger (direct writes raise users_credit_balance_ledger_check), so it always equals the sum of the user''s ledger amounts; never negative (users_credit_balance_nonnegative_check = insufficient credits).';
COMMENT ON COLUMN public.users.referral_code IS 'The code this user shares to refer others; unique; defaults to ref-<uuid>.';
COMMENT ON COLUMN public.users.quota IS 'Units (messages) allowed in the current quota period; reset with the period.';
COMMENT ON COLUMN public.users.quota_started_at IS 'Start of the current quota period.';
COMMENT ON COLUMN public.users.next_quota_reset IS 'When the current quota period ends and the quota is reset.';
COMMENT ON COLUMN public.users.end_date IS
    'Generated: COALESCE(next_quota_reset, quota_started_at), the end of the quota period. Indexed for ResetExpiredQuotas; never written directly.';
COMMENT ON COLUMN public.users.stripe_customer_id IS 'The Stripe customer (cus_...) of this user; unique when set.';
COMMENT ON COLUMN public.users.created_at IS 'When the user signed up.';
COMMENT ON COLUMN public.users.updated_at IS 'Last change of the row (maintained by set_updated_at).';

CREATE TABLE public.accounts (
    provider text NOT NULL,
    provider_account_id text NOT NULL,
    user_id uuid NOT NULL,
    type text NOT NULL,
    access_token_ciphertext bytea,
    refresh_token_ciphertext bytea,
    id_token_ciphertext bytea,
    token_key_version integer,
    expires_at timestamptz,
    token_type text,
    scope text,
    session_state text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT accounts_pkey PRIMARY KEY (provider, provider_account_id),
    CONSTRAINT accounts_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE,
    CONSTRAINT accounts_type_check CHECK (type IN ('oauth', 'oidc', 'email', 'webauthn')),
    CONSTRAINT accounts_token_key_version_check CHECK (
        (access_token_ciphertext IS NULL AND refresh_token_ciphertext IS NULL AND id_token_ciphertext IS NULL)
        = (token_key_version IS NULL)
    )
);
CREATE INDEX accounts_user_id_idx ON public.accounts (user_id);
CREATE TRIGGER accounts_set_updated_at BEFORE UPDATE ON public.accounts
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.accounts IS
    'Sign-in methods linked to a user (Auth.js "Account"): one row per provider account. OAuth tokens are stored encrypted only.';
COMMENT ON COLUMN public.accounts.provider IS 'Auth.js provider id (github, google, email, ...).';
COMMENT ON COLUMN public.accounts.provider_account_id IS 'The user''s id at the provider; with provider, the primary key.';
COMMENT ON COLUMN public.accounts.type IS 'Auth.js account type: oauth, oidc, email or webauthn.';
COMMENT ON COLUMN public.accounts.access_token_ciphertext IS 'OAuth access token, AES-GCM ciphertext (never plain text).';
COMMENT ON COLUMN public.accounts.refresh_token_ciphertext IS 'OAuth refresh token, AES-GCM ciphertext (never plain text).';
COMMENT ON COLUMN public.accounts.id_token_ciphertext IS 'OIDC id token, AES-GCM ciphertext (never plain text).';
COMMENT ON COLUMN public.accounts.token_key_version IS
    'Version of the encryption key that produced the ciphertexts; set exactly when a ciphertext is present (accounts_token_key_version_check). Used for key rotation.';
COMMENT ON COLUMN public.accounts.expires_at IS 'When the access token expires (Auth.js expires_at, stored as a timestamp).';
COMMENT ON COLUMN public.accounts.token_type IS 'OAuth token type, usually bearer.';
COMMENT ON COLUMN public.accounts.scope IS 'Granted OAuth scopes, space-separated.';
COMMENT ON COLUMN public.accounts.session_state IS 'OIDC session_state, when the provider sends one.';

CREATE TABLE public.fingerprints (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    visitor_id text NOT NULL,
    user_id uuid,
    user_agent text,
    is_blocked boolean NOT NULL DEFAULT false,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT fingerprints_pkey PRIMARY KEY (id),
    CONSTRAINT fingerprints_visitor_id_key UNIQUE (visitor_id),
    CONSTRAINT fingerprints_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE SET NULL,
    CONSTRAINT fingerprints_visitor_id_check CHECK (char_length(visitor_id) BETWEEN 1 AND 128),
    CONSTRAINT fingerprints_seen_check CHECK (last_seen_at >= first_seen_at)
);
CREATE INDEX fingerprints_user_id_idx ON public.fingerprints (user_id);
CREATE TRIGGER fingerprints_set_updated_at BEFORE UPDATE ON public.fingerprints
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.fingerprints IS
    'Browser/device fingerprints (e.g. FingerprintJS visitor ids) for anonymous rate limits and signup-abuse checks. Kept when the user is deleted (user_id set NULL) so abuse checks still work.';
COMMENT ON COLUMN public.fingerprints.visitor_id IS 'The device identifier from the fingerprinting library; unique.';
COMMENT ON COLUMN public.fingerprints.user_id IS 'The user last seen on this device; NULL for anonymous devices or after the user was deleted.';
COMMENT ON COLUMN public.fingerprints.user_agent IS 'Last User-Agent seen from this device.';
COMMENT ON COLUMN public.fingerprints.is_blocked IS 'Blocked for abuse: sign-ups and anonymous chats from this device are refused.';
COMMENT ON COLUMN public.fingerprints.first_seen_at IS 'First request seen from this device.';
COMMENT ON COLUMN public.fingerprints.last_seen_at IS 'Latest request seen from this device.';

CREATE TABLE public.sessions (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    session_token_hash bytea NOT NULL,
    user_id uuid NOT NULL,
    expires timestamptz NOT NULL,
    fingerprint_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sessions_pkey PRIMARY KEY (id),
    CONSTRAINT sessions_session_token_hash_key UNIQUE (session_token_hash),
    CONSTRAINT sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE,
    CONSTRAINT sessions_fingerprint_id_fkey FOREIGN KEY (fingerprint_id) REFERENCES public.fingerprints (id) ON DELETE SET NULL,
    CONSTRAINT sessions_session_token_hash_check CHECK (octet_length(session_token_hash) = 32)
);
CREATE INDEX sessions_user_id_idx ON public.sessions (user_id);
CREATE INDEX sessions_fingerprint_id_idx ON public.sessions (fingerprint_id);
CREATE INDEX sessions_expires_idx ON public.sessions (expires);
CREATE TRIGGER sessions_set_updated_at BEFORE UPDATE ON public.sessions
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.sessions IS
    'Database sessions (Auth.js "Session"). The token itself is never stored: only its SHA-256 digest, which is what lookups use.';
COMMENT ON COLUMN public.sessions.session_token_hash IS 'SHA-256 digest (32 bytes) of the session cookie token; unique; the lookup key.';
COMMENT ON COLUMN public.sessions.expires IS 'When the session stops being valid (Auth.js expires); expired rows are deleted by DeleteExpiredSessions.';
COMMENT ON COLUMN public.sessions.fingerprint_id IS 'The device the session was created from, when known.';

CREATE TABLE public.verification_tokens (
    identifier text NOT NULL,
    token_hash bytea NOT NULL,
    expires timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT verification_tokens_pkey PRIMARY KEY (identifier, token_hash),
    CONSTRAINT verification_tokens_token_hash_check CHECK (octet_length(token_hash) = 32)
);
CREATE INDEX verification_tokens_expires_idx ON public.verification_tokens (expires);

COMMENT ON TABLE public.verification_tokens IS
    'One-time email sign-in / verification tokens (Auth.js "VerificationToken"), stored as SHA-256 digests; deleted when used. Pre-login data: chatdb_system only.';
COMMENT ON COLUMN public.verification_tokens.identifier IS 'Who the token was sent to (usually the email address).';
COMMENT ON COLUMN public.verification_tokens.token_hash IS 'SHA-256 digest (32 bytes) of the emailed token.';
COMMENT ON COLUMN public.verification_tokens.expires IS 'After this time the token is refused.';

-- Privileges: chatdb_system does pre-login and cross-user work; chatdb_app acts for one user
-- and may neither read password hashes nor write balances, quotas, roles or status.
GRANT SELECT, INSERT, UPDATE, DELETE ON public.users, public.accounts, public.sessions,
    public.verification_tokens, public.fingerprints TO chatdb_system;
GRANT SELECT (id, email, name, email_verified, image, role, status, credit_balance, referral_code,
              quota, quota_started_at, next_quota_reset, end_date, stripe_customer_id,
              created_at, updated_at)
    ON public.users TO chatdb_app;
GRANT UPDATE (name, image) ON public.users TO chatdb_app;
GRANT SELECT, DELETE ON public.accounts, public.sessions TO chatdb_app;
GRANT SELECT ON public.fingerprints TO chatdb_app;

-- Row-level security: chatdb_app sees only the signed-in user's rows.
ALTER TABLE public.users ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.users FORCE ROW LEVEL SECURITY;
CREATE POLICY users_self_read ON public.users FOR SELECT TO chatdb_app
    USING (id = nullif(current_setting('app.user_id', true), '')::uuid);
CREATE POLICY users_self_update ON public.users FOR UPDATE TO chatdb_app
    USING (id = nullif(current_setting('app.user_id', true), '')::uuid)
    WITH CHECK (id = nullif(current_setting('app.user_id', true), '')::uuid);

ALTER TABLE public.accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.accounts FORCE ROW LEVEL SECURITY;
CREATE POLICY accounts_owner_all ON public.accounts FOR ALL TO chatdb_app
    USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid)
    WITH CHECK (user_id = nullif(current_setting('app.user_id', true), '')::uuid);

ALTER TABLE public.sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY sessions_owner_all ON public.sessions FOR ALL TO chatdb_app
    USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid)
    WITH CHECK (user_id = nullif(current_setting('app.user_id', true), '')::uuid);

ALTER TABLE public.fingerprints ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.fingerprints FORCE ROW LEVEL SECURITY;
CREATE POLICY fingerprints_owner_read ON public.fingerprints FOR SELECT TO chatdb_app
    USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid);

-- No user owns a verification token; RLS without a chatdb_app policy is defence in depth on
-- top of chatdb_app having no privilege on the table.
ALTER TABLE public.verification_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.verification_tokens FORCE ROW LEVEL SECURITY;

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';
-- squawk-ignore ban-drop-table
DROP TABLE public.verification_tokens;
-- squawk-ignore ban-drop-table
DROP TABLE public.sessions;
-- squawk-ignore ban-drop-table
DROP TABLE public.fingerprints;
-- squawk-ignore ban-drop-table
DROP TABLE public.accounts;
-- squawk-ignore ban-drop-table
DROP TABLE public.users;
-- squawk-ignore ban-drop-type
DROP TYPE public.user_status;
-- squawk-ignore ban-drop-type
DROP TYPE public.user_role;
