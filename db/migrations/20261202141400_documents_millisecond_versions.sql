-- domain: documents
-- Document versions are keyed by (id, created_at), and clients hand the version time back:
-- the chat app deletes the versions "after" the one the user picked, and writes suggestions
-- against a version, using a JavaScript Date, which has millisecond precision. A version
-- stored with microseconds came back truncated, so "after" matched the picked version too and
-- a suggestion's (document_id, document_created_at) matched no version. New versions are
-- stored at millisecond precision (SaveDocument truncates and keeps versions of one document
-- at least 1 ms apart, so the order is unchanged), and this constraint holds every new row to
-- it. suggestions.document_created_at follows through its foreign key.
--
-- NOT VALID: versions saved before this migration may carry microseconds; they keep working
-- with clients that send the exact value, and a later migration can validate once the
-- history has been rewritten or aged out.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

ALTER TABLE public.documents ALTER COLUMN created_at SET DEFAULT date_trunc('milliseconds', now());
ALTER TABLE public.documents ADD CONSTRAINT documents_created_at_milliseconds_check
    CHECK (created_at = date_trunc('milliseconds', created_at)) NOT VALID;
COMMENT ON CONSTRAINT documents_created_at_milliseconds_check ON public.documents IS
    'created_at (the version key) has millisecond precision, so a JavaScript Date round-trips it exactly.';
COMMENT ON COLUMN public.documents.created_at IS 'The version: when this version was saved, at millisecond precision (documents_created_at_milliseconds_check) so clients round-trip it exactly.';

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- squawk-ignore ban-drop-constraint
ALTER TABLE public.documents DROP CONSTRAINT documents_created_at_milliseconds_check;
ALTER TABLE public.documents ALTER COLUMN created_at SET DEFAULT now();
COMMENT ON COLUMN public.documents.created_at IS 'The version: when this version was saved.';
