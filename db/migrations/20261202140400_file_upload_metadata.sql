-- domain: file_uploads
-- Uploads carry free-form metadata (image dimensions, page count, extracted text status, the
-- uploader's client): a JSON object, bounded like every other metadata column.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

ALTER TABLE public.file_uploads ADD COLUMN metadata jsonb NOT NULL DEFAULT '{}'::jsonb;
ALTER TABLE public.file_uploads ADD CONSTRAINT file_uploads_metadata_check
    CHECK (jsonb_typeof(metadata) = 'object' AND octet_length(metadata::text) <= 65536) NOT VALID;
COMMENT ON COLUMN public.file_uploads.metadata IS 'Facts about the file (dimensions, pages, processing state), a JSON object of at most 64 KiB.';
COMMENT ON CONSTRAINT file_uploads_metadata_check ON public.file_uploads IS 'metadata: a JSON object of at most 65,536 bytes of text, like every other metadata column.';

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- squawk-ignore ban-drop-column
ALTER TABLE public.file_uploads DROP COLUMN metadata;
