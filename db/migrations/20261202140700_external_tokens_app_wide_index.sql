-- domain: billing
-- One application-wide token (user_id NULL) per service and environment: the unique key
-- (user_id, service, environment) treats NULLs as distinct, so it does not cover them.
-- Built CONCURRENTLY so token writes are never blocked.
--
-- squawk: as in 20261201185434_verification_tokens_lower_identifier_index.sql.
-- squawk-ignore-file ban-concurrent-index-creation-in-transaction, prefer-robust-stmts, require-lock-timeout, require-statement-timeout

-- migrate:up transaction:false
CREATE UNIQUE INDEX CONCURRENTLY external_tokens_app_service_environment_key
    ON public.external_tokens (service, environment) WHERE user_id IS NULL;

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY public.external_tokens_app_service_environment_key;
