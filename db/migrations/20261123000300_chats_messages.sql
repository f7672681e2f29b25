-- Chats and their messages: chats, messages, votes, message_reactions, chat_tags, streams,
-- chat_states. Deleting a chat removes everything in it; deleting a user removes their chats.
--
-- RLS: the owner does everything; a public chat and its messages are readable by anyone,
-- including anonymous readers (no app.user_id). Tables owned through their chat check the
-- chat in an EXISTS sub-select, which itself runs under the chats policies.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TYPE public.chat_visibility AS ENUM ('public', 'private');
COMMENT ON TYPE public.chat_visibility IS 'public: readable by anyone with the link (also signed out); private: owner only.';

CREATE TYPE public.message_role AS ENUM ('system', 'user', 'assistant', 'tool');
COMMENT ON TYPE public.message_role IS 'Author of a message in the model conversation.';

CREATE TYPE public.vote_direction AS ENUM ('up', 'down');
COMMENT ON TYPE public.vote_direction IS 'A thumbs-up or thumbs-down on an assistant message.';

CREATE TABLE public.chats (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    title text NOT NULL DEFAULT 'New Chat',
    visibility public.chat_visibility NOT NULL DEFAULT 'private',
    provider text,
    model text,
    system_prompt text,
    context_window integer,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT chats_pkey PRIMARY KEY (id),
    CONSTRAINT chats_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE,
    CONSTRAINT chats_title_check CHECK (char_length(title) BETWEEN 1 AND 500),
    CONSTRAINT chats_context_window_check CHECK (context_window > 0),
    CONSTRAINT chats_metadata_check CHECK (jsonb_typeof(metadata) = 'object')
);
-- Keyset pagination of a user's chats, most recently updated first (ListChatsByUser).
CREATE INDEX chats_user_id_updated_at_id_idx ON public.chats (user_id, updated_at DESC, id DESC);
CREATE TRIGGER chats_set_updated_at BEFORE UPDATE ON public.chats
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.chats IS 'A conversation between a user and a model. Deleting it deletes its messages, votes, streams, state, tool executions and optimizations.';
COMMENT ON COLUMN public.chats.user_id IS 'Owner of the chat.';
COMMENT ON COLUMN public.chats.title IS 'Shown in the sidebar; 1 to 500 characters; ''New Chat'' until renamed.';
COMMENT ON COLUMN public.chats.visibility IS 'public chats (and their messages) are readable by anyone, including signed-out readers.';
COMMENT ON COLUMN public.chats.provider IS 'Model provider the chat uses (openai, anthropic, ...); NULL = the user''s default provider.';
COMMENT ON COLUMN public.chats.model IS 'Model id at the provider; NULL = the provider''s default model.';
COMMENT ON COLUMN public.chats.system_prompt IS 'System prompt prepended to every request of this chat.';
COMMENT ON COLUMN public.chats.context_window IS 'Context window size in tokens used when building requests; NULL = the model''s.';
COMMENT ON COLUMN public.chats.metadata IS 'Free-form JSON object for the UI (pinned, folder, colour, ...).';
COMMENT ON COLUMN public.chats.updated_at IS 'Last change of the chat row; the sort key of chat lists (with id).';

CREATE TABLE public.messages (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    chat_id uuid NOT NULL,
    role public.message_role NOT NULL,
    parts jsonb NOT NULL DEFAULT '[]'::jsonb,
    attachments jsonb NOT NULL DEFAULT '[]'::jsonb,
    provider text,
    model text,
    input_tokens integer NOT NULL DEFAULT 0,
    output_tokens integer NOT NULL DEFAULT 0,
    cache_read_tokens integer NOT NULL DEFAULT 0,
    cache_write_tokens integer NOT NULL DEFAULT 0,
    cost numeric(18, 8) NOT NULL DEFAULT 0,
    client_request_id text,
    provider_metadata jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT messages_pkey PRIMARY KEY (id),
    CONSTRAINT messages_chat_id_fkey FOREIGN KEY (chat_id) REFERENCES public.chats (id) ON DELETE CASCADE,
    CONSTRAINT messages_chat_id_client_request_id_key UNIQUE (chat_id, client_request_id),
    CONSTRAINT messages_parts_check CHECK (jsonb_typeof(parts) = 'array'),
    CONSTRAINT messages_attachments_check CHECK (jsonb_typeof(attachments) = 'array'),
    CONSTRAINT messages_tokens_check CHECK (
        input_tokens >= 0 AND output_tokens >= 0 AND cache_read_tokens >= 0 AND cache_write_tokens >= 0
    ),
    CONSTRAINT messages_cost_check CHECK (cost >= 0),
    CONSTRAINT messages_client_request_id_check CHECK (char_length(client_request_id) BETWEEN 1 AND 200),
    CONSTRAINT messages_provider_metadata_check CHECK (jsonb_typeof(provider_metadata) = 'object')
);
-- A chat's messages in order, both directions of keyset pagination, DeleteMessagesAfter.
CREATE INDEX messages_chat_id_created_at_id_idx ON public.messages (chat_id, created_at, id);

COMMENT ON TABLE public.messages IS 'The messages of a chat, in created_at order. The largest table: every hot query goes through messages_chat_id_created_at_id_idx.';
COMMENT ON COLUMN public.messages.role IS 'Who wrote the message: system, user, assistant or tool.';
COMMENT ON COLUMN public.messages.parts IS 'The content as a JSON array of typed parts (text, reasoning, tool-call, tool-result, ...), AI SDK UIMessage style.';
COMMENT ON COLUMN public.messages.attachments IS 'JSON array of attachments (url, name, contentType), usually pointing at file_uploads.';
COMMENT ON COLUMN public.messages.provider IS 'Provider that generated an assistant message.';
COMMENT ON COLUMN public.messages.model IS 'Model that generated an assistant message.';
COMMENT ON COLUMN public.messages.input_tokens IS 'Prompt tokens billed for generating this message.';
COMMENT ON COLUMN public.messages.output_tokens IS 'Completion tokens billed for this message.';
COMMENT ON COLUMN public.messages.cache_read_tokens IS 'Prompt tokens served from the provider''s prompt cache.';
COMMENT ON COLUMN public.messages.cache_write_tokens IS 'Prompt tokens written to the provider''s prompt cache.';
COMMENT ON COLUMN public.messages.cost IS 'Provider cost of this message in USD.';
COMMENT ON COLUMN public.messages.client_request_id IS
    'Idempotency key sent by the client; unique per chat (messages_chat_id_client_request_id_key), so a retried send inserts once.';
COMMENT ON COLUMN public.messages.provider_metadata IS 'Raw provider response metadata (JSON object): ids, finish reason, ...';
COMMENT ON COLUMN public.messages.created_at IS 'Order of the conversation; keyset cursor (created_at, id).';

CREATE TABLE public.votes (
    message_id uuid NOT NULL,
    user_id uuid NOT NULL,
    direction public.vote_direction NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT votes_pkey PRIMARY KEY (message_id, user_id),
    CONSTRAINT votes_message_id_fkey FOREIGN KEY (message_id) REFERENCES public.messages (id) ON DELETE CASCADE,
    CONSTRAINT votes_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE
);
CREATE INDEX votes_user_id_idx ON public.votes (user_id);
CREATE TRIGGER votes_set_updated_at BEFORE UPDATE ON public.votes
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.votes IS 'Feedback on messages: at most one vote per user and message (the primary key); voting again flips it.';
COMMENT ON COLUMN public.votes.direction IS 'up or down.';

CREATE TABLE public.message_reactions (
    message_id uuid NOT NULL,
    user_id uuid NOT NULL,
    emoji text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT message_reactions_pkey PRIMARY KEY (message_id, user_id, emoji),
    CONSTRAINT message_reactions_message_id_fkey FOREIGN KEY (message_id) REFERENCES public.messages (id) ON DELETE CASCADE,
    CONSTRAINT message_reactions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE,
    CONSTRAINT message_reactions_emoji_check CHECK (char_length(emoji) BETWEEN 1 AND 32)
);
CREATE INDEX message_reactions_user_id_idx ON public.message_reactions (user_id);

COMMENT ON TABLE public.message_reactions IS 'Emoji reactions on messages; a user adds each emoji to a message at most once. Visible to everyone who can read the message.';
COMMENT ON COLUMN public.message_reactions.emoji IS 'The emoji (or short code), 1 to 32 characters.';

CREATE TABLE public.chat_tags (
    chat_id uuid NOT NULL,
    tag text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT chat_tags_pkey PRIMARY KEY (chat_id, tag),
    CONSTRAINT chat_tags_chat_id_fkey FOREIGN KEY (chat_id) REFERENCES public.chats (id) ON DELETE CASCADE,
    CONSTRAINT chat_tags_tag_check CHECK (char_length(tag) BETWEEN 1 AND 50 AND tag = lower(tag))
);

COMMENT ON TABLE public.chat_tags IS 'Labels the owner puts on chats for filtering; private to the owner.';
COMMENT ON COLUMN public.chat_tags.tag IS 'Lower-case label, 1 to 50 characters.';

CREATE TABLE public.streams (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    chat_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT streams_pkey PRIMARY KEY (id),
    CONSTRAINT streams_chat_id_fkey FOREIGN KEY (chat_id) REFERENCES public.chats (id) ON DELETE CASCADE
);
CREATE INDEX streams_chat_id_created_at_idx ON public.streams (chat_id, created_at);

COMMENT ON TABLE public.streams IS 'Resumable response streams of a chat: a client that reconnects resumes the latest stream id.';
COMMENT ON COLUMN public.streams.id IS 'Stream id, also the key of the stream''s buffered chunks outside the database.';

CREATE TABLE public.chat_states (
    chat_id uuid NOT NULL,
    state jsonb NOT NULL DEFAULT '{}'::jsonb,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT chat_states_pkey PRIMARY KEY (chat_id),
    CONSTRAINT chat_states_chat_id_fkey FOREIGN KEY (chat_id) REFERENCES public.chats (id) ON DELETE CASCADE,
    CONSTRAINT chat_states_state_check CHECK (jsonb_typeof(state) = 'object'),
    CONSTRAINT chat_states_version_check CHECK (version >= 1)
);
CREATE TRIGGER chat_states_set_updated_at BEFORE UPDATE ON public.chat_states
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.chat_states IS 'One typed JSON state per chat (agent memory, UI state): the Python side validates it with a pydantic model.';
COMMENT ON COLUMN public.chat_states.state IS 'The state, a JSON object whose shape is defined by chatdb.types.';
COMMENT ON COLUMN public.chat_states.version IS 'Optimistic-concurrency counter: writers update WHERE version = @expected and bump it.';

-- Privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON public.chats, public.messages, public.votes,
    public.message_reactions, public.chat_tags, public.streams, public.chat_states
    TO chatdb_app, chatdb_system;

-- Row-level security
ALTER TABLE public.chats ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.chats FORCE ROW LEVEL SECURITY;
CREATE POLICY chats_owner_all ON public.chats FOR ALL TO chatdb_app
    USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid)
    WITH CHECK (user_id = nullif(current_setting('app.user_id', true), '')::uuid);
CREATE POLICY chats_public_read ON public.chats FOR SELECT TO chatdb_app
    USING (visibility = 'public');

ALTER TABLE public.messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.messages FORCE ROW LEVEL SECURITY;
CREATE POLICY messages_owner_all ON public.messages FOR ALL TO chatdb_app
    USING (EXISTS (
        SELECT 1 FROM public.chats AS c
        WHERE c.id = messages.chat_id
          AND c.user_id = nullif(current_setting('app.user_id', true), '')::uuid
    ))
    WITH CHECK (EXISTS (
        SELECT 1 FROM public.chats AS c
        WHERE c.id = messages.chat_id
          AND c.user_id = nullif(current_setting('app.user_id', true), '')::uuid
    ));
CREATE POLICY messages_public_read ON public.messages FOR SELECT TO chatdb_app
    USING (EXISTS (
        SELECT 1 FROM public.chats AS c
        WHERE c.id = messages.chat_id AND c.visibility = 'public'
    ));

ALTER TABLE public.votes ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.votes FORCE ROW LEVEL SECURITY;
-- A user votes on messages they can read (the sub-select runs under the messages policies).
CREATE POLICY votes_owner_all ON public.votes FOR ALL TO chatdb_app
    USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid)
    WITH CHECK (
        user_id = nullif(current_setting('app.user_id', true), '')::uuid
        AND EXISTS (SELECT 1 FROM public.messages AS m WHERE m.id = votes.message_id)
    );

ALTER TABLE public.message_reactions ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.message_reactions FORCE ROW LEVEL SECURITY;
CREATE POLICY message_reactions_owner_all ON public.message_reactions FOR ALL TO chatdb_app
    USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid)
    WITH CHECK (
        user_id = nullif(current_setting('app.user_id', true), '')::uuid
        AND EXISTS (SELECT 1 FROM public.messages AS m WHERE m.id = message_reactions.message_id)
    );
CREATE POLICY message_reactions_reader_read ON public.message_reactions FOR SELECT TO chatdb_app
    USING (EXISTS (SELECT 1 FROM public.messages AS m WHERE m.id = message_reactions.message_id));

ALTER TABLE public.chat_tags ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.chat_tags FORCE ROW LEVEL SECURITY;
CREATE POLICY chat_tags_owner_all ON public.chat_tags FOR ALL TO chatdb_app
    USING (EXISTS (
        SELECT 1 FROM public.chats AS c
        WHERE c.id = chat_tags.chat_id
          AND c.user_id = nullif(current_setting('app.user_id', true), '')::uuid
    ))
    WITH CHECK (EXISTS (
        SELECT 1 FROM public.chats AS c
        WHERE c.id = chat_tags.chat_id
          AND c.user_id = nullif(current_setting('app.user_id', true), '')::uuid
    ));

ALTER TABLE public.streams ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.streams FORCE ROW LEVEL SECURITY;
CREATE POLICY streams_owner_all ON public.streams FOR ALL TO chatdb_app
    USING (EXISTS (
        SELECT 1 FROM public.chats AS c
        WHERE c.id = streams.chat_id
          AND c.user_id = nullif(current_setting('app.user_id', true), '')::uuid
    ))
    WITH CHECK (EXISTS (
        SELECT 1 FROM public.chats AS c
        WHERE c.id = streams.chat_id
          AND c.user_id = nullif(current_setting('app.user_id', true), '')::uuid
    ));

ALTER TABLE public.chat_states ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.chat_states FORCE ROW LEVEL SECURITY;
CREATE POLICY chat_states_owner_all ON public.chat_states FOR ALL TO chatdb_app
    USING (EXISTS (
        SELECT 1 FROM public.chats AS c
        WHERE c.id = chat_states.chat_id
          AND c.user_id = nullif(current_setting('app.user_id', true), '')::uuid
    ))
    WITH CHECK (EXISTS (
        SELECT 1 FROM public.chats AS c
        WHERE c.id = chat_states.chat_id
          AND c.user_id = nullif(current_setting('app.user_id', true), '')::uuid
    ));

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';
-- squawk-ignore ban-drop-table
DROP TABLE public.chat_states;
-- squawk-ignore ban-drop-table
DROP TABLE public.streams;
-- squawk-ignore ban-drop-table
DROP TABLE public.chat_tags;
-- squawk-ignore ban-drop-table
DROP TABLE public.message_reactions;
-- squawk-ignore ban-drop-table
DROP TABLE public.votes;
-- squawk-ignore ban-drop-table
DROP TABLE public.messages;
-- squawk-ignore ban-drop-table
DROP TABLE public.chats;
-- squawk-ignore ban-drop-type
DROP TYPE public.vote_direction;
-- squawk-ignore ban-drop-type
DROP TYPE public.message_role;
-- squawk-ignore ban-drop-type
DROP TYPE public.chat_visibility;
