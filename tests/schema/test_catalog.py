"""Properties of the whole schema, proved from pg_catalog: indexes, names, ownership, RLS,
comments, privileges."""

from __future__ import annotations

import re

import psycopg

from .helpers import APP, MIGRATOR, SYSTEM, one

# Tables whose rows belong to nobody in particular are still RLS-protected (defence in
# depth); the dbmate bookkeeping table is the one exception.
NOT_RLS = {"schema_migrations"}

# Columns whose meaning is obvious from their name alone need no COMMENT.
OBVIOUS_COLUMNS = {
    "id",
    "created_at",
    "updated_at",
    "user_id",
    "chat_id",
    "message_id",
    "companion_id",
    "group_chat_id",
    "title",
    "description",
    "provider",
    "model",
}


def test_every_foreign_key_is_covered_by_an_index_on_its_leading_columns(
    conn: psycopg.Connection,
) -> None:
    uncovered = conn.execute(
        """
        SELECT c.conrelid::regclass::text, c.conname
        FROM pg_constraint AS c
        JOIN pg_namespace AS n ON n.oid = c.connamespace
        WHERE c.contype = 'f' AND n.nspname = 'public'
          AND NOT EXISTS (
              SELECT 1
              FROM pg_index AS i
              WHERE i.indrelid = c.conrelid
                AND i.indpred IS NULL
                AND (
                    SELECT array_agg(k ORDER BY k)
                    FROM unnest((i.indkey::int2[])[0:cardinality(c.conkey) - 1]) AS k
                ) = (SELECT array_agg(k ORDER BY k) FROM unnest(c.conkey) AS k)
          )
        ORDER BY 1, 2
        """
    ).fetchall()
    assert uncovered == []
    # The check is not vacuous: there are many foreign keys, including on partitions.
    assert one(conn, "SELECT count(*) FROM pg_constraint WHERE contype = 'f'") > 40


def test_constraint_names_are_systematic(conn: psycopg.Connection) -> None:
    rows = conn.execute(
        """
        SELECT cl.relname, c.conname, c.contype
        FROM pg_constraint AS c
        JOIN pg_class AS cl ON cl.oid = c.conrelid
        JOIN pg_namespace AS n ON n.oid = cl.relnamespace
        WHERE n.nspname = 'public' AND NOT cl.relispartition AND cl.relname <> 'schema_migrations'
        """
    ).fetchall()
    suffix = {"p": "_pkey", "u": "_key", "f": "_fkey", "c": "_check", "x": "_excl"}
    bad = [
        (table, name)
        for table, name, kind in rows
        if not (name.startswith(f"{table}_") and name.endswith(suffix[kind]))
    ]
    assert bad == []
    assert len(rows) > 150


def test_index_names_are_systematic(conn: psycopg.Connection) -> None:
    rows = conn.execute(
        """
        SELECT t.relname, i.relname
        FROM pg_index AS x
        JOIN pg_class AS i ON i.oid = x.indexrelid
        JOIN pg_class AS t ON t.oid = x.indrelid
        JOIN pg_namespace AS n ON n.oid = t.relnamespace
        WHERE n.nspname = 'public' AND NOT t.relispartition AND t.relname <> 'schema_migrations'
        """
    ).fetchall()
    bad = [
        (table, index)
        for table, index in rows
        if not (index.startswith(f"{table}_") and re.search(r"_(idx|key|pkey|excl)$", index))
    ]
    assert bad == []


def test_every_object_is_owned_by_the_migrator(conn: psycopg.Connection) -> None:
    owners = conn.execute(
        """
        SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'
        UNION SELECT DISTINCT pg_get_userbyid(proowner) FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
        UNION SELECT DISTINCT pg_get_userbyid(typowner) FROM pg_type t
        JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public'
        UNION SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public'
        """
    ).fetchall()
    assert owners == [(MIGRATOR,)]


def test_row_level_security_is_enabled_and_forced_on_every_table(conn: psycopg.Connection) -> None:
    rows = conn.execute(
        """
        SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity
        FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        """
    ).fetchall()
    unprotected = [r[0] for r in rows if r[0] not in NOT_RLS and not (r[1] and r[2])]
    assert unprotected == []
    assert len(rows) >= 33


def test_every_policy_is_for_the_app_role_and_reads_app_user_id_safely(
    conn: psycopg.Connection,
) -> None:
    policies = conn.execute(
        "SELECT tablename, policyname, roles, qual, with_check FROM pg_policies"
    ).fetchall()
    assert len(policies) > 40
    for table, name, roles, qual, check in policies:
        assert roles == [APP], (table, name)
        assert name.startswith(f"{table}_"), name
        for expression in (qual, check):
            if expression and "app.user_id" in expression:
                # Never a bare ::uuid cast of the setting: '' after a pooled transaction.
                assert "NULLIF(current_setting('app.user_id'::text, true), ''::text)" in expression


def test_user_owned_tables_have_a_policy_for_the_app(conn: psycopg.Connection) -> None:
    without = conn.execute(
        """
        SELECT c.relname FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND has_table_privilege('chatdb_app', c.oid, 'SELECT')
          AND NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)
        """
    ).fetchall()
    assert without == []


def test_every_table_view_and_non_obvious_column_has_a_comment(conn: psycopg.Connection) -> None:
    tables = conn.execute(
        """
        SELECT c.relname FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'm', 'v') AND NOT c.relispartition
          AND c.relname <> 'schema_migrations' AND obj_description(c.oid, 'pg_class') IS NULL
        """
    ).fetchall()
    assert tables == []
    columns = conn.execute(
        """
        SELECT c.relname || '.' || a.attname
        FROM pg_attribute AS a
        JOIN pg_class AS c ON c.oid = a.attrelid
        JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'm', 'v') AND NOT c.relispartition
          AND c.relname <> 'schema_migrations' AND a.attnum > 0 AND NOT a.attisdropped
          AND col_description(c.oid, a.attnum) IS NULL AND a.attname <> ALL (%s)
        ORDER BY 1
        """,
        (sorted(OBVIOUS_COLUMNS),),
    ).fetchall()
    assert columns == []
    functions = conn.execute(
        """
        SELECT p.proname FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND obj_description(p.oid, 'pg_proc') IS NULL
        """
    ).fetchall()
    assert functions == []


def test_security_definer_functions_pin_search_path_and_are_not_public(
    conn: psycopg.Connection,
) -> None:
    rows = conn.execute(
        """
        SELECT p.proname, p.proconfig, has_function_privilege('public', p.oid, 'EXECUTE')
        FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.prosecdef
        """
    ).fetchall()
    assert {r[0] for r in rows} >= {
        "is_group_member",
        "refresh_usage_daily_stats",
        "current_user_usage_daily_stats",
        "create_usage_log_partitions",
        "drop_usage_log_partitions",
        "credit_ledger_apply",
    }
    for name, config, public_can_execute in rows:
        assert any(c.startswith("search_path=") for c in config or []), name
        assert not public_can_execute, name


def test_runtime_roles_get_dml_only_and_the_app_no_secrets(conn: psycopg.Connection) -> None:
    # DML only: neither runtime role may TRUNCATE, REFERENCES or TRIGGER anything.
    extra = conn.execute(
        """
        SELECT grantee, table_name, privilege_type FROM information_schema.role_table_grants
        WHERE table_schema = 'public' AND grantee IN ('chatdb_app', 'chatdb_system')
          AND privilege_type NOT IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE')
        """
    ).fetchall()
    assert extra == []
    checks = {
        "SELECT users.password_hash": "SELECT has_column_privilege('chatdb_app', 'users', 'password_hash', 'SELECT')",
        "UPDATE users.credit_balance": "SELECT has_column_privilege('chatdb_app', 'users', 'credit_balance', 'UPDATE')",
        "UPDATE users.role": "SELECT has_column_privilege('chatdb_app', 'users', 'role', 'UPDATE')",
        "SELECT verification_tokens": "SELECT has_table_privilege('chatdb_app', 'verification_tokens', 'SELECT')",
        "SELECT webhook_events": "SELECT has_table_privilege('chatdb_app', 'webhook_events', 'SELECT')",
        "SELECT usage_daily_stats": "SELECT has_table_privilege('chatdb_app', 'usage_daily_stats', 'SELECT')",
        "UPDATE credit_ledger": "SELECT has_table_privilege('chatdb_app', 'credit_ledger', 'UPDATE')",
        "DELETE credit_ledger (system)": "SELECT has_table_privilege('chatdb_system', 'credit_ledger', 'DELETE')",
        "SELECT a partition": "SELECT has_table_privilege('chatdb_app', 'usage_logs_default', 'SELECT')",
    }
    granted = {what: one(conn, query) for what, query in checks.items()}
    assert not any(granted.values()), granted


def test_roles_have_the_documented_attributes(conn: psycopg.Connection) -> None:
    rows = {
        name: (bypass, login, superuser)
        for name, bypass, login, superuser in conn.execute(
            "SELECT rolname, rolbypassrls, rolcanlogin, rolsuper FROM pg_roles "
            "WHERE rolname IN (%s, %s, %s)",
            (MIGRATOR, SYSTEM, APP),
        )
    }
    assert rows == {
        MIGRATOR: (True, False, False),
        SYSTEM: (True, False, False),
        APP: (False, False, False),
    }


def test_generated_end_date_is_the_only_generated_column_and_is_stored(
    conn: psycopg.Connection,
) -> None:
    rows = conn.execute(
        "SELECT table_name, column_name, generation_expression FROM information_schema.columns "
        "WHERE table_schema = 'public' AND is_generated = 'ALWAYS'"
    ).fetchall()
    assert [(t, c) for t, c, _ in rows if not t.startswith("usage_logs")] == [("users", "end_date")]


def test_every_updated_at_column_is_maintained_by_the_shared_trigger(
    conn: psycopg.Connection,
) -> None:
    missing = conn.execute(
        """
        SELECT c.relname
        FROM pg_attribute AS a
        JOIN pg_class AS c ON c.oid = a.attrelid
        JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND a.attname = 'updated_at' AND NOT a.attisdropped
          AND NOT EXISTS (
              SELECT 1 FROM pg_trigger AS t
              WHERE t.tgrelid = c.oid
                AND t.tgfoid IN ('public.set_updated_at()'::regprocedure,
                                 'public.set_updated_at_on_change()'::regprocedure)
                AND t.tgname = c.relname || '_set_updated_at'
          )
        """
    ).fetchall()
    assert missing == []
    assert (
        one(
            conn,
            "SELECT count(*) FROM pg_trigger WHERE tgfoid = 'public.set_updated_at()'::regprocedure",
        )
        >= 15
    )


def test_every_view_reads_with_the_callers_rights(conn: psycopg.Connection) -> None:
    # A view runs with its owner's rights unless security_invoker is set; the owner
    # (chatdb_migrator) bypasses row-level security, so such a view would hand chatdb_app
    # every user's rows. Materialized views are kept from the app by grants instead.
    owner_rights = conn.execute(
        """
        SELECT c.relname FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'v'
          AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false)
        """
    ).fetchall()
    assert owner_rights == []
    app_readable_matviews = conn.execute(
        """
        SELECT c.relname FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'm'
          AND has_table_privilege('chatdb_app', c.oid, 'SELECT')
        """
    ).fetchall()
    assert app_readable_matviews == []


def test_no_trigger_function_is_executable_by_public(conn: psycopg.Connection) -> None:
    callable_by_anyone = conn.execute(
        """
        SELECT p.proname FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.prorettype = 'trigger'::regtype
          AND has_function_privilege('public', p.oid, 'EXECUTE')
        """
    ).fetchall()
    assert callable_by_anyone == []


def test_triggers_still_fire_for_the_app_role_without_execute(conn: psycopg.Connection) -> None:
    # EXECUTE is checked when a trigger is created, not when it fires: the app's writes still
    # run set_updated_at and the transition check.
    user = one(conn, "INSERT INTO users (email) VALUES ('trig@example.com') RETURNING id")
    chat = one(
        conn,
        "INSERT INTO chats (user_id, updated_at) VALUES (%s, now() - interval '1 day') RETURNING id",
        (user,),
    )
    conn.execute(f"SET LOCAL ROLE {APP}")
    conn.execute("SELECT set_config('app.user_id', %s, true)", (str(user),))
    conn.execute("UPDATE chats SET title = 'Renamed' WHERE id = %s", (chat,))
    fresh = one(
        conn, "SELECT updated_at > now() - interval '1 minute' FROM chats WHERE id = %s", (chat,)
    )
    assert fresh is True
