"""The migration chain through dbmate as chatdb_migrator: up, down one by one to empty, up
again to an identical schema; the data migration reversed by dbmate; roles.sql idempotent
and safe to run concurrently."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from chatdb_tools import migrations

from .helpers import one


def schema_objects(conn: psycopg.Connection) -> int:
    return int(
        one(
            conn,
            """
        SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relname NOT LIKE 'schema_migrations%%')
             + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = 'public')
             + (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'c') AND t.typrelid = 0)
    """,
        )
    )


def test_up_down_to_empty_and_up_again_gives_the_same_schema(server_url: str) -> None:
    files = sorted(migrations.migrations_dir().glob("*.sql"))
    with migrations.scratch_database(server_url, prefix="chatdb_roundtrip") as url:
        migrations.apply_roles(url)
        migrations.run_dbmate(url, ["up"], capture=True)
        first = migrations.dump_schema(url)

        # A companion saved in the new config shape, then the data migration rolled back by
        # dbmate (it sits under the analytics and index migrations).
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SET chatdb.signup_credits = '0'")
            user = one(conn, "INSERT INTO users (email) VALUES ('a@example.com') RETURNING id")
            companion = one(
                conn,
                "INSERT INTO companions (user_id, name, tool_config) "
                'VALUES (%s, \'c\', \'{"approval": {"mode": "auto"}}\') RETURNING id',
                (user,),
            )
        data_migration = next(
            i for i, f in enumerate(files) if "companion_tool_approval_config" in f.name
        )
        for _ in range(len(files) - data_migration):
            migrations.run_dbmate(url, ["rollback"], capture=True)
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT tool_config, version FROM companions WHERE id = %s", (companion,)
            ).fetchone()
            assert row == ({"auto_approve": True}, 2)

        for _ in range(data_migration):
            migrations.run_dbmate(url, ["rollback"], capture=True)
        with psycopg.connect(url) as conn:
            assert schema_objects(conn) == 0
            assert one(conn, "SELECT count(*) FROM schema_migrations") == 0

        migrations.run_dbmate(url, ["up"], capture=True)
        assert migrations.dump_schema(url) == first


def run_concurrently(actions: list[Callable[[], None]]) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(len(actions))

    def run(action: Callable[[], None]) -> None:
        start.wait()
        try:
            action()
        except BaseException as exc:  # collected and asserted by the caller
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_roles_sql_creates_the_roles_once_when_runs_race_on_several_databases(
    server_url: str,
) -> None:
    # The real file with its three role names made unique to this test, applied at the same
    # time to four fresh databases: every run succeeds and the roles exist once.
    prefix = f"chatdb_rolestest{os.getpid()}"
    text = re.sub(
        r"\bchatdb_(migrator|system|app)\b", rf"{prefix}_\1", migrations.roles_file().read_text()
    )
    roles = [f"{prefix}_{name}" for name in ("migrator", "system", "app")]
    with (
        migrations.scratch_database(server_url, prefix="chatdb_roles_a") as a,
        migrations.scratch_database(server_url, prefix="chatdb_roles_b") as b,
        migrations.scratch_database(server_url, prefix="chatdb_roles_c") as c,
        migrations.scratch_database(server_url, prefix="chatdb_roles_d") as d,
    ):
        # Connected first, so the four scripts really start together (the race is real:
        # without the duplicate_object / unique_violation handlers three of them fail).
        connections = [psycopg.connect(url, autocommit=True) for url in (a, b, c, d)]
        try:

            def apply(conn: psycopg.Connection) -> Callable[[], None]:
                def run() -> None:
                    conn.execute(text.encode())

                return run

            assert run_concurrently([apply(conn) for conn in connections]) == []
            with psycopg.connect(a) as conn:
                rows = conn.execute(
                    "SELECT rolname, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = ANY(%s) ORDER BY 1",
                    (roles,),
                ).fetchall()
                assert rows == sorted(
                    [(roles[0], True, False), (roles[1], True, False), (roles[2], False, False)]
                )
                assert (
                    one(
                        conn,
                        "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public'",
                    )
                    == roles[0]
                )
                members = one(
                    conn,
                    "SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
                    "WHERE r.rolname = ANY(%s) AND m.member = (SELECT oid FROM pg_roles WHERE rolname = current_user)",
                    (roles,),
                )
                assert members == 3
        finally:
            for connection in connections:
                connection.close()
            for url in (a, b, c, d):
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute("ALTER SCHEMA public OWNER TO pg_database_owner")
                    for role in roles:
                        conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
    with psycopg.connect(server_url, autocommit=True) as conn:
        for role in roles:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def test_roles_sql_is_idempotent_and_safe_to_rerun_concurrently(db_url: str) -> None:
    migrations.apply_roles(db_url)
    assert run_concurrently([lambda: migrations.apply_roles(db_url)] * 4) == []
    with psycopg.connect(db_url) as conn:
        assert (
            one(conn, "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public'")
            == "chatdb_migrator"
        )
        assert one(conn, "SELECT has_schema_privilege('chatdb_app', 'public', 'CREATE')") is False
        assert one(conn, "SELECT has_schema_privilege('chatdb_app', 'public', 'USAGE')") is True


# -- the shadow check that guards `chatdb migrate` ------------------------------------------------


def test_shadow_check_accepts_the_committed_dump_on_the_server_under_test(server_url: str) -> None:
    # The dump is committed from PostgreSQL 16; on 15 views print differently, and the check
    # must still see the same schema (CI runs this on both).
    assert migrations.check_shadow(server_url) is None


def test_shadow_check_reports_a_schema_the_migrations_do_not_build(
    server_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    committed = migrations.schema_file().read_text()
    line = next(x for x in committed.splitlines() if x.startswith("CREATE INDEX messages_"))
    tampered = tmp_path / "schema.sql"
    tampered.write_text(committed.replace(line + "\n", ""))
    monkeypatch.setattr(migrations, "schema_file", lambda: tampered)

    diff = migrations.check_shadow(server_url)

    assert diff is not None
    assert line.split(" USING ")[0].removeprefix("CREATE INDEX ") in diff


def test_chatdb_migrate_succeeds_on_an_empty_database_and_again_when_up_to_date(
    server_url: str,
) -> None:
    with migrations.scratch_database(server_url, prefix="chatdb_migrate_cli") as url:
        env = {**os.environ, "DATABASE_URL": url}
        for _ in range(2):
            result = subprocess.run(
                [sys.executable, "-m", "chatdb_tools", "migrate"],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            assert result.returncode == 0, result.stderr
        with psycopg.connect(url) as conn:
            applied = one(conn, "SELECT count(*) FROM schema_migrations")
        assert applied == len(list(migrations.migrations_dir().glob("*.sql")))
