-- name: GetCreditBalance :one
-- @optional
-- The user's spendable credits (the running sum of their ledger).
SELECT credit_balance
FROM users
WHERE id = @user_id;

-- name: InsertLedgerEntry :one
-- @optional
-- Moves credits: the trigger applies amount to the balance atomically and fills in
-- balance_after. Idempotent by operation_id: an operation already applied (same user, amount
-- and reason) inserts nothing and returns no row (read it with GetLedgerEntryByOperationID);
-- the id reused for a different entry raises credit_ledger_operation_id_key; overdrawing
-- raises users_credit_balance_nonnegative_check and writes nothing. Plain INSERT on purpose:
-- the deferrable unique constraint cannot be an ON CONFLICT arbiter, and the trigger is what
-- makes the retry a no-op.
INSERT INTO credit_ledger (user_id, operation_id, amount, reason, description, metadata)
VALUES (
    @user_id,
    @operation_id,
    @amount::numeric,
    @reason::credit_reason,
    sqlc.narg(description)::text,
    coalesce(sqlc.narg(metadata)::jsonb, '{}'::jsonb)
)
RETURNING *;

-- name: GetLedgerEntryByOperationID :one
-- @optional
-- The ledger entry of an operation, e.g. the first result of a retried grant or charge.
SELECT *
FROM credit_ledger
WHERE operation_id = @operation_id;

-- name: ListLedgerEntries :many
-- The user's credit statement, newest first, one keyset page: pass the last row's
-- (created_at, id) as the cursor (none for the first page) and the page size (one more row is fetched).
SELECT *
FROM credit_ledger
WHERE user_id = @user_id
  AND (created_at, id) < (
      coalesce(sqlc.narg(before_created_at)::timestamptz, 'infinity'::timestamptz),
      coalesce(sqlc.narg(before_id)::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
  )
ORDER BY created_at DESC, id DESC
LIMIT sqlc.arg(page_size)::integer + 1;

-- name: SumLedgerAmounts :one
-- The sum of the user's ledger amounts: equals GetCreditBalance (an audit check).
SELECT coalesce(sum(amount), 0)::numeric(20, 6) AS total
FROM credit_ledger
WHERE user_id = @user_id;
