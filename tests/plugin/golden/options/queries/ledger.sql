-- name: AddEntry :one
-- Append one ledger entry.
INSERT INTO ledger (account_id, kind, amount, note) VALUES (@account_id, @kind, @amount, sqlc.narg(note))
RETURNING *;

-- name: AccountsWithEntries :many
SELECT sqlc.embed(accounts), sqlc.embed(ledger)
FROM accounts LEFT JOIN ledger ON ledger.account_id = accounts.id
WHERE accounts."class" = @class;

-- name: SumByKinds :one
SELECT coalesce(sum(amount), 0)::numeric AS total FROM ledger
WHERE account_id = @account_id AND kind = ANY(@kinds::ledger_kind[]);

-- name: DeleteEntries :execrows
DELETE FROM ledger WHERE id IN (sqlc.slice(ids));
