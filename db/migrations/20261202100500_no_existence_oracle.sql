-- No existence oracle. The SECURITY DEFINER triggers that keep references within one owner
-- run before row-level security and see every row, so the error class told a chatdb_app user
-- whether another user's id existed: a tool execution naming another user's message got
-- tool_executions_message_chat_check, a made-up id got the foreign-key error (NotFoundError);
-- a document version under another user's document id got documents_single_owner_check while
-- the same insert with a made-up id and someone else's chat got the policy error. The same
-- held for token burns (companions, companion messages) and group bot messages (companions).
--
-- Now, for a caller that row-level security applies to (rls_applies_to_caller()), each such
-- trigger first checks what the table's own policy would (the row is the caller's: its chat,
-- its user, its group and sender) and raises the policy's error (42501) before reading
-- anything else; then a reference must be to a row the rule allows, so a missing row and
-- another user's row give the same check_violation. A document id that another user holds
-- gives the policy's error (42501), like any other row the caller may not write.
-- chatdb_system keeps the foreign-key error for unknown ids and the named checks.
--
-- Mutual referrals: B may not be referred by A when A was referred by B
-- (referrals_no_mutual_referral_check). Race-safe: the trigger takes a transaction-level
-- advisory lock on the unordered pair before it looks for the reverse referral.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE FUNCTION public.rls_applies_to_caller()
RETURNS boolean
LANGUAGE sql
STABLE
SET search_path = pg_catalog, public
AS $$
    -- The role a statement runs as outside any SECURITY DEFINER function: SET ROLE (how the
    -- runtime picks a role) else the login; NULL (unknown) counts as under RLS.
    SELECT coalesce((
        SELECT NOT (r.rolsuper OR r.rolbypassrls)
        FROM pg_catalog.pg_roles AS r
        WHERE r.rolname = CASE WHEN current_setting('role') = 'none' THEN session_user
                               ELSE current_setting('role') END
    ), true);
$$;
COMMENT ON FUNCTION public.rls_applies_to_caller() IS
    'Whether row-level security applies to the role the current statement runs as (SET ROLE, else the login), also when called inside a SECURITY DEFINER function. Used by the definer triggers to refuse, before they read anything, what the table''s policy would refuse.';
REVOKE ALL ON FUNCTION public.rls_applies_to_caller() FROM PUBLIC;

CREATE OR REPLACE FUNCTION public.check_message_in_same_chat()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
    under_rls boolean := public.rls_applies_to_caller();
BEGIN
    IF under_rls AND NOT EXISTS (
        SELECT 1 FROM public.chats AS c
        WHERE c.id = NEW.chat_id
          AND c.user_id = nullif(current_setting('app.user_id', true), '')::uuid
    ) THEN
        RAISE EXCEPTION 'new row violates row-level security policy for table "%"', TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege',
                  TABLE = TG_TABLE_NAME,
                  SCHEMA = TG_TABLE_SCHEMA;
    END IF;
    IF NEW.message_id IS NOT NULL AND (
        (under_rls AND NOT EXISTS (
            SELECT 1 FROM public.messages AS m
            WHERE m.id = NEW.message_id AND m.chat_id = NEW.chat_id
        ))
        OR (NOT under_rls AND EXISTS (
            SELECT 1 FROM public.messages AS m
            WHERE m.id = NEW.message_id AND m.chat_id IS DISTINCT FROM NEW.chat_id
        ))
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
    'BEFORE INSERT OR UPDATE trigger of tool_executions and context_optimizations: message_id is a message of the row''s own chat (check_violation <table>_message_chat_check), so no row points into, or is cascaded from, another chat. Under RLS: the chat must be the caller''s (42501, as the policy) and an unknown message id gets the same check_violation as another chat''s, so the error reveals no other user''s ids.';

CREATE OR REPLACE FUNCTION public.companion_token_burns_check_references()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
    under_rls boolean := public.rls_applies_to_caller();
BEGIN
    IF under_rls AND NEW.user_id IS DISTINCT FROM nullif(current_setting('app.user_id', true), '')::uuid THEN
        RAISE EXCEPTION 'new row violates row-level security policy for table "companion_token_burns"'
            USING ERRCODE = 'insufficient_privilege',
                  TABLE = 'companion_token_burns',
                  SCHEMA = 'public';
    END IF;
    IF (
        (under_rls AND NOT EXISTS (
            SELECT 1 FROM public.companions AS c
            WHERE c.id = NEW.companion_id AND (c.user_id = NEW.user_id OR c.is_public)
        ))
        OR (NOT under_rls AND EXISTS (
            SELECT 1 FROM public.companions AS c
            WHERE c.id = NEW.companion_id AND c.user_id IS DISTINCT FROM NEW.user_id AND NOT c.is_public
        ))
    ) THEN
        RAISE EXCEPTION 'a token burn must be for a companion of its user or a public one'
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'companion_token_burns_companion_check',
                  TABLE = 'companion_token_burns',
                  SCHEMA = 'public',
                  COLUMN = 'companion_id';
    END IF;
    IF NEW.companion_message_id IS NOT NULL AND (
        (under_rls AND NOT EXISTS (
            SELECT 1 FROM public.companion_messages AS m
            WHERE m.id = NEW.companion_message_id
              AND m.companion_id = NEW.companion_id AND m.user_id = NEW.user_id
        ))
        OR (NOT under_rls AND EXISTS (
            SELECT 1 FROM public.companion_messages AS m
            WHERE m.id = NEW.companion_message_id
              AND (m.companion_id IS DISTINCT FROM NEW.companion_id OR m.user_id IS DISTINCT FROM NEW.user_id)
        ))
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
    'BEFORE INSERT OR UPDATE trigger of companion_token_burns: the companion is the user''s own or public (companion_token_burns_companion_check) and companion_message_id is a message of the same user and companion (companion_token_burns_companion_message_check). Under RLS: the row must be the caller''s (42501, as the policy) and unknown ids get the same check_violation as another user''s.';

CREATE OR REPLACE FUNCTION public.group_messages_check_companion()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
    under_rls boolean := public.rls_applies_to_caller();
BEGIN
    IF under_rls AND NOT (
        public.is_group_member(NEW.group_chat_id)
        AND (
            NEW.sender_id = nullif(current_setting('app.user_id', true), '')::uuid
            OR (TG_OP = 'INSERT' AND NEW.is_bot AND NEW.sender_id IS NULL)
        )
    ) THEN
        RAISE EXCEPTION 'new row violates row-level security policy for table "group_messages"'
            USING ERRCODE = 'insufficient_privilege',
                  TABLE = 'group_messages',
                  SCHEMA = 'public';
    END IF;
    IF NEW.companion_id IS NOT NULL AND (
        (under_rls AND NOT EXISTS (
            SELECT 1 FROM public.companions AS c
            WHERE c.id = NEW.companion_id
              AND (
                  c.is_public
                  OR c.user_id = NEW.sender_id
                  OR EXISTS (
                      SELECT 1 FROM public.group_chats AS g
                      WHERE g.id = NEW.group_chat_id AND g.companion_id = c.id
                  )
              )
        ))
        OR (NOT under_rls AND EXISTS (
            SELECT 1 FROM public.companions AS c
            WHERE c.id = NEW.companion_id
              AND NOT c.is_public
              AND c.user_id IS DISTINCT FROM NEW.sender_id
              AND NOT EXISTS (
                  SELECT 1 FROM public.group_chats AS g
                  WHERE g.id = NEW.group_chat_id AND g.companion_id = c.id
              )
        ))
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
    'BEFORE INSERT OR UPDATE trigger of group_messages: companion_id is the group''s companion, a public companion or one of the sender (group_messages_companion_check). Under RLS: the caller must be a member posting as themselves or as the group bot (42501, as the policy) and an unknown companion id gets the same check_violation as another user''s private one.';

CREATE OR REPLACE FUNCTION public.documents_check_single_owner()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
    under_rls boolean := public.rls_applies_to_caller();
    me uuid := nullif(current_setting('app.user_id', true), '')::uuid;
BEGIN
    -- What documents_owner_all would refuse, refused before anything is read.
    IF under_rls AND (
        NEW.user_id IS DISTINCT FROM me
        OR (NEW.chat_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM public.chats AS c WHERE c.id = NEW.chat_id AND c.user_id = me
        ))
    ) THEN
        RAISE EXCEPTION 'new row violates row-level security policy for table "documents"'
            USING ERRCODE = 'insufficient_privilege',
                  TABLE = 'documents',
                  SCHEMA = 'public';
    END IF;
    -- Serialise the writers of one document id until their transactions end, so the check
    -- below (a new snapshot per statement under READ COMMITTED) sees a version another
    -- transaction committed while this one waited. Two-key form: the first key names this
    -- lock's purpose so it cannot collide with other advisory locks of the database.
    PERFORM pg_advisory_xact_lock(hashtext('documents_single_owner'), hashtext(NEW.id::text));
    IF EXISTS (
        SELECT 1 FROM public.documents AS d
        WHERE d.id = NEW.id AND d.user_id <> NEW.user_id
    ) THEN
        IF under_rls THEN
            -- Another user's document id: the same error as any row the caller may not
            -- write, with nothing of that document.
            RAISE EXCEPTION 'new row violates row-level security policy for table "documents"'
                USING ERRCODE = 'insufficient_privilege',
                      TABLE = 'documents',
                      SCHEMA = 'public';
        END IF;
        RAISE EXCEPTION 'document % belongs to another user', NEW.id
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'documents_single_owner_check',
                  TABLE = 'documents';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION public.documents_check_single_owner() IS
    'BEFORE INSERT OR UPDATE trigger of documents: every version of a document id has the same owner (check_violation documents_single_owner_check; under RLS the policy''s 42501, the same error as for any row the caller may not write). Race-safe under READ COMMITTED: writers of one id serialise on a transaction-level advisory lock.';

CREATE FUNCTION public.referrals_check_not_mutual()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
    -- One lock per unordered pair, so A->B and B->A inserted at once cannot both pass.
    PERFORM pg_advisory_xact_lock(
        hashtext('referrals_mutual'),
        hashtext(least(NEW.referrer_id, NEW.referred_id)::text || greatest(NEW.referrer_id, NEW.referred_id)::text)
    );
    IF EXISTS (
        SELECT 1 FROM public.referrals AS r
        WHERE r.referrer_id = NEW.referred_id AND r.referred_id = NEW.referrer_id
    ) THEN
        RAISE EXCEPTION 'a user cannot refer the user who referred them'
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'referrals_no_mutual_referral_check',
                  TABLE = 'referrals',
                  SCHEMA = 'public';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION public.referrals_check_not_mutual() IS
    'BEFORE INSERT OR UPDATE trigger of referrals: refuses B referring A when A referred B (check_violation referrals_no_mutual_referral_check); serialised per pair of users by an advisory lock.';
REVOKE ALL ON FUNCTION public.referrals_check_not_mutual() FROM PUBLIC;

CREATE TRIGGER referrals_check_not_mutual BEFORE INSERT OR UPDATE OF referrer_id, referred_id ON public.referrals
    FOR EACH ROW EXECUTE FUNCTION public.referrals_check_not_mutual();

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- squawk-ignore ban-drop-trigger
DROP TRIGGER referrals_check_not_mutual ON public.referrals;
-- squawk-ignore ban-drop-function
DROP FUNCTION public.referrals_check_not_mutual();

CREATE OR REPLACE FUNCTION public.check_message_in_same_chat()
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


CREATE OR REPLACE FUNCTION public.companion_token_burns_check_references()
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


CREATE OR REPLACE FUNCTION public.group_messages_check_companion()
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


CREATE OR REPLACE FUNCTION public.documents_check_single_owner()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
    -- Serialise the writers of one document id until their transactions end, so the check
    -- below (a new snapshot per statement under READ COMMITTED) sees a version another
    -- transaction committed while this one waited. Two-key form: the first key names this
    -- lock's purpose so it cannot collide with other advisory locks of the database.
    PERFORM pg_advisory_xact_lock(hashtext('documents_single_owner'), hashtext(NEW.id::text));
    IF EXISTS (
        SELECT 1 FROM public.documents AS d
        WHERE d.id = NEW.id AND d.user_id <> NEW.user_id
    ) THEN
        RAISE EXCEPTION 'document % belongs to another user', NEW.id
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'documents_single_owner_check',
                  TABLE = 'documents';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION public.documents_check_single_owner() IS
    'BEFORE INSERT OR UPDATE trigger of documents: every version of a document id has the same owner (raises check_violation documents_single_owner_check). Race-safe under READ COMMITTED: writers of one id serialise on a transaction-level advisory lock.';


-- squawk-ignore ban-drop-function
DROP FUNCTION public.rls_applies_to_caller();
