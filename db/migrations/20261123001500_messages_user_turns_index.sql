-- The user's own turns of a chat, for message rate limits (CountUserMessagesSince counts
-- role = 'user' messages of a user's chats since a time). messages is the largest table, so
-- the index is built CONCURRENTLY (no write lock), which cannot run inside a transaction:
-- this migration holds that one statement and runs without dbmate's transaction.
--
-- squawk: .squawk.toml assumes dbmate's per-migration transaction, which this file opts out
-- of; no IF NOT EXISTS, because a failed CONCURRENTLY build leaves an INVALID index that
-- IF NOT EXISTS would silently keep (recover with DROP INDEX CONCURRENTLY
-- public.messages_chat_id_created_at_user_role_idx, then migrate again); no timeouts, because
-- CONCURRENTLY waits for older transactions instead of blocking writers, and a statement
-- timeout would abort a long build half-way, leaving that INVALID index. A session-level SET
-- would also leak into the migrations dbmate runs after this one on the same connection.
-- squawk-ignore-file ban-concurrent-index-creation-in-transaction, prefer-robust-stmts, require-lock-timeout, require-statement-timeout

-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY messages_chat_id_created_at_user_role_idx
    ON public.messages (chat_id, created_at)
    WHERE role = 'user';

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY public.messages_chat_id_created_at_user_role_idx;
