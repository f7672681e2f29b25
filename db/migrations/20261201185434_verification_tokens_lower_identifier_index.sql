-- Verification tokens by address whatever its case: DeleteVerificationTokensByIdentifier
-- (erasing a user, invalidating earlier sign-in links) matches lower(identifier), because
-- users.email is unique case-insensitively and a link may have been sent to "Ann@X.com"
-- for the user stored as "ann@x.com". Built CONCURRENTLY so sign-ins are never blocked.
--
-- squawk: as in 20261123001500_messages_user_turns_index.sql: one statement outside dbmate's
-- transaction; no IF NOT EXISTS (a failed CONCURRENTLY build leaves an INVALID index to drop
-- with DROP INDEX CONCURRENTLY public.verification_tokens_lower_identifier_idx); no
-- timeouts (they would abort a build half-way).
-- squawk-ignore-file ban-concurrent-index-creation-in-transaction, prefer-robust-stmts, require-lock-timeout, require-statement-timeout

-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY verification_tokens_lower_identifier_idx
    ON public.verification_tokens (lower(identifier));

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY public.verification_tokens_lower_identifier_idx;
