-- Documents (artifacts) with versions, and the suggestions made on a version.
-- A document version is the row (id, created_at): saving a document inserts a new version.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TYPE public.document_kind AS ENUM ('text', 'code', 'image', 'sheet', 'canvas');
COMMENT ON TYPE public.document_kind IS 'What a document holds, which decides its editor: text, code, image, sheet or canvas.';

CREATE TABLE public.documents (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    created_at timestamptz NOT NULL DEFAULT now(),
    user_id uuid NOT NULL,
    chat_id uuid,
    title text NOT NULL,
    kind public.document_kind NOT NULL DEFAULT 'text',
    content text,
    CONSTRAINT documents_pkey PRIMARY KEY (id, created_at),
    CONSTRAINT documents_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE,
    CONSTRAINT documents_chat_id_fkey FOREIGN KEY (chat_id) REFERENCES public.chats (id) ON DELETE SET NULL,
    CONSTRAINT documents_title_check CHECK (char_length(title) BETWEEN 1 AND 500)
);
CREATE INDEX documents_user_id_created_at_idx ON public.documents (user_id, created_at DESC);
CREATE INDEX documents_chat_id_idx ON public.documents (chat_id);

COMMENT ON TABLE public.documents IS
    'Versioned documents (artifacts) created in chats. Each save inserts a version: the primary key is (id, created_at) and the latest version is the greatest created_at. Kept (chat_id NULL) when the chat is deleted.';
COMMENT ON COLUMN public.documents.id IS 'The document; shared by all its versions.';
COMMENT ON COLUMN public.documents.created_at IS 'The version: when this version was saved.';
COMMENT ON COLUMN public.documents.user_id IS 'Owner of the document.';
COMMENT ON COLUMN public.documents.chat_id IS 'Chat the document was created in; NULL once that chat is deleted.';
COMMENT ON COLUMN public.documents.kind IS 'Editor kind: text, code, image, sheet or canvas.';
COMMENT ON COLUMN public.documents.content IS 'Body of this version (text, source code, CSV, or a data URL / JSON for images and canvases).';

CREATE TABLE public.suggestions (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    document_id uuid NOT NULL,
    document_created_at timestamptz NOT NULL,
    user_id uuid NOT NULL,
    original_text text NOT NULL,
    suggested_text text NOT NULL,
    description text,
    is_resolved boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT suggestions_pkey PRIMARY KEY (id),
    CONSTRAINT suggestions_document_id_document_created_at_fkey FOREIGN KEY (document_id, document_created_at)
        REFERENCES public.documents (id, created_at) ON DELETE CASCADE,
    CONSTRAINT suggestions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE
);
CREATE INDEX suggestions_document_id_document_created_at_idx ON public.suggestions (document_id, document_created_at);
CREATE INDEX suggestions_user_id_idx ON public.suggestions (user_id);

COMMENT ON TABLE public.suggestions IS 'Edit suggestions on one document version; deleted with that version.';
COMMENT ON COLUMN public.suggestions.document_id IS 'The document (with document_created_at: the version) the suggestion is about.';
COMMENT ON COLUMN public.suggestions.document_created_at IS 'The version (documents.created_at) the suggestion is about.';
COMMENT ON COLUMN public.suggestions.user_id IS 'Owner (the document''s owner, for whom the suggestion was made).';
COMMENT ON COLUMN public.suggestions.original_text IS 'The passage of the document to replace.';
COMMENT ON COLUMN public.suggestions.suggested_text IS 'The proposed replacement.';
COMMENT ON COLUMN public.suggestions.description IS 'Why the change is suggested.';
COMMENT ON COLUMN public.suggestions.is_resolved IS 'Whether the user accepted or dismissed the suggestion.';

GRANT SELECT, INSERT, UPDATE, DELETE ON public.documents, public.suggestions TO chatdb_app, chatdb_system;

ALTER TABLE public.documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.documents FORCE ROW LEVEL SECURITY;
-- A document may only be attached to one of the owner's own chats (FK checks ignore RLS).
CREATE POLICY documents_owner_all ON public.documents FOR ALL TO chatdb_app
    USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid)
    WITH CHECK (
        user_id = nullif(current_setting('app.user_id', true), '')::uuid
        AND (chat_id IS NULL OR EXISTS (
            SELECT 1 FROM public.chats AS c
            WHERE c.id = documents.chat_id
              AND c.user_id = nullif(current_setting('app.user_id', true), '')::uuid
        ))
    );

ALTER TABLE public.suggestions ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.suggestions FORCE ROW LEVEL SECURITY;
-- Suggestions only on the user's own document versions (the sub-select runs under the
-- documents policy; FK checks alone would accept anyone's document).
CREATE POLICY suggestions_owner_all ON public.suggestions FOR ALL TO chatdb_app
    USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid)
    WITH CHECK (
        user_id = nullif(current_setting('app.user_id', true), '')::uuid
        AND EXISTS (
            SELECT 1 FROM public.documents AS d
            WHERE d.id = suggestions.document_id AND d.created_at = suggestions.document_created_at
        )
    );

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';
-- squawk-ignore ban-drop-table
DROP TABLE public.suggestions;
-- squawk-ignore ban-drop-table
DROP TABLE public.documents;
-- squawk-ignore ban-drop-type
DROP TYPE public.document_kind;
