-- name: GetUserByReferralCode :one
-- @optional
-- @role system
-- The user who owns a referral code (chatdb_system: the code is someone else's), with how
-- many successful referrals they already have.
SELECT id, referral_code, status, successful_referral_count
FROM users
WHERE referral_code = @referral_code;

-- name: CreateReferral :one
-- @optional
-- @role system
-- Records that referred_id redeemed referrer_id's code. No row when referred_id was already
-- referred (referrals_referred_id_key; a concurrent redemption waits and then gets no row).
-- A completed referral counts toward the referrer's maximum: exceeding it raises
-- referrals_referrer_maximum_check (race-safe: the counting trigger locks the referrer's row);
-- a self-referral raises referrals_no_self_referral_check.
INSERT INTO referrals (referrer_id, referred_id, status, credits_awarded, completed_at)
VALUES (
    @referrer_id,
    @referred_id,
    @status::referral_status,
    @credits_awarded::numeric,
    CASE WHEN @status::referral_status = 'completed' THEN now() END
)
ON CONFLICT (referred_id) DO NOTHING
RETURNING *;

-- name: GetReferralByReferred :one
-- @optional
-- Who referred this user, if anyone.
SELECT *
FROM referrals
WHERE referred_id = @referred_id;

-- name: ListReferralsByReferrer :many
-- The users a referrer brought in, newest first, one keyset page: pass the last row's
-- (created_at, referred_id) as the cursor (none for the first page) and the page size as
-- page_size (one more row is fetched: chatdb.Page drops it).
SELECT *
FROM referrals
WHERE referrer_id = @referrer_id
  AND (created_at, referred_id) < (
      coalesce(sqlc.narg(before_created_at)::timestamptz, 'infinity'::timestamptz),
      coalesce(sqlc.narg(before_referred_id)::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
  )
ORDER BY created_at DESC, referred_id DESC
LIMIT sqlc.arg(page_size)::integer + 1;

-- name: CountSuccessfulReferrals :one
-- How many of the referrer's referrals were completed (rewarded).
SELECT count(*)::bigint AS successful
FROM referrals
WHERE referrer_id = @referrer_id AND status = 'completed';
