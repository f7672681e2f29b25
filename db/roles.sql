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
-- The application runs on two LOGIN roles, neither superuser nor BYPASSRLS:
--
--   chatdb_app_login     member of chatdb_app only: user-scoped and anonymous transactions
--                        (DATABASE_URL). SQL it runs can never SET ROLE to chatdb_system.
--   chatdb_system_login  member of chatdb_system only: system transactions
--                        (DATABASE_SYSTEM_URL).
--
-- Both are NOINHERIT and start every session as their one role (ALTER ROLE ... SET role), so
-- `RESET ROLE` lands on that role and `SET ROLE NONE` on a login that holds no privilege.
-- No password is set here: give one with `ALTER ROLE chatdb_app_login PASSWORD '...'` (or
-- use certificate / peer authentication); a rerun never touches it.
--
-- The login role running this file (CURRENT_USER, the privileged provisioner) becomes a
-- member of all three NOLOGIN roles, so one privileged URL still serves development and
-- migrations. Attributes such as BYPASSRLS are not inherited through membership: only SET
-- ROLE grants them.
--
-- Per database: nobody but superusers may create temporary objects (a temp table named like
-- an application table would shadow it for every later borrower of a pooled connection).
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

-- 4. The two application logins (see the header). Created without a password; attributes
--    and memberships corrected when they drifted, the password left alone.
DO $logins$
DECLARE
    spec record;
    stray text;
BEGIN
    FOR spec IN
        SELECT *
        FROM (VALUES
            ('chatdb_app_login', 'chatdb_app'),
            ('chatdb_system_login', 'chatdb_system')
        ) AS wanted (rolname, member_of)
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = spec.rolname) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I LOGIN NOINHERIT', spec.rolname);
            EXCEPTION
                WHEN duplicate_object OR unique_violation THEN
                    NULL;  -- created by a concurrent run
            END;
        END IF;
        IF EXISTS (
            SELECT 1 FROM pg_catalog.pg_roles
            WHERE rolname = spec.rolname
              AND (rolsuper OR rolbypassrls OR rolcreaterole OR rolcreatedb OR rolreplication
                   OR rolinherit OR NOT rolcanlogin)
        ) THEN
            EXECUTE format('ALTER ROLE %I LOGIN NOINHERIT NOSUPERUSER NOBYPASSRLS NOCREATEROLE '
                           'NOCREATEDB NOREPLICATION', spec.rolname);
        END IF;
        IF NOT EXISTS (
               SELECT 1
               FROM pg_catalog.pg_auth_members AS m
               JOIN pg_catalog.pg_roles AS r ON r.oid = m.roleid
               JOIN pg_catalog.pg_roles AS u ON u.oid = m.member
               WHERE r.rolname = spec.member_of AND u.rolname = spec.rolname
           ) THEN
            BEGIN
                EXECUTE format('GRANT %I TO %I', spec.member_of, spec.rolname);
            EXCEPTION
                WHEN duplicate_object OR unique_violation THEN
                    NULL;  -- granted by a concurrent run
            END;
        END IF;
        -- Any other membership (granted by hand) would let its SQL reach another role.
        FOR stray IN
            SELECT r.rolname
            FROM pg_catalog.pg_auth_members AS m
            JOIN pg_catalog.pg_roles AS r ON r.oid = m.roleid
            JOIN pg_catalog.pg_roles AS u ON u.oid = m.member
            WHERE u.rolname = spec.rolname AND r.rolname <> spec.member_of
        LOOP
            EXECUTE format('REVOKE %I FROM %I', stray, spec.rolname);
        END LOOP;
        -- Sessions start as the one role: RESET ROLE returns to it, not to the bare login.
        IF NOT EXISTS (
               SELECT 1
               FROM pg_catalog.pg_db_role_setting AS s
               JOIN pg_catalog.pg_roles AS u ON u.oid = s.setrole
               WHERE s.setdatabase = 0 AND u.rolname = spec.rolname
                 AND format('role=%s', spec.member_of) = ANY (s.setconfig)
           ) THEN
            BEGIN
                EXECUTE format('ALTER ROLE %I SET role = %L', spec.rolname, spec.member_of);
            EXCEPTION
                WHEN unique_violation THEN
                    NULL;  -- set by a concurrent run
            END;
        END IF;
    END LOOP;
END
$logins$;

-- 5. No temporary objects for the runtime roles and logins (PUBLIC holds TEMPORARY on every
--    new database by default; superusers keep it regardless). The migrator keeps it: REFRESH
--    MATERIALIZED VIEW CONCURRENTLY builds its diff in a temporary table, as the view's owner.
DO $temp$
BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC, chatdb_app, chatdb_system, '
                   'chatdb_app_login, chatdb_system_login', current_database());
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO chatdb_migrator', current_database());
END
$temp$;

COMMIT;
