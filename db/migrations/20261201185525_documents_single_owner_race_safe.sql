-- documents_check_single_owner was a plain EXISTS check: two transactions saving the first
-- version of one document id for different users both passed it (neither saw the other's
-- uncommitted row), and the id ended up with two owners. The trigger now takes a
-- transaction-level advisory lock on the document id before checking, so the second writer
-- waits for the first to commit or roll back, then checks against what it committed.
--
-- Why a lock and not a constraint: versions share the id by design (key (id, created_at)),
-- so "one owner per id" is not a unique constraint; an exclusion constraint
-- (id WITH =, user_id WITH <>) would need btree_gist, an extension this schema does not
-- otherwise use, and a GiST index over the whole table; a separate heads table would change
-- every writer. The lock is held only by writers of the same id, until their commit.
-- Caveat: under REPEATABLE READ or SERIALIZABLE the check keeps the transaction's first
-- snapshot; the runtime's transactions are READ COMMITTED.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

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

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE OR REPLACE FUNCTION public.documents_check_single_owner()
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
