"""The chatdb command as deploys and operators run it: concurrent migrations, fast and
one-line failures, --json everywhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from chatdb import dburl
from chatdb.config import load_settings
from chatdb.errors import ConfigError
from chatdb_tools import migrations
from support.logins import login_url, logins


def cli(
    *args: str, url: str, timeout: float = 180, system_url: str = ""
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "DATABASE_SYSTEM_URL": system_url}
    if not system_url:
        env.pop("DATABASE_SYSTEM_URL")
    return subprocess.run(
        [sys.executable, "-m", "chatdb_tools", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


@pytest.fixture
def empty_db(server_url: str) -> Iterator[str]:
    with migrations.scratch_database(server_url, prefix="chatdb_empty") as url:
        yield url


def test_two_concurrent_migrate_runs_both_succeed_without_deadlock(empty_db: str) -> None:
    command = [sys.executable, "-m", "chatdb_tools", "migrate", "--no-shadow-check"]
    env = {**os.environ, "DATABASE_URL": empty_db}
    runs = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    try:
        results = [run.communicate(timeout=60) for run in runs]
    finally:
        for run in runs:
            if run.poll() is None:
                run.kill()
    for run, (_, err) in zip(runs, results, strict=True):
        assert run.returncode == 0, err
    expected = {p.name.split("_", 1)[0] for p in migrations.migrations_dir().glob("*.sql")}
    with psycopg.connect(empty_db) as conn:
        applied = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
        invalid = conn.execute(
            "SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid"
        ).fetchall()
    assert applied == expected
    assert invalid == []


def test_a_held_migration_lock_times_out_with_a_clear_error(empty_db: str) -> None:
    with migrations.migration_lock(empty_db):
        with pytest.raises(migrations.DatabaseUnavailable, match="migration lock"):
            with migrations.migration_lock(empty_db, timeout_s=0.3, poll_s=0.05):
                pass
    with migrations.migration_lock(empty_db, timeout_s=0.3):  # released: taken at once
        pass


# -- fast, one-line failures ----------------------------------------------------------------

REFUSED = "postgresql://nobody@127.0.0.1:1/x"


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The command failed with exit 2 and exactly one `chatdb: error:` line, no traceback."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert all(line.startswith("chatdb: ") for line in lines), result.stderr
    errors = [line for line in lines if line.startswith("chatdb: error: ")]
    assert len(errors) == 1, result.stderr
    return errors[0]


@pytest.mark.parametrize(
    "command",
    [
        ("status",),
        ("doctor",),
        ("seed", "--users", "1"),
        ("maintain",),
        ("refresh-stats",),
        ("demo",),
        ("rollback",),
    ],
)
def test_a_refused_server_fails_fast_with_the_cause_and_a_fitting_fix(
    command: tuple[str, ...],
) -> None:

    started = time.monotonic()
    result = cli(*command, url=REFUSED, timeout=60)
    elapsed = time.monotonic() - started
    line = one_line_error(result)
    assert "cannot connect to postgresql://nobody@127.0.0.1:1/x" in line
    assert "connection refused" in line.lower()
    assert "start the server" in line
    assert "fix the migration" not in line
    assert "no database connection free" not in line
    assert elapsed < 15  # not dbmate's --wait or DB_POOL_TIMEOUT_S (30 s each)


def test_a_malformed_url_is_a_one_line_config_error() -> None:
    line = one_line_error(cli("status", url="postgresql://x@[::1"))
    assert "DATABASE_URL is malformed" in line


def test_a_blank_database_url_is_an_error_naming_it_not_the_embedded_server() -> None:
    result = cli("db", "url", url="   ")
    line = one_line_error(result)
    assert "DATABASE_URL" in line and "blank" in line
    assert "embedded" not in result.stderr


# -- configuration ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value"),
    [("DB_POOL_MAX_SIZE", "abc"), ("LOG_FORMAT", "xml"), ("CHATDB_ENCRYPTION_KEYS", "1:c2hvcnQ=")],
)
def test_the_cli_validates_every_variable_before_running(
    db_url: str, variable: str, value: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "chatdb_tools", "refresh-stats"],
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": db_url, variable: value},
        timeout=60,
    )
    assert variable in one_line_error(result)


def test_unknown_setting_overrides_are_rejected() -> None:

    with pytest.raises(ConfigError, match=r"unknown setting.*pool_max"):
        load_settings(pool_max=3)
    assert load_settings(pool_max_size=3).pool_max_size == 3
    assert load_settings(DB_POOL_MAX_SIZE=4).pool_max_size == 4  # the variable name works too


def test_an_override_does_not_hide_a_bad_environment_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:

    monkeypatch.setenv("DB_POOL_MAX_SIZE", "abc")
    with pytest.raises(ConfigError, match="DB_POOL_MAX_SIZE"):
        load_settings(pool_min_size=0, pool_max_size=1)


def test_a_malformed_key_ring_fails_at_start_up(monkeypatch: pytest.MonkeyPatch) -> None:

    monkeypatch.setenv("CHATDB_ENCRYPTION_KEYS", "1:not-base64!")
    with pytest.raises(ConfigError, match="CHATDB_ENCRYPTION_KEYS"):
        load_settings()


# -- doctor -----------------------------------------------------------------------------------


def doctor(url: str, *, as_logins: bool = True) -> tuple[int, dict[str, object]]:
    """`chatdb doctor --json` as the application runs it: on its two logins (by default)."""
    urls = logins(url) if as_logins else {"url": url}
    result = cli("doctor", "--json", **urls)
    assert "Traceback" not in result.stderr
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def test_doctor_reports_grants_rls_and_settings_that_depart_from_the_role_model(
    db_url: str,
) -> None:

    name = dburl.database_name(db_url)
    with psycopg.connect(db_url, autocommit=True) as admin:
        admin.execute(
            "GRANT TRUNCATE ON chats TO chatdb_app;"
            "GRANT SELECT ON webhook_events TO chatdb_app;"
            "GRANT SELECT ON users TO chatdb_app;"
            "REVOKE DELETE ON messages FROM chatdb_system;"
            "GRANT UPDATE ON credit_ledger TO chatdb_system;"
            "ALTER TABLE votes DISABLE ROW LEVEL SECURITY;"
        )
        admin.execute(
            sql.SQL("ALTER DATABASE {} SET statement_timeout = 0").format(sql.Identifier(name))
        )
    code, report = doctor(db_url)
    assert code == 1
    problems = report["problems"]
    assert isinstance(problems, list)
    for expected in (
        "chatdb_app has TRUNCATE on chats",
        "chatdb_app has privileges on webhook_events (system-only)",
        "chatdb_app has table-wide SELECT on users",
        "chatdb_system is missing DELETE on messages",
        "chatdb_system may UPDATE/DELETE append-only credit_ledger",
        "RLS disabled on: votes",
    ):
        assert any(expected in p for p in problems), (expected, problems)
    warnings = report["warnings"]
    assert isinstance(warnings, list)
    assert any(w.startswith("statement_timeout is 0") for w in warnings)


def test_doctor_is_quiet_about_statement_timeout_set_on_the_database(db_url: str) -> None:

    name = sql.Identifier(dburl.database_name(db_url))
    with psycopg.connect(db_url, autocommit=True) as admin:
        admin.execute(sql.SQL("ALTER DATABASE {} SET statement_timeout = '30s'").format(name))
    code, report = doctor(db_url)
    assert code == 0, report["problems"]
    assert not any("statement_timeout" in str(w) for w in report["warnings"])  # type: ignore[attr-defined]


def test_doctor_reports_a_login_that_cannot_use_the_roles_instead_of_dying(
    server_url: str, empty_db: str
) -> None:

    login = "chatdb_doctor_probe"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(login)))
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(login)))
    try:
        parts = urlsplit(empty_db)
        host = parts.netloc.rsplit("@", 1)[-1]
        url = urlunsplit(parts._replace(netloc=f"{login}@{host}"))
        code, report = doctor(url, as_logins=False)
        assert code == 1
        problems = [str(p) for p in report["problems"]]  # type: ignore[attr-defined]
        assert any("cannot SET ROLE to chatdb_app" in p for p in problems), problems
        assert any("pending migration" in p for p in problems), problems
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(login)))
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(login)))


@pytest.mark.parametrize("attribute", ["SUPERUSER", "BYPASSRLS"])
@pytest.mark.parametrize("which", ["one login", "user login", "system login"])
def test_doctor_fails_on_an_application_login_that_escapes_row_level_security(
    server_url: str, db_url: str, attribute: str, which: str
) -> None:
    login = f"chatdb_doctor_{attribute.lower()}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(login)))
        admin.execute(
            sql.SQL("CREATE ROLE {} LOGIN {}").format(sql.Identifier(login), sql.SQL(attribute))
        )
        for role in ("chatdb_app", "chatdb_system", "chatdb_migrator"):
            admin.execute(
                sql.SQL("GRANT {} TO {}").format(sql.Identifier(role), sql.Identifier(login))
            )
    try:
        escaping = login_url(db_url, login)
        urls = {
            "one login": {"url": escaping},
            "user login": {**logins(db_url), "url": escaping},
            "system login": {**logins(db_url), "system_url": escaping},
        }[which]
        result = cli("doctor", "--json", **urls)
        assert result.returncode == 1, result.stderr
        problems = json.loads(result.stdout)["problems"]
        wanted = "is a superuser" if attribute == "SUPERUSER" else "has BYPASSRLS"
        assert any(login in p and wanted in p for p in problems), problems
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(login)))


def test_doctor_fails_on_a_user_login_that_may_become_chatdb_system(db_url: str) -> None:
    # The old single-login model with DATABASE_SYSTEM_URL set: the user login reaches
    # chatdb_system, so SQL run for a user could leave row-level security.
    with psycopg.connect(db_url, autocommit=True) as admin:
        admin.execute("CREATE ROLE chatdb_doctor_both LOGIN")
        admin.execute("GRANT chatdb_app, chatdb_system TO chatdb_doctor_both")
    try:
        urls = {**logins(db_url), "url": login_url(db_url, "chatdb_doctor_both")}
        result = cli("doctor", "--json", **urls)
        assert result.returncode == 1, result.stderr
        problems = json.loads(result.stdout)["problems"]
        assert any("may SET ROLE chatdb_system" in p for p in problems), problems
    finally:
        with psycopg.connect(db_url, autocommit=True) as admin:
            admin.execute("DROP ROLE chatdb_doctor_both")


def test_doctor_passes_the_two_provisioned_logins(db_url: str) -> None:
    code, report = doctor(db_url)
    assert code == 0, report["problems"]
    assert report["logins"] == {
        "user": "chatdb_app_login",
        "system": "chatdb_system_login",
        "superuser": [],
        "bypassrls": [],
    }


def test_doctor_warns_of_session_defaults_a_login_set_on_itself(db_url: str) -> None:
    # Off chatdb_app (SET ROLE NONE) the login is itself, and may store defaults for its own
    # later sessions: doctor names them.
    name = sql.Identifier(dburl.database_name(db_url))
    with psycopg.connect(login_url(db_url, "chatdb_app_login"), autocommit=True) as app:
        app.execute("SET ROLE NONE")
        app.execute(
            sql.SQL("ALTER ROLE chatdb_app_login IN DATABASE {} SET lock_timeout = '1ms'").format(
                name
            )
        )
    code, report = doctor(db_url)
    assert code == 0, report["problems"]
    warnings = [str(w) for w in report["warnings"]]  # type: ignore[attr-defined]
    assert any("chatdb_app_login" in w and "lock_timeout=1ms" in w for w in warnings), warnings


# -- --json before or after the subcommand ----------------------------------------------------


def json_out(result: subprocess.CompletedProcess[str]) -> object:

    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_json_after_the_subcommand_and_json_results_for_migrate_and_rollback(
    empty_db: str,
) -> None:
    versions = migrations.migration_versions()
    migrated = json_out(cli("migrate", "--no-shadow-check", "--json", url=empty_db))
    assert migrated == {
        "applied": versions,
        "current": versions[-1],
        "schema_dump_written": None,
        "backup": None,
    }
    status = json_out(cli("status", "--json", url=empty_db))
    assert status == json_out(cli("--json", "status", url=empty_db))
    assert isinstance(status, list) and all(row["applied"] for row in status)
    assert json_out(cli("--json", "rollback", url=empty_db)) == {"rolled_back": [versions[-1]]}
    again = json_out(cli("migrate", "--no-shadow-check", "--json", url=empty_db))
    assert again == {
        "applied": [versions[-1]],
        "current": versions[-1],
        "schema_dump_written": None,
        "backup": None,
    }


def test_json_results_for_db_url_db_roles_and_refresh_stats(db_url: str) -> None:
    assert json_out(cli("db", "url", "--json", url=db_url)) == {
        "url": db_url,
        "source": "DATABASE_URL",
    }
    roles = json_out(cli("db", "roles", "--json", url=db_url))
    assert roles == {"provisioned": ["chatdb_migrator", "chatdb_system", "chatdb_app"]}
    assert json_out(cli("refresh-stats", "--json", url=db_url)) == {
        "refreshed": ["usage_daily_stats"]
    }
