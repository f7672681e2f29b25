-- A document's versions all belong to one owner. The version key (id, created_at) alone let
-- a user save a "version" under another user's document id: invisible to both under RLS,
-- but mixing owners for chatdb_system readers (GetLatestDocument). A trigger enforces it for
-- every writer; it runs SECURITY DEFINER (owner chatdb_migrator, BYPASSRLS) because the
-- conflicting version is, by definition, hidden from the inserting user by RLS.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE FUNCTION public.documents_check_single_owner()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
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
    'BEFORE INSERT OR UPDATE trigger of documents: every version of a document id has the same owner (raises check_violation documents_single_owner_check).';
REVOKE ALL ON FUNCTION public.documents_check_single_owner() FROM PUBLIC;

CREATE TRIGGER documents_single_owner
    BEFORE INSERT OR UPDATE OF id, user_id ON public.documents
    FOR EACH ROW EXECUTE FUNCTION public.documents_check_single_owner();

-- migrate:down
SET LOCAL lock_timeout = '5s';
-- squawk-ignore ban-drop-trigger
DROP TRIGGER documents_single_owner ON public.documents;
-- squawk-ignore ban-drop-function
DROP FUNCTION public.documents_check_single_owner();
