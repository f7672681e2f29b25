-- domain: identity_auth
-- DeleteStaleGuests finds old guests without reading the whole users table: a partial index
-- of guests only, by creation time. Built CONCURRENTLY so sign-ups are never blocked.
--
-- squawk: as in 20261201185434_verification_tokens_lower_identifier_index.sql.
-- squawk-ignore-file ban-concurrent-index-creation-in-transaction, prefer-robust-stmts, require-lock-timeout, require-statement-timeout

-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY users_guest_created_at_idx
    ON public.users (created_at) WHERE user_type = 'guest';

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY public.users_guest_created_at_idx;
