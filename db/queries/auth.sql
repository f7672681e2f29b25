-- name: LinkAccount :one
-- Link a provider account to a user (Auth.js linkAccount). The token columns take
-- ciphertext (with the key version that sealed them), never plain tokens. Linking an
-- account that is already linked raises ConflictError on accounts_pkey.
INSERT INTO accounts (
    user_id, type, provider, provider_account_id, access_token_ciphertext,
    refresh_token_ciphertext, id_token_ciphertext, token_key_version, expires_at, token_type,
    scope, session_state
)
VALUES (
    @user_id::uuid,
    @type::text,
    @provider::text,
    @provider_account_id::text,
    sqlc.narg(access_token_ciphertext)::bytea,
    sqlc.narg(refresh_token_ciphertext)::bytea,
    sqlc.narg(id_token_ciphertext)::bytea,
    sqlc.narg(token_key_version)::integer,
    sqlc.narg(expires_at)::timestamptz,
    sqlc.narg(token_type)::text,
    sqlc.narg(scope)::text,
    sqlc.narg(session_state)::text
)
RETURNING provider, provider_account_id, user_id, type, access_token_ciphertext,
    refresh_token_ciphertext, id_token_ciphertext, token_key_version, expires_at, token_type,
    scope, session_state, created_at, updated_at;

-- name: UpdateAccountTokens :one
-- Store refreshed OAuth tokens (ciphertext) of a linked account, e.g. after a refresh-token
-- rotation or a key rotation. NULL ciphertexts clear that token. No row when not linked.
UPDATE accounts
SET access_token_ciphertext = sqlc.narg(access_token_ciphertext)::bytea,
    refresh_token_ciphertext = sqlc.narg(refresh_token_ciphertext)::bytea,
    id_token_ciphertext = sqlc.narg(id_token_ciphertext)::bytea,
    token_key_version = sqlc.narg(token_key_version)::integer,
    expires_at = sqlc.narg(expires_at)::timestamptz
WHERE provider = @provider::text
  AND provider_account_id = @provider_account_id::text
RETURNING provider, provider_account_id, user_id, type, access_token_ciphertext,
    refresh_token_ciphertext, id_token_ciphertext, token_key_version, expires_at, token_type,
    scope, session_state, created_at, updated_at;

-- name: UnlinkAccount :execrows
-- Remove a linked provider account (Auth.js unlinkAccount). Also usable as chatdb_app from
-- the user's settings: RLS then limits it to the signed-in user's accounts. 0 when not linked.
DELETE FROM accounts
WHERE provider = @provider::text
  AND provider_account_id = @provider_account_id::text;

-- name: GetUserByAccount :one
-- The user a provider account is linked to (Auth.js getUserByAccount), without secrets.
SELECT u.*
FROM accounts AS a
JOIN user_profiles AS u ON u.id = a.user_id
WHERE a.provider = @provider::text
  AND a.provider_account_id = @provider_account_id::text;

-- name: ListAccountsByUser :many
-- The sign-in methods linked to a user, for a "connected accounts" settings page (chatdb_app
-- as that user). Token ciphertexts are not returned.
SELECT provider, provider_account_id, type, expires_at, scope, created_at
FROM accounts
WHERE user_id = @user_id::uuid
ORDER BY provider, provider_account_id;

-- name: CreateSession :one
-- Start a database session (Auth.js createSession). session_token_hash is the SHA-256
-- digest of the cookie token (hash_token), never the token itself.
INSERT INTO sessions (session_token_hash, user_id, expires, fingerprint_id)
VALUES (
    @session_token_hash::bytea,
    @user_id::uuid,
    @expires::timestamptz,
    sqlc.narg(fingerprint_id)::uuid
)
RETURNING id, session_token_hash, user_id, expires, fingerprint_id, created_at, updated_at;

-- name: GetSessionAndUser :one
-- The unexpired session with this token digest, with its user (Auth.js getSessionAndUser).
-- No row for an unknown or expired token.
SELECT sqlc.embed(s), sqlc.embed(u)
FROM sessions AS s
JOIN user_profiles AS u ON u.id = s.user_id
WHERE s.session_token_hash = @session_token_hash::bytea
  AND s.expires > now();

-- name: UpdateSession :one
-- Extend (or shorten) a session (Auth.js updateSession). No row when the token is unknown.
UPDATE sessions
SET expires = @expires::timestamptz
WHERE session_token_hash = @session_token_hash::bytea
RETURNING id, session_token_hash, user_id, expires, fingerprint_id, created_at, updated_at;

-- name: DeleteSession :execrows
-- Sign out: delete the session with this token digest (Auth.js deleteSession). 0 when unknown.
DELETE FROM sessions
WHERE session_token_hash = @session_token_hash::bytea;

-- name: DeleteSessionsByUser :execrows
-- Sign a user out everywhere (as that user, or chatdb_system after a password change).
DELETE FROM sessions
WHERE user_id = @user_id::uuid;

-- name: DeleteExpiredSessions :execrows
-- Housekeeping: delete every session that has expired (uses sessions_expires_idx).
DELETE FROM sessions
WHERE expires <= now();

-- name: CreateVerificationToken :one
-- Store an emailed sign-in/verification token as its SHA-256 digest (Auth.js
-- createVerificationToken). Issuing the same token twice raises ConflictError.
INSERT INTO verification_tokens (identifier, token_hash, expires)
VALUES (@identifier::text, @token_hash::bytea, @expires::timestamptz)
RETURNING *;

-- name: UseVerificationToken :one
-- Consume a verification token (Auth.js useVerificationToken): deletes it and returns it,
-- so it works once; a concurrent second use gets no row. An expired token is deleted too
-- but not returned.
WITH used AS (
    DELETE FROM verification_tokens
    WHERE identifier = @identifier::text
      AND token_hash = @token_hash::bytea
    RETURNING *
)
SELECT *
FROM used
WHERE expires > now();

-- name: DeleteExpiredVerificationTokens :execrows
-- Housekeeping: delete verification tokens that expired unused.
DELETE FROM verification_tokens
WHERE expires <= now();

-- name: DeleteVerificationTokensByIdentifier :execrows
-- Delete every pending verification token sent to an identifier (an email address, compared
-- case-insensitively like users.email): when the user is erased, or to invalidate earlier
-- sign-in links (verification_tokens_lower_identifier_idx).
DELETE FROM verification_tokens
WHERE lower(identifier) = lower(@identifier::text);

-- name: GetAccount :one
-- A linked account by provider and the provider's account id (Auth.js getAccount), with its
-- token ciphertexts (chatdb_system: decrypt with the keyring that sealed them).
SELECT *
FROM accounts
WHERE provider = @provider::text
  AND provider_account_id = @provider_account_id::text;

-- name: CreateAuthenticator :one
-- Register a WebAuthn credential (passkey) of a user (Auth.js createAuthenticator,
-- chatdb_system). A credential id registered before raises ConflictError on
-- authenticators_pkey.
INSERT INTO authenticators (
    credential_id, user_id, provider_account_id, credential_public_key, counter,
    credential_device_type, credential_backed_up, transports
)
VALUES (
    @credential_id::text,
    @user_id::uuid,
    @provider_account_id::text,
    @credential_public_key::text,
    @counter::bigint,
    @credential_device_type::text,
    @credential_backed_up::boolean,
    sqlc.narg(transports)::text
)
RETURNING *;

-- name: GetAuthenticator :one
-- A WebAuthn credential by its id (Auth.js getAuthenticator): the browser presents the
-- credential id before anyone knows the user.
SELECT *
FROM authenticators
WHERE credential_id = @credential_id::text;

-- name: ListAuthenticatorsByUser :many
-- A user's passkeys, oldest first (Auth.js listAuthenticatorsByUserId; chatdb_app as that
-- user for a settings page).
SELECT *
FROM authenticators
WHERE user_id = @user_id::uuid
ORDER BY created_at, credential_id;

-- name: UpdateAuthenticatorCounter :one
-- Store the signature counter of a successful passkey sign-in (Auth.js
-- updateAuthenticatorCounter). No row when the credential is unknown.
UPDATE authenticators
SET counter = @counter::bigint
WHERE credential_id = @credential_id::text
RETURNING *;

-- name: DeleteAuthenticator :execrows
-- Remove a passkey (chatdb_app as its user, from the settings page; chatdb_system). 0 when
-- unknown or not the caller's.
DELETE FROM authenticators
WHERE credential_id = @credential_id::text;
