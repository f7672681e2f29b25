-- References that must stay within one owner. Foreign-key checks ignore row-level security,
-- so chatdb_app could point a row it owns at another user's row:
--   * tool_executions.message_id / context_optimizations.message_id at a message of another
--     user's chat (and that user deleting the message then cascaded into this user's row);
--   * companion_token_burns.companion_id at another user's private companion (deleting it
--     cascaded into the burn records), companion_message_id at someone else's message;
--   * group_messages.companion_id at another user's private companion.
--
-- Why triggers and not composite foreign keys: a composite FK (chat_id, message_id) ->
-- messages (chat_id, id) needs a new unique index on messages, the largest and most written
-- table, that only repeats what the primary key already guarantees (one more b-tree of two
-- uuids per row, maintained on every insert, built CONCURRENTLY in its own migration), plus
-- re-pointing two foreign keys. The companion rules ("own or public") are not expressible as
-- a foreign key at all. Each trigger below is one primary-key probe per insert (or update
-- of the referencing columns) of a small table, holds for every writer (chatdb_app and
-- chatdb_system alike), and raises check_violation with a constraint name the runtime maps
-- to CheckViolation. They run SECURITY DEFINER (owner chatdb_migrator, BYPASSRLS) because
-- the row a bad reference points at is, by definition, hidden from the writer by RLS; they
-- reveal no column of it. An unknown id passes the trigger and fails the foreign key as
-- before (NotFoundError).

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE FUNCTION public.check_message_in_same_chat()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
    IF NEW.message_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM public.messages AS m
        WHERE m.id = NEW.message_id AND m.chat_id IS DISTINCT FROM NEW.chat_id
    ) THEN
        RAISE EXCEPTION '%.message_id must be a message of the same chat', TG_TABLE_NAME
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = TG_TABLE_NAME || '_message_chat_check',
                  TABLE = TG_TABLE_NAME,
                  SCHEMA = TG_TABLE_SCHEMA,
                  COLUMN = 'message_id';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION public.check_message_in_same_chat() IS
    'BEFORE INSERT OR UPDATE trigger of tool_executions and context_optimizations: message_id is a message of the row''s own chat (check_violation <table>_message_chat_check), so no row points into, or is cascaded from, another chat.';
REVOKE ALL ON FUNCTION public.check_message_in_same_chat() FROM PUBLIC;

CREATE TRIGGER tool_executions_message_chat BEFORE INSERT OR UPDATE OF chat_id, message_id
    ON public.tool_executions
    FOR EACH ROW EXECUTE FUNCTION public.check_message_in_same_chat();
CREATE TRIGGER context_optimizations_message_chat BEFORE INSERT OR UPDATE OF chat_id, message_id
    ON public.context_optimizations
    FOR EACH ROW EXECUTE FUNCTION public.check_message_in_same_chat();

CREATE FUNCTION public.companion_token_burns_check_references()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM public.companions AS c
        WHERE c.id = NEW.companion_id AND c.user_id IS DISTINCT FROM NEW.user_id AND NOT c.is_public
    ) THEN
        RAISE EXCEPTION 'a token burn must be for a companion of its user or a public one'
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'companion_token_burns_companion_check',
                  TABLE = 'companion_token_burns',
                  SCHEMA = 'public',
                  COLUMN = 'companion_id';
    END IF;
    IF NEW.companion_message_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM public.companion_messages AS m
        WHERE m.id = NEW.companion_message_id
          AND (m.companion_id IS DISTINCT FROM NEW.companion_id OR m.user_id IS DISTINCT FROM NEW.user_id)
    ) THEN
        RAISE EXCEPTION 'companion_message_id must be a message of the same user and companion'
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'companion_token_burns_companion_message_check',
                  TABLE = 'companion_token_burns',
                  SCHEMA = 'public',
                  COLUMN = 'companion_message_id';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION public.companion_token_burns_check_references() IS
    'BEFORE INSERT OR UPDATE trigger of companion_token_burns: the companion is the user''s own or public (companion_token_burns_companion_check) and companion_message_id is a message of the same user and companion (companion_token_burns_companion_message_check).';
REVOKE ALL ON FUNCTION public.companion_token_burns_check_references() FROM PUBLIC;

CREATE TRIGGER companion_token_burns_check_references
    BEFORE INSERT OR UPDATE OF companion_id, user_id, companion_message_id ON public.companion_token_burns
    FOR EACH ROW EXECUTE FUNCTION public.companion_token_burns_check_references();

CREATE FUNCTION public.group_messages_check_companion()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
    IF NEW.companion_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM public.companions AS c
        WHERE c.id = NEW.companion_id
          AND NOT c.is_public
          AND c.user_id IS DISTINCT FROM NEW.sender_id
          AND NOT EXISTS (
              SELECT 1 FROM public.group_chats AS g
              WHERE g.id = NEW.group_chat_id AND g.companion_id = c.id
          )
    ) THEN
        RAISE EXCEPTION 'group_messages.companion_id must be the group''s companion, a public one or the sender''s own'
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'group_messages_companion_check',
                  TABLE = 'group_messages',
                  SCHEMA = 'public',
                  COLUMN = 'companion_id';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION public.group_messages_check_companion() IS
    'BEFORE INSERT OR UPDATE trigger of group_messages: companion_id is the group''s companion, a public companion or one of the sender (group_messages_companion_check).';
REVOKE ALL ON FUNCTION public.group_messages_check_companion() FROM PUBLIC;

CREATE TRIGGER group_messages_check_companion
    BEFORE INSERT OR UPDATE OF group_chat_id, sender_id, companion_id ON public.group_messages
    FOR EACH ROW EXECUTE FUNCTION public.group_messages_check_companion();

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';
-- squawk-ignore ban-drop-trigger
DROP TRIGGER group_messages_check_companion ON public.group_messages;
-- squawk-ignore ban-drop-function
DROP FUNCTION public.group_messages_check_companion();
-- squawk-ignore ban-drop-trigger
DROP TRIGGER companion_token_burns_check_references ON public.companion_token_burns;
-- squawk-ignore ban-drop-function
DROP FUNCTION public.companion_token_burns_check_references();
-- squawk-ignore ban-drop-trigger
DROP TRIGGER context_optimizations_message_chat ON public.context_optimizations;
-- squawk-ignore ban-drop-trigger
DROP TRIGGER tool_executions_message_chat ON public.tool_executions;
-- squawk-ignore ban-drop-function
DROP FUNCTION public.check_message_in_same_chat();
