-- chatdb roles: applied by `chatdb db roles` (and `make migrate` when it can) with a
-- privileged connection (superuser or CREATEROLE) to the TARGET database. Idempotent: safe to
-- run again, and safe when two runs race (tests build templates in parallel).
--
-- Roles are cluster-wide, so they are provisioned here, never in a migration. See
-- docs/decisions/001-role-model.md.
--
--   chatdb_migrator  NOLOGIN BYPASSRLS  owns every object; runs migrations, data migrations
--                                       and materialized-view refreshes.
--   chatdb_system    NOLOGIN BYPASSRLS  DML only: pre-login and cross-user work (Auth.js
--                                       lookups, webhooks, referral redemption, quota resets,
--                                       COPY imports).
--   chatdb_app       NOLOGIN            DML only, row-level security applies: work on behalf
--                                       of one signed-in (or anonymous) user.
--
-- The login role running this file (CURRENT_USER, the role of DATABASE_URL) becomes a member
-- of all three, so it can `SET [LOCAL] ROLE` to each one. Attributes such as BYPASSRLS are not
-- inherited through membership: only SET ROLE grants them.
--
-- Only version-neutral syntax (PostgreSQL 15 and 16): no `GRANT ... WITH SET TRUE`.
--
-- Concurrency: the whole file is one transaction. Runs against the same database queue on
-- a transaction advisory lock (catalog rows such as the schema's ACL would otherwise be
-- updated twice at once: "tuple concurrently updated"). Runs against different databases of
-- one cluster meet only at the cluster-wide roles and memberships, where the loser of a race
-- gets duplicate_object / unique_violation, which means "already there".

BEGIN;
DO $lock$ BEGIN PERFORM pg_advisory_xact_lock(hashtext('chatdb: db/roles.sql')); END $lock$;

-- 1. The three roles, with exactly these attributes. A concurrent run may create a role
--    between our check and our CREATE: that surfaces as duplicate_object or unique_violation
--    and means the role now exists, which is what we wanted.
DO $roles$
DECLARE
    spec record;
BEGIN
    FOR spec IN
        SELECT *
        FROM (VALUES
            ('chatdb_migrator', true),
            ('chatdb_system', true),
            ('chatdb_app', false)
        ) AS wanted (rolname, bypassrls)
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = spec.rolname) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN %s', spec.rolname,
                               CASE WHEN spec.bypassrls THEN 'BYPASSRLS' ELSE 'NOBYPASSRLS' END);
            EXCEPTION
                WHEN duplicate_object OR unique_violation THEN
                    NULL;  -- created by a concurrent run
            END;
        END IF;
        -- Correct drifted attributes only when they differ (an unconditional ALTER ROLE from
        -- two concurrent runs can fail with "tuple concurrently updated").
        IF EXISTS (
            SELECT 1 FROM pg_catalog.pg_roles
            WHERE rolname = spec.rolname
              AND (rolbypassrls IS DISTINCT FROM spec.bypassrls OR rolcanlogin OR rolsuper)
        ) THEN
            EXECUTE format('ALTER ROLE %I NOLOGIN NOSUPERUSER %s', spec.rolname,
                           CASE WHEN spec.bypassrls THEN 'BYPASSRLS' ELSE 'NOBYPASSRLS' END);
        END IF;
    END LOOP;
END
$roles$;

-- 2. The login role may SET ROLE to each of them. Plain `GRANT role TO member` means
--    "may SET ROLE" on both 15 and 16 (16's default SET option is TRUE).
DO $membership$
DECLARE
    target text;
BEGIN
    FOREACH target IN ARRAY ARRAY['chatdb_migrator', 'chatdb_system', 'chatdb_app'] LOOP
        -- Checked in the catalog, not with pg_has_role (always true for a superuser).
        IF NOT EXISTS (
               SELECT 1
               FROM pg_catalog.pg_auth_members AS m
               JOIN pg_catalog.pg_roles AS r ON r.oid = m.roleid
               JOIN pg_catalog.pg_roles AS u ON u.oid = m.member
               WHERE r.rolname = target AND u.rolname = current_user
           ) THEN
            BEGIN
                EXECUTE format('GRANT %I TO %I', target, current_user);
            EXCEPTION
                WHEN duplicate_object OR unique_violation THEN
                    NULL;  -- granted by a concurrent run
            END;
        END IF;
    END LOOP;
END
$membership$;

-- 3. Per database: the migrator owns the public schema (on PostgreSQL 15+ nobody else may
--    create in it), and the runtime roles may use it. Nobody else may create objects there.
DO $schema$
BEGIN
    IF (SELECT nspowner::regrole::text FROM pg_catalog.pg_namespace WHERE nspname = 'public')
       IS DISTINCT FROM 'chatdb_migrator' THEN
        ALTER SCHEMA public OWNER TO chatdb_migrator;
    END IF;
END
$schema$;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO chatdb_app, chatdb_system;

COMMIT;
