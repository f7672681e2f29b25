-- name: CreateUser :one
-- Sign a user up (chatdb_system: chatdb_app cannot insert users). The signup credits are
-- granted by an AFTER trigger through the ledger, so the returned credit_balance is still 0;
-- read the user again for the balance. A duplicate email (case-insensitive) raises
-- ConflictError on users_lower_email_key.
INSERT INTO users (email, name, image, email_verified, password_hash)
VALUES (
    @email::text,
    sqlc.narg(name)::text,
    sqlc.narg(image)::text,
    sqlc.narg(email_verified)::timestamptz,
    sqlc.narg(password_hash)::text
)
RETURNING id, email, name, email_verified, image, role, status, credit_balance, referral_code,
    quota, quota_started_at, next_quota_reset, end_date, stripe_customer_id, created_at, updated_at, user_type;

-- name: GetUserByID :one
-- One user's profile (as the user themselves, or chatdb_system). No secrets.
SELECT *
FROM user_profiles
WHERE id = @id::uuid;

-- name: GetUserByIDs :many
-- Several users' profiles at once (chatdb_system, e.g. resolving message authors), in id
-- order; ids that do not exist are simply absent.
SELECT *
FROM user_profiles
WHERE id IN (sqlc.slice(ids))
ORDER BY id;

-- name: GetUserByEmail :one
-- A user by sign-in email, case-insensitively (uses users_lower_email_key). Auth.js
-- getUserByEmail, run as chatdb_system before sign-in.
SELECT *
FROM user_profiles
WHERE lower(email) = lower(@email::text);

-- name: GetUserCredentialsByEmail :one
-- What email+password sign-in needs (chatdb_system only): the user's id, status and argon2id
-- hash (NULL for OAuth/email-link users). Verify with chatdb.flows.auth.verify_password.
SELECT id, status, password_hash
FROM users
WHERE lower(email) = lower(@email::text);

-- name: UpdateUserPasswordHash :execrows
-- Set (or, with NULL, remove) a user's argon2id password hash (chatdb_system): password
-- change, reset, or a rehash after the argon2 parameters changed. 0 when no such user.
UPDATE users
SET password_hash = sqlc.narg(password_hash)::text
WHERE id = @id::uuid;

-- name: UpdateUser :one
-- Edit the profile fields a user may change themselves (name, image); a NULL argument keeps
-- the current value, and clear_name / clear_image true sets that field to NULL (Auth.js
-- updateUser with name: null). As chatdb_app RLS limits it to the signed-in user: no row
-- otherwise.
UPDATE users
SET name = CASE WHEN coalesce(sqlc.narg(clear_name)::boolean, false) THEN NULL
                ELSE coalesce(sqlc.narg(name)::text, name) END,
    image = CASE WHEN coalesce(sqlc.narg(clear_image)::boolean, false) THEN NULL
                 ELSE coalesce(sqlc.narg(image)::text, image) END
WHERE id = @id::uuid
RETURNING id, email, name, email_verified, image, role, status, credit_balance, referral_code,
    quota, quota_started_at, next_quota_reset, end_date, stripe_customer_id, created_at, updated_at, user_type;

-- name: UpdateUserEmail :one
-- Change the sign-in email and/or mark it verified (chatdb_system: Auth.js updateUser, email
-- verification). A NULL argument keeps the current value. ConflictError when another user
-- has the email.
UPDATE users
SET email = coalesce(sqlc.narg(email)::text, email),
    email_verified = coalesce(sqlc.narg(verified_at)::timestamptz, email_verified)
WHERE id = @id::uuid
RETURNING id, email, name, email_verified, image, role, status, credit_balance, referral_code,
    quota, quota_started_at, next_quota_reset, end_date, stripe_customer_id, created_at, updated_at, user_type;

-- name: DeleteUser :execrows
-- Delete a user and, by cascade, everything they own (chatdb_system). Payments and
-- subscriptions survive with user_id NULL. 1 when deleted, 0 when there was no such user.
-- For data-subject requests prefer chatdb.flows.privacy.erase_user.
DELETE FROM users
WHERE id = @id::uuid;

-- name: ListUsers :many
-- All users, oldest first, one keyset page of page_size rows plus one (chatdb_system,
-- back-office). Pass the (created_at, id) of the last row seen, or NULLs for the first page;
-- chatdb.Page.from_rows(rows, page_size, ...) drops the extra row.
SELECT *
FROM user_profiles
WHERE (created_at, id) > (
    coalesce(sqlc.narg(after_at)::timestamptz, '-infinity'::timestamptz),
    coalesce(sqlc.narg(after_id)::uuid, '00000000-0000-0000-0000-000000000000'::uuid)
)
ORDER BY created_at, id
LIMIT sqlc.arg(page_size)::integer + 1;

-- name: ExportUserData :one
-- Everything a user owns, as one JSON document (chatdb_system; data-subject access
-- requests, chatdb.flows.privacy.export_user_data). Secrets are left out: the password hash,
-- OAuth token and API key ciphertexts, session token digests. NULL when there is no such user.
SELECT jsonb_build_object(
    'profile', to_jsonb(u) - 'password_hash',
    'accounts', (
        SELECT coalesce(jsonb_agg(
            to_jsonb(a) - 'access_token_ciphertext' - 'refresh_token_ciphertext'
                - 'id_token_ciphertext' - 'token_key_version'
            ORDER BY a.provider, a.provider_account_id), '[]'::jsonb)
        FROM accounts AS a WHERE a.user_id = u.id),
    'sessions', (
        SELECT coalesce(jsonb_agg(
            jsonb_build_object('id', s.id, 'expires', s.expires, 'created_at', s.created_at)
            ORDER BY s.created_at), '[]'::jsonb)
        FROM sessions AS s WHERE s.user_id = u.id),
    'devices', (
        SELECT coalesce(jsonb_agg(to_jsonb(f) ORDER BY f.first_seen_at), '[]'::jsonb)
        FROM fingerprints AS f WHERE f.user_id = u.id),
    'chats', (
        SELECT coalesce(jsonb_agg(to_jsonb(c) || jsonb_build_object(
            'messages', (
                SELECT coalesce(jsonb_agg(to_jsonb(m) ORDER BY m.created_at, m.id), '[]'::jsonb)
                FROM messages AS m WHERE m.chat_id = c.id),
            'tags', (
                SELECT coalesce(jsonb_agg(t.tag ORDER BY t.tag), '[]'::jsonb)
                FROM chat_tags AS t WHERE t.chat_id = c.id),
            'state', (SELECT to_jsonb(cs) FROM chat_states AS cs WHERE cs.chat_id = c.id),
            'tool_executions', (
                SELECT coalesce(jsonb_agg(to_jsonb(te) ORDER BY te.created_at, te.id), '[]'::jsonb)
                FROM tool_executions AS te WHERE te.chat_id = c.id),
            'context_optimizations', (
                SELECT coalesce(jsonb_agg(to_jsonb(co) ORDER BY co.created_at, co.id), '[]'::jsonb)
                FROM context_optimizations AS co WHERE co.chat_id = c.id)
        ) ORDER BY c.created_at, c.id), '[]'::jsonb)
        FROM chats AS c WHERE c.user_id = u.id),
    'votes', (
        SELECT coalesce(jsonb_agg(to_jsonb(v) ORDER BY v.created_at, v.message_id), '[]'::jsonb)
        FROM votes AS v WHERE v.user_id = u.id),
    'message_reactions', (
        SELECT coalesce(jsonb_agg(to_jsonb(r) ORDER BY r.created_at, r.message_id), '[]'::jsonb)
        FROM message_reactions AS r WHERE r.user_id = u.id),
    'documents', (
        SELECT coalesce(jsonb_agg(to_jsonb(d) ORDER BY d.created_at, d.id), '[]'::jsonb)
        FROM documents AS d WHERE d.user_id = u.id),
    'suggestions', (
        SELECT coalesce(jsonb_agg(to_jsonb(sg) ORDER BY sg.created_at, sg.id), '[]'::jsonb)
        FROM suggestions AS sg WHERE sg.user_id = u.id),
    'uploads', (
        SELECT coalesce(jsonb_agg(to_jsonb(fu) ORDER BY fu.created_at, fu.id), '[]'::jsonb)
        FROM file_uploads AS fu WHERE fu.user_id = u.id),
    'credit_ledger', (
        SELECT coalesce(jsonb_agg(to_jsonb(l) ORDER BY l.created_at, l.id), '[]'::jsonb)
        FROM credit_ledger AS l WHERE l.user_id = u.id),
    'daily_usage', (
        SELECT coalesce(jsonb_agg(to_jsonb(du) ORDER BY du.day), '[]'::jsonb)
        FROM daily_usage AS du WHERE du.user_id = u.id),
    'usage_logs', (
        SELECT coalesce(jsonb_agg(to_jsonb(ul) ORDER BY ul.created_at, ul.id), '[]'::jsonb)
        FROM usage_logs AS ul WHERE ul.user_id = u.id),
    'referrals', (
        SELECT coalesce(jsonb_agg(to_jsonb(rf) ORDER BY rf.created_at), '[]'::jsonb)
        FROM referrals AS rf WHERE rf.referrer_id = u.id OR rf.referred_id = u.id),
    'provider_configs', (
        SELECT coalesce(jsonb_agg(
            to_jsonb(pc) - 'api_key_ciphertext' - 'api_key_version'
                || jsonb_build_object('has_api_key', pc.api_key_ciphertext IS NOT NULL)
            ORDER BY pc.provider), '[]'::jsonb)
        FROM provider_configs AS pc WHERE pc.user_id = u.id),
    'auto_approval_settings', (
        SELECT to_jsonb(aas) FROM auto_approval_settings AS aas WHERE aas.user_id = u.id),
    'external_tokens', (
        SELECT coalesce(jsonb_agg(
            to_jsonb(et) - 'token_ciphertext' - 'token_key_version'
            ORDER BY et.service, et.environment), '[]'::jsonb)
        FROM external_tokens AS et WHERE et.user_id = u.id),
    'subscriptions', (
        SELECT coalesce(jsonb_agg(to_jsonb(sb) ORDER BY sb.created_at, sb.id), '[]'::jsonb)
        FROM subscriptions AS sb WHERE sb.user_id = u.id),
    'payments', (
        SELECT coalesce(jsonb_agg(to_jsonb(p) ORDER BY p.created_at, p.id), '[]'::jsonb)
        FROM payments AS p WHERE p.user_id = u.id),
    'companions', (
        SELECT coalesce(jsonb_agg(to_jsonb(cp) ORDER BY cp.created_at, cp.id), '[]'::jsonb)
        FROM companions AS cp WHERE cp.user_id = u.id),
    'companion_messages', (
        SELECT coalesce(jsonb_agg(to_jsonb(cm) ORDER BY cm.created_at, cm.id), '[]'::jsonb)
        FROM companion_messages AS cm WHERE cm.user_id = u.id),
    'companion_token_burns', (
        SELECT coalesce(jsonb_agg(to_jsonb(tb) ORDER BY tb.created_at, tb.id), '[]'::jsonb)
        FROM companion_token_burns AS tb WHERE tb.user_id = u.id),
    'group_chats_created', (
        SELECT coalesce(jsonb_agg(to_jsonb(gc) ORDER BY gc.created_at, gc.id), '[]'::jsonb)
        FROM group_chats AS gc WHERE gc.creator_id = u.id),
    'group_memberships', (
        SELECT coalesce(jsonb_agg(to_jsonb(gm) ORDER BY gm.joined_at, gm.group_chat_id), '[]'::jsonb)
        FROM group_chat_members AS gm WHERE gm.user_id = u.id),
    'group_messages', (
        SELECT coalesce(jsonb_agg(to_jsonb(gmsg) ORDER BY gmsg.created_at, gmsg.id), '[]'::jsonb)
        FROM group_messages AS gmsg WHERE gmsg.sender_id = u.id)
) AS export
FROM users AS u
WHERE u.id = @id::uuid;

-- name: CreateGuestUser :one
-- Create a guest (chatdb_system): a user who chats before signing up. No email (guests never
-- get a placeholder address); user_type guest. Upgrade with UpgradeGuestUser.
INSERT INTO users (email, user_type, name)
VALUES (NULL, 'guest', sqlc.narg(name)::text)
RETURNING id, email, name, email_verified, image, role, status, credit_balance, referral_code,
    quota, quota_started_at, next_quota_reset, end_date, stripe_customer_id, created_at, updated_at, user_type;

-- name: UpgradeGuestUser :one
-- Turn a guest into a regular user with an email (chatdb_system: sign-up of a guest),
-- keeping the id and so everything the guest made. No row when the user is not a guest
-- (already upgraded, or a regular user); ConflictError when another user has the email.
UPDATE users
SET user_type = 'regular',
    email = @email::text,
    name = coalesce(sqlc.narg(name)::text, name),
    email_verified = sqlc.narg(email_verified)::timestamptz,
    password_hash = sqlc.narg(password_hash)::text
WHERE id = @id::uuid
  AND user_type = 'guest'
RETURNING id, email, name, email_verified, image, role, status, credit_balance, referral_code,
    quota, quota_started_at, next_quota_reset, end_date, stripe_customer_id, created_at, updated_at, user_type;

-- name: DeleteStaleGuests :execrows
-- Housekeeping (chatdb_system): delete up to batch_size guests created before
-- inactive_since who have touched no chat since then, with everything they own. Returns
-- how many were deleted; call again until 0 (users_guest_created_at_idx).
DELETE FROM users
WHERE id IN (
    SELECT g.id
    FROM users AS g
    WHERE g.user_type = 'guest'
      AND g.created_at < @inactive_since::timestamptz
      AND NOT EXISTS (
          SELECT 1 FROM chats AS c
          WHERE c.user_id = g.id AND c.updated_at >= @inactive_since::timestamptz
      )
    ORDER BY g.created_at
    LIMIT sqlc.arg(batch_size)::integer
    FOR UPDATE SKIP LOCKED
);

-- name: GetUserWithChatCount :one
-- A user's profile with how many chats they have (as the user, or chatdb_system).
SELECT sqlc.embed(u), (
    SELECT count(*) FROM chats AS c WHERE c.user_id = u.id
)::bigint AS chat_count
FROM user_profiles AS u
WHERE u.id = @id::uuid;
