-- File uploads, deduplicated per user by content hash: uploading the same bytes twice (even
-- concurrently) yields one row (INSERT ... ON CONFLICT (user_id, content_hash)).

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE public.file_uploads (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    chat_id uuid,
    content_hash bytea NOT NULL,
    filename text NOT NULL,
    content_type text NOT NULL,
    size_bytes bigint NOT NULL,
    storage_key text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT file_uploads_pkey PRIMARY KEY (id),
    CONSTRAINT file_uploads_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE,
    CONSTRAINT file_uploads_chat_id_fkey FOREIGN KEY (chat_id) REFERENCES public.chats (id) ON DELETE SET NULL,
    CONSTRAINT file_uploads_user_id_content_hash_key UNIQUE (user_id, content_hash),
    CONSTRAINT file_uploads_content_hash_check CHECK (octet_length(content_hash) = 32),
    CONSTRAINT file_uploads_filename_check CHECK (char_length(filename) BETWEEN 1 AND 255),
    CONSTRAINT file_uploads_content_type_check CHECK (content_type ~ '^[a-z0-9.+-]+/[a-zA-Z0-9.+_-]+'),
    CONSTRAINT file_uploads_size_bytes_check CHECK (size_bytes >= 0)
);
-- Keyset pagination of a user's uploads, newest first (ListUploadsByUser).
CREATE INDEX file_uploads_user_id_created_at_id_idx ON public.file_uploads (user_id, created_at DESC, id DESC);
CREATE INDEX file_uploads_chat_id_idx ON public.file_uploads (chat_id);

COMMENT ON TABLE public.file_uploads IS
    'Files a user uploaded (the bytes live in object storage). One row per user and content: file_uploads_user_id_content_hash_key deduplicates.';
COMMENT ON COLUMN public.file_uploads.chat_id IS 'Chat the file was first uploaded in; NULL once that chat is deleted (the file stays in the user''s library).';
COMMENT ON COLUMN public.file_uploads.content_hash IS 'SHA-256 digest (32 bytes) of the file content; unique per user.';
COMMENT ON COLUMN public.file_uploads.filename IS 'Original file name as uploaded.';
COMMENT ON COLUMN public.file_uploads.content_type IS 'MIME type (type/subtype).';
COMMENT ON COLUMN public.file_uploads.size_bytes IS 'Size of the content in bytes.';
COMMENT ON COLUMN public.file_uploads.storage_key IS 'Where the bytes are: the object-storage key or URL.';

GRANT SELECT, INSERT, UPDATE, DELETE ON public.file_uploads TO chatdb_app, chatdb_system;

ALTER TABLE public.file_uploads ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.file_uploads FORCE ROW LEVEL SECURITY;
CREATE POLICY file_uploads_owner_all ON public.file_uploads FOR ALL TO chatdb_app
    USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid)
    WITH CHECK (
        user_id = nullif(current_setting('app.user_id', true), '')::uuid
        AND (chat_id IS NULL OR EXISTS (
            SELECT 1 FROM public.chats AS c
            WHERE c.id = file_uploads.chat_id
              AND c.user_id = nullif(current_setting('app.user_id', true), '')::uuid
        ))
    );

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';
-- squawk-ignore ban-drop-table
DROP TABLE public.file_uploads;
