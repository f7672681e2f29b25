-- domain: identity_auth
-- WebAuthn authenticators (passkeys) of Auth.js: createAuthenticator, getAuthenticator,
-- listAuthenticatorsByUserId and updateAuthenticatorCounter. One row per credential; the
-- credential id is globally unique (the browser looks it up before it knows the user).
--
-- Privileges: the Auth.js adapter runs as chatdb_system (sign-in happens before there is a
-- user); chatdb_app, acting for the signed-in user, may list and remove their own passkeys.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE public.authenticators (
    credential_id text NOT NULL,
    user_id uuid NOT NULL,
    provider_account_id text NOT NULL,
    credential_public_key text NOT NULL,
    counter bigint NOT NULL DEFAULT 0,
    credential_device_type text NOT NULL,
    credential_backed_up boolean NOT NULL,
    transports text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT authenticators_pkey PRIMARY KEY (credential_id),
    CONSTRAINT authenticators_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE,
    CONSTRAINT authenticators_credential_id_check CHECK (char_length(credential_id) BETWEEN 1 AND 1024),
    CONSTRAINT authenticators_provider_account_id_length_check CHECK (char_length(provider_account_id) <= 255),
    CONSTRAINT authenticators_credential_public_key_length_check CHECK (char_length(credential_public_key) <= 4096),
    CONSTRAINT authenticators_counter_check CHECK (counter BETWEEN 0 AND 4294967295),
    CONSTRAINT authenticators_credential_device_type_length_check CHECK (char_length(credential_device_type) <= 32),
    CONSTRAINT authenticators_transports_length_check CHECK (char_length(transports) <= 255)
);
-- ListAuthenticatorsByUser, and the cascade of deleting a user.
CREATE INDEX authenticators_user_id_idx ON public.authenticators (user_id);
CREATE TRIGGER authenticators_set_updated_at BEFORE UPDATE ON public.authenticators
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.authenticators IS
    'WebAuthn credentials (passkeys) registered by users (Auth.js "Authenticator"); deleted with the user.';
COMMENT ON COLUMN public.authenticators.credential_id IS 'The credential id (base64url) the authenticator returns; the primary key.';
COMMENT ON COLUMN public.authenticators.user_id IS 'The user the passkey signs in.';
COMMENT ON COLUMN public.authenticators.provider_account_id IS 'The providerAccountId of the user''s webauthn account (accounts row of provider webauthn).';
COMMENT ON COLUMN public.authenticators.credential_public_key IS 'The credential''s public key (base64); public by nature, not a secret.';
COMMENT ON COLUMN public.authenticators.counter IS 'Signature counter the authenticator reported last (WebAuthn signCount, unsigned 32-bit); a lower value on sign-in hints at a cloned key.';
COMMENT ON COLUMN public.authenticators.credential_device_type IS 'singleDevice or multiDevice (WebAuthn credentialDeviceType).';
COMMENT ON COLUMN public.authenticators.credential_backed_up IS 'Whether the credential is backed up (synced passkey).';
COMMENT ON COLUMN public.authenticators.transports IS 'Comma-separated transports the authenticator supports (usb, nfc, ble, internal, hybrid).';
COMMENT ON COLUMN public.authenticators.updated_at IS 'Last change of the row (maintained by set_updated_at): the last counter update.';

-- chatdb_system keeps full DML, as on every table (the role model `chatdb doctor` checks).
GRANT SELECT, INSERT, UPDATE, DELETE ON public.authenticators TO chatdb_system;
GRANT SELECT, DELETE ON public.authenticators TO chatdb_app;

ALTER TABLE public.authenticators ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.authenticators FORCE ROW LEVEL SECURITY;
CREATE POLICY authenticators_owner_read ON public.authenticators FOR SELECT TO chatdb_app
    USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid);
CREATE POLICY authenticators_owner_delete ON public.authenticators FOR DELETE TO chatdb_app
    USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid);

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';
-- squawk-ignore ban-drop-table
DROP TABLE public.authenticators;
