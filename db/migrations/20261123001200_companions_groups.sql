-- Companions (configurable AI personas), their conversations and token burns; group chats
-- with members and messages.
--
-- Group RLS without recursion: "is the signed-in user a member of this group?" is answered by
-- is_group_member(), a SECURITY DEFINER function owned by chatdb_migrator (BYPASSRLS), so the
-- policies of group_chats, group_chat_members and group_messages never query a table whose
-- policy queries them back.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE public.companions (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    name text NOT NULL,
    description text,
    avatar_url text,
    is_public boolean NOT NULL DEFAULT false,
    provider text,
    model text,
    personality jsonb NOT NULL DEFAULT '{}'::jsonb,
    knowledge jsonb NOT NULL DEFAULT '{}'::jsonb,
    interaction jsonb NOT NULL DEFAULT '{}'::jsonb,
    tool_config jsonb NOT NULL DEFAULT '{}'::jsonb,
    tool_access text[] NOT NULL DEFAULT '{}',
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT companions_pkey PRIMARY KEY (id),
    CONSTRAINT companions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE,
    CONSTRAINT companions_name_check CHECK (char_length(name) BETWEEN 1 AND 100),
    CONSTRAINT companions_config_check CHECK (
        jsonb_typeof(personality) = 'object' AND jsonb_typeof(knowledge) = 'object'
        AND jsonb_typeof(interaction) = 'object' AND jsonb_typeof(tool_config) = 'object'
    ),
    CONSTRAINT companions_version_check CHECK (version >= 1)
);
CREATE INDEX companions_user_id_updated_at_id_idx ON public.companions (user_id, updated_at DESC, id DESC);
-- The public gallery, newest first.
CREATE INDEX companions_created_at_public_idx ON public.companions (created_at DESC) WHERE is_public;
CREATE TRIGGER companions_set_updated_at BEFORE UPDATE ON public.companions
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.companions IS
    'AI companions: personas a user configures (personality, knowledge, interaction style, tools) and chats with; public ones can be used by everyone.';
COMMENT ON COLUMN public.companions.user_id IS 'Creator and owner.';
COMMENT ON COLUMN public.companions.name IS 'Display name, 1 to 100 characters.';
COMMENT ON COLUMN public.companions.avatar_url IS 'Picture URL.';
COMMENT ON COLUMN public.companions.is_public IS 'Listed in the gallery and usable (read-only) by every user.';
COMMENT ON COLUMN public.companions.provider IS 'Model provider the companion runs on; NULL = the user''s default.';
COMMENT ON COLUMN public.companions.model IS 'Model the companion runs on; NULL = the provider default.';
COMMENT ON COLUMN public.companions.personality IS 'Persona: traits, tone, backstory (JSON object, shape versioned by version).';
COMMENT ON COLUMN public.companions.knowledge IS 'Knowledge the companion draws on: facts, documents, links (JSON object).';
COMMENT ON COLUMN public.companions.interaction IS 'How it converses: greeting, response length, memory (JSON object).';
COMMENT ON COLUMN public.companions.tool_config IS 'Per-tool settings and approval policy, e.g. {"approval": {"mode": "manual"}} (JSON object).';
COMMENT ON COLUMN public.companions.tool_access IS 'Names of the tools the companion may call.';
COMMENT ON COLUMN public.companions.version IS
    'Optimistic-concurrency version of the configuration: UpdateCompanionConfig writes WHERE version = @expected and bumps it; data migrations of the JSON bump it too. Only ever increases.';

CREATE TABLE public.companion_messages (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    companion_id uuid NOT NULL,
    user_id uuid NOT NULL,
    role public.message_role NOT NULL,
    content text NOT NULL,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    input_tokens integer NOT NULL DEFAULT 0,
    output_tokens integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT companion_messages_pkey PRIMARY KEY (id),
    CONSTRAINT companion_messages_companion_id_fkey FOREIGN KEY (companion_id) REFERENCES public.companions (id) ON DELETE CASCADE,
    CONSTRAINT companion_messages_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE,
    CONSTRAINT companion_messages_tokens_check CHECK (input_tokens >= 0 AND output_tokens >= 0),
    CONSTRAINT companion_messages_metadata_check CHECK (jsonb_typeof(metadata) = 'object')
);
CREATE INDEX companion_messages_companion_id_created_at_idx ON public.companion_messages (companion_id, created_at);
-- One user's conversation with a companion, keyset on (created_at, id) (ListCompanionMessages).
-- It also serves every lookup by (companion_id, user_id), so no separate index on that prefix.
CREATE INDEX companion_messages_companion_id_user_id_created_at_id_idx
    ON public.companion_messages (companion_id, user_id, created_at, id);
CREATE INDEX companion_messages_user_id_idx ON public.companion_messages (user_id);

COMMENT ON TABLE public.companion_messages IS
    'Conversation turns between a user and a companion; each user has a private conversation with each companion.';
COMMENT ON COLUMN public.companion_messages.user_id IS 'The user whose conversation this is (also for the companion''s replies).';
COMMENT ON COLUMN public.companion_messages.role IS 'user for the person, assistant for the companion.';
COMMENT ON COLUMN public.companion_messages.content IS 'Message text.';
COMMENT ON COLUMN public.companion_messages.metadata IS 'Provider metadata, tool calls, emotions (JSON object).';
COMMENT ON COLUMN public.companion_messages.input_tokens IS 'Prompt tokens used to produce a reply.';
COMMENT ON COLUMN public.companion_messages.output_tokens IS 'Completion tokens of a reply.';

CREATE TABLE public.companion_token_burns (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    companion_id uuid NOT NULL,
    user_id uuid NOT NULL,
    companion_message_id uuid,
    ledger_operation_id text NOT NULL,
    provider text,
    model text,
    input_tokens integer NOT NULL DEFAULT 0,
    output_tokens integer NOT NULL DEFAULT 0,
    credits numeric(20, 6) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT companion_token_burns_pkey PRIMARY KEY (id),
    CONSTRAINT companion_token_burns_companion_id_fkey FOREIGN KEY (companion_id) REFERENCES public.companions (id) ON DELETE CASCADE,
    CONSTRAINT companion_token_burns_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE,
    CONSTRAINT companion_token_burns_companion_message_id_fkey FOREIGN KEY (companion_message_id)
        REFERENCES public.companion_messages (id) ON DELETE SET NULL,
    CONSTRAINT companion_token_burns_ledger_operation_id_key UNIQUE (ledger_operation_id),
    CONSTRAINT companion_token_burns_tokens_check CHECK (input_tokens >= 0 AND output_tokens >= 0),
    CONSTRAINT companion_token_burns_credits_check CHECK (credits > 0)
);
CREATE INDEX companion_token_burns_companion_id_created_at_idx ON public.companion_token_burns (companion_id, created_at);
CREATE INDEX companion_token_burns_user_id_created_at_idx ON public.companion_token_burns (user_id, created_at);
CREATE INDEX companion_token_burns_companion_message_id_idx ON public.companion_token_burns (companion_message_id);

COMMENT ON TABLE public.companion_token_burns IS
    'Credits burned by companion conversations: the token usage behind each companion_burn ledger entry (written in the same transaction as that entry).';
COMMENT ON COLUMN public.companion_token_burns.companion_message_id IS 'The reply that consumed the tokens; NULL once that message is deleted.';
COMMENT ON COLUMN public.companion_token_burns.ledger_operation_id IS
    'operation_id of the matching credit_ledger entry (burn:<id>); unique, so a retried burn is recorded once. Not a foreign key: the ledger key is a deferrable constraint.';
COMMENT ON COLUMN public.companion_token_burns.provider IS 'Provider that served the tokens.';
COMMENT ON COLUMN public.companion_token_burns.model IS 'Model that served the tokens.';
COMMENT ON COLUMN public.companion_token_burns.input_tokens IS 'Prompt tokens burned.';
COMMENT ON COLUMN public.companion_token_burns.output_tokens IS 'Completion tokens burned.';
COMMENT ON COLUMN public.companion_token_burns.credits IS 'Credits charged (positive; the ledger entry is its negation).';

CREATE TYPE public.group_member_role AS ENUM ('owner', 'admin', 'member');
COMMENT ON TYPE public.group_member_role IS 'A member''s rights in a group chat: owner (the creator), admin, member.';

CREATE TABLE public.group_chats (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    creator_id uuid NOT NULL,
    companion_id uuid,
    name text NOT NULL,
    description text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT group_chats_pkey PRIMARY KEY (id),
    CONSTRAINT group_chats_creator_id_fkey FOREIGN KEY (creator_id) REFERENCES public.users (id) ON DELETE CASCADE,
    CONSTRAINT group_chats_companion_id_fkey FOREIGN KEY (companion_id) REFERENCES public.companions (id) ON DELETE SET NULL,
    CONSTRAINT group_chats_name_check CHECK (char_length(name) BETWEEN 1 AND 100)
);
CREATE INDEX group_chats_creator_id_created_at_idx ON public.group_chats (creator_id, created_at);
CREATE INDEX group_chats_companion_id_idx ON public.group_chats (companion_id);
CREATE TRIGGER group_chats_set_updated_at BEFORE UPDATE ON public.group_chats
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.group_chats IS
    'Chats among several users (and optionally a companion bot). The creator is added as owner member automatically; deleting the creator deletes the group.';
COMMENT ON COLUMN public.group_chats.creator_id IS 'Who created the group; manages its members.';
COMMENT ON COLUMN public.group_chats.companion_id IS 'Companion that answers in the group as a bot; NULL = none.';
COMMENT ON COLUMN public.group_chats.name IS 'Group name, 1 to 100 characters.';

CREATE TABLE public.group_chat_members (
    group_chat_id uuid NOT NULL,
    user_id uuid NOT NULL,
    role public.group_member_role NOT NULL DEFAULT 'member',
    joined_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT group_chat_members_pkey PRIMARY KEY (group_chat_id, user_id),
    CONSTRAINT group_chat_members_group_chat_id_fkey FOREIGN KEY (group_chat_id) REFERENCES public.group_chats (id) ON DELETE CASCADE,
    CONSTRAINT group_chat_members_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE
);
-- ListGroupChatsByMember, and the users foreign key.
CREATE INDEX group_chat_members_user_id_idx ON public.group_chat_members (user_id);

COMMENT ON TABLE public.group_chat_members IS 'Who belongs to which group chat; members read the group and its messages.';
COMMENT ON COLUMN public.group_chat_members.role IS 'owner (creator), admin or member.';
COMMENT ON COLUMN public.group_chat_members.joined_at IS 'When the user joined.';

CREATE TABLE public.group_messages (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    group_chat_id uuid NOT NULL,
    sender_id uuid,
    companion_id uuid,
    is_bot boolean NOT NULL DEFAULT false,
    content text NOT NULL,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT group_messages_pkey PRIMARY KEY (id),
    CONSTRAINT group_messages_group_chat_id_fkey FOREIGN KEY (group_chat_id) REFERENCES public.group_chats (id) ON DELETE CASCADE,
    CONSTRAINT group_messages_sender_id_fkey FOREIGN KEY (sender_id) REFERENCES public.users (id) ON DELETE CASCADE,
    CONSTRAINT group_messages_companion_id_fkey FOREIGN KEY (companion_id) REFERENCES public.companions (id) ON DELETE SET NULL,
    CONSTRAINT group_messages_sender_check CHECK (is_bot OR sender_id IS NOT NULL),
    CONSTRAINT group_messages_metadata_check CHECK (jsonb_typeof(metadata) = 'object')
);
-- A group's timeline, keyset on (created_at, id) (ListGroupMessages).
CREATE INDEX group_messages_group_chat_id_created_at_id_idx ON public.group_messages (group_chat_id, created_at, id);
-- One member's messages in a group, in order; also serves lookups by (group_chat_id, sender_id).
CREATE INDEX group_messages_group_chat_id_sender_id_created_at_idx ON public.group_messages (group_chat_id, sender_id, created_at);
-- The bot's messages in a group (a partial index instead of a low-selectivity boolean column).
CREATE INDEX group_messages_group_chat_id_created_at_bot_idx ON public.group_messages (group_chat_id, created_at)
    WHERE is_bot;
CREATE INDEX group_messages_sender_id_idx ON public.group_messages (sender_id);
CREATE INDEX group_messages_companion_id_idx ON public.group_messages (companion_id);

COMMENT ON TABLE public.group_messages IS 'Messages of a group chat, from members or the group''s companion bot.';
COMMENT ON COLUMN public.group_messages.sender_id IS 'Member who wrote it; NULL for bot messages. Deleted with the sender.';
COMMENT ON COLUMN public.group_messages.companion_id IS 'Companion that wrote a bot message.';
COMMENT ON COLUMN public.group_messages.is_bot IS 'Written by the companion bot; otherwise sender_id is required (group_messages_sender_check).';
COMMENT ON COLUMN public.group_messages.content IS 'Message text.';
COMMENT ON COLUMN public.group_messages.metadata IS 'Mentions, attachments, provider metadata (JSON object).';

CREATE FUNCTION public.is_group_member(group_chat_id uuid)
RETURNS boolean
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
    SELECT EXISTS (
        SELECT 1
        FROM public.group_chat_members AS m
        WHERE m.group_chat_id = $1
          AND m.user_id = nullif(current_setting('app.user_id', true), '')::uuid
    );
$$;
COMMENT ON FUNCTION public.is_group_member(uuid) IS
    'Whether the signed-in user (app.user_id) is a member of the group chat. SECURITY DEFINER (owner chatdb_migrator, BYPASSRLS) so group policies can use it without recursing into each other.';
REVOKE ALL ON FUNCTION public.is_group_member(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.is_group_member(uuid) TO chatdb_app, chatdb_system;

CREATE FUNCTION public.group_chats_add_creator()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
    INSERT INTO public.group_chat_members (group_chat_id, user_id, role)
    VALUES (NEW.id, NEW.creator_id, 'owner');
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION public.group_chats_add_creator() IS 'AFTER INSERT trigger on group_chats: makes the creator the owner member.';
REVOKE ALL ON FUNCTION public.group_chats_add_creator() FROM PUBLIC;

CREATE TRIGGER group_chats_add_creator AFTER INSERT ON public.group_chats
    FOR EACH ROW EXECUTE FUNCTION public.group_chats_add_creator();

GRANT SELECT, INSERT, UPDATE, DELETE ON public.companions, public.companion_messages,
    public.group_chats, public.group_chat_members, public.group_messages TO chatdb_app, chatdb_system;
GRANT SELECT, INSERT ON public.companion_token_burns TO chatdb_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.companion_token_burns TO chatdb_system;

ALTER TABLE public.companions ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.companions FORCE ROW LEVEL SECURITY;
CREATE POLICY companions_owner_all ON public.companions FOR ALL TO chatdb_app
    USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid)
    WITH CHECK (user_id = nullif(current_setting('app.user_id', true), '')::uuid);
CREATE POLICY companions_public_read ON public.companions FOR SELECT TO chatdb_app
    USING (is_public);

ALTER TABLE public.companion_messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.companion_messages FORCE ROW LEVEL SECURITY;
-- A user talks to companions they can see (their own or public ones).
CREATE POLICY companion_messages_owner_all ON public.companion_messages FOR ALL TO chatdb_app
    USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid)
    WITH CHECK (
        user_id = nullif(current_setting('app.user_id', true), '')::uuid
        AND EXISTS (SELECT 1 FROM public.companions AS c WHERE c.id = companion_messages.companion_id)
    );

ALTER TABLE public.companion_token_burns ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.companion_token_burns FORCE ROW LEVEL SECURITY;
CREATE POLICY companion_token_burns_owner_read ON public.companion_token_burns FOR SELECT TO chatdb_app
    USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid);
CREATE POLICY companion_token_burns_owner_insert ON public.companion_token_burns FOR INSERT TO chatdb_app
    WITH CHECK (user_id = nullif(current_setting('app.user_id', true), '')::uuid);

ALTER TABLE public.group_chats ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.group_chats FORCE ROW LEVEL SECURITY;
CREATE POLICY group_chats_creator_all ON public.group_chats FOR ALL TO chatdb_app
    USING (creator_id = nullif(current_setting('app.user_id', true), '')::uuid)
    WITH CHECK (
        creator_id = nullif(current_setting('app.user_id', true), '')::uuid
        AND (companion_id IS NULL OR EXISTS (SELECT 1 FROM public.companions AS c WHERE c.id = group_chats.companion_id))
    );
CREATE POLICY group_chats_member_read ON public.group_chats FOR SELECT TO chatdb_app
    USING (public.is_group_member(id));

ALTER TABLE public.group_chat_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.group_chat_members FORCE ROW LEVEL SECURITY;
-- The creator manages membership (the sub-select runs under the group_chats policies, which
-- use is_group_member(), never this table's policies).
CREATE POLICY group_chat_members_creator_all ON public.group_chat_members FOR ALL TO chatdb_app
    USING (EXISTS (
        SELECT 1 FROM public.group_chats AS g
        WHERE g.id = group_chat_members.group_chat_id
          AND g.creator_id = nullif(current_setting('app.user_id', true), '')::uuid
    ))
    WITH CHECK (EXISTS (
        SELECT 1 FROM public.group_chats AS g
        WHERE g.id = group_chat_members.group_chat_id
          AND g.creator_id = nullif(current_setting('app.user_id', true), '')::uuid
    ));
CREATE POLICY group_chat_members_member_read ON public.group_chat_members FOR SELECT TO chatdb_app
    USING (public.is_group_member(group_chat_id));
CREATE POLICY group_chat_members_self_leave ON public.group_chat_members FOR DELETE TO chatdb_app
    USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid);

ALTER TABLE public.group_messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.group_messages FORCE ROW LEVEL SECURITY;
CREATE POLICY group_messages_member_read ON public.group_messages FOR SELECT TO chatdb_app
    USING (public.is_group_member(group_chat_id));
-- Members post as themselves, or post the group bot's reply (no sender).
CREATE POLICY group_messages_member_insert ON public.group_messages FOR INSERT TO chatdb_app
    WITH CHECK (
        public.is_group_member(group_chat_id)
        AND (
            sender_id = nullif(current_setting('app.user_id', true), '')::uuid
            OR (is_bot AND sender_id IS NULL)
        )
    );
CREATE POLICY group_messages_sender_update ON public.group_messages FOR UPDATE TO chatdb_app
    USING (sender_id = nullif(current_setting('app.user_id', true), '')::uuid)
    WITH CHECK (
        sender_id = nullif(current_setting('app.user_id', true), '')::uuid
        AND public.is_group_member(group_chat_id)
    );
CREATE POLICY group_messages_sender_delete ON public.group_messages FOR DELETE TO chatdb_app
    USING (sender_id = nullif(current_setting('app.user_id', true), '')::uuid);

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';
-- squawk-ignore ban-drop-table
DROP TABLE public.group_messages;
-- squawk-ignore ban-drop-table
DROP TABLE public.group_chat_members;
-- squawk-ignore ban-drop-table
DROP TABLE public.group_chats;
-- squawk-ignore ban-drop-function
DROP FUNCTION public.group_chats_add_creator();
-- squawk-ignore ban-drop-function
DROP FUNCTION public.is_group_member(uuid);
-- squawk-ignore ban-drop-type
DROP TYPE public.group_member_role;
-- squawk-ignore ban-drop-table
DROP TABLE public.companion_token_burns;
-- squawk-ignore ban-drop-table
DROP TABLE public.companion_messages;
-- squawk-ignore ban-drop-table
DROP TABLE public.companions;
