-- domain: chats_messages
-- The chat app's sidebar lists a user's chats by creation time (renaming or sharing a chat
-- must not move it), paging both ways with startingAfter / endingBefore cursors:
-- ListChatsByUserCreatedBefore scans this index forwards from the newest, and
-- ListChatsByUserCreatedAfter backwards. Built CONCURRENTLY so chat writes are never blocked.
--
-- squawk: as in 20261201185434_verification_tokens_lower_identifier_index.sql.
-- squawk-ignore-file ban-concurrent-index-creation-in-transaction, prefer-robust-stmts, require-lock-timeout, require-statement-timeout

-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY chats_user_id_created_at_id_idx
    ON public.chats (user_id, created_at DESC, id DESC);

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY public.chats_user_id_created_at_id_idx;
