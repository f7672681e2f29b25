"""Drift, reset and the migration template: the nets around a schema that must not wander."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from chatdb_tools import migrations
from chatdb_tools.cli.db_commands import MIGRATION_TEMPLATE

from .helpers import REPO, chatdb, project_copy


@pytest.fixture
def migrated(server_url: str) -> Iterator[str]:
    with migrations.scratch_database(server_url, prefix="chatdb_nets") as url:
        assert chatdb("migrate", "--no-shadow-check", url=url).returncode == 0
        yield url


def test_schema_drift_names_a_hand_added_column_index_policy_and_grant(migrated: str) -> None:
    clean = chatdb("schema", "drift", url=migrated)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "no drift" in clean.stderr
    with psycopg.connect(migrated, autocommit=True) as conn:
        conn.execute("ALTER TABLE messages ADD COLUMN pinned_by_hand boolean")
        conn.execute("CREATE INDEX chats_title_by_hand ON chats (title)")
        conn.execute("CREATE POLICY votes_by_hand ON votes FOR SELECT TO chatdb_app USING (true)")
        conn.execute("GRANT SELECT ON webhook_events TO chatdb_app")
        conn.execute("ALTER TABLE chats DROP CONSTRAINT chats_title_check")
    found = chatdb("schema", "drift", url=migrated)
    assert found.returncode == 1
    assert (
        "+ column messages.pinned_by_hand: in the database, not in the migrations" in found.stdout
    )
    assert "+ index chats_title_by_hand:" in found.stdout
    assert "+ policy votes.votes_by_hand:" in found.stdout
    assert "+ grant webhook_events to chatdb_app:" in found.stdout
    assert "- constraint chats.chats_title_check: in the migrations, missing" in found.stdout
    as_json = json.loads(chatdb("schema", "drift", "--json", url=migrated).stdout)
    assert "column messages.pinned_by_hand" in as_json["only_in_database"]

    doctor = chatdb("doctor", "--json", url=migrated)
    assert doctor.returncode == 1
    report = json.loads(doctor.stdout)
    assert any("pinned_by_hand" in line for line in report["schema_drift"])
    assert any(p.startswith("schema drift: 5 difference(s)") for p in report["problems"])


def test_a_changed_default_shows_as_defined_differently(migrated: str) -> None:
    with psycopg.connect(migrated, autocommit=True) as conn:
        conn.execute("ALTER TABLE users ALTER COLUMN quota SET DEFAULT 7")
    found = chatdb("schema", "drift", url=migrated)
    assert found.returncode == 1
    assert found.stdout.strip() == "~ column users.quota: defined differently"


def test_db_reset_rebuilds_the_database_and_asks_first_for_a_database_url(migrated: str) -> None:
    with psycopg.connect(migrated, autocommit=True) as conn:
        conn.execute("CREATE TABLE left_over (x int)")
    refused = chatdb("db", "reset", url=migrated)
    assert refused.returncode == 2
    assert "refusing to reset" in refused.stderr and "--yes" in refused.stderr
    with psycopg.connect(migrated) as conn:
        assert conn.execute("SELECT to_regclass('left_over')").fetchone() == ("left_over",)

    reset = chatdb("db", "reset", "--yes", url=migrated)
    assert reset.returncode == 0, reset.stderr
    with psycopg.connect(migrated) as conn:
        assert conn.execute("SELECT to_regclass('left_over')").fetchone() == (None,)
    assert chatdb("status", "--exit-code", url=migrated).returncode == 0
    assert chatdb("schema", "drift", url=migrated).returncode == 0


FIRST_CHANGE = (
    "ALTER TABLE chats ADD COLUMN IF NOT EXISTS colour text;\n",
    "-- squawk-ignore ban-drop-column\nALTER TABLE chats DROP COLUMN IF EXISTS colour;\n",
)


def _squawk(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(REPO / ".venv" / "bin" / "squawk"), str(path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,  # the project's .squawk.toml
    )


def test_new_migration_writes_a_template_that_lints_and_applies(
    server_url: str, tmp_path: Path
) -> None:
    home = project_copy(tmp_path)
    made = chatdb("new-migration", "add_colour", url=None, env={"CHATDB_HOME": str(home)})
    assert made.returncode == 0, made.stderr
    (path,) = (home / "db" / "migrations").glob("*_add_colour.sql")
    assert path.read_text() == MIGRATION_TEMPLATE.format(name="add_colour")
    # As it stands, and with a first statement written into each section, squawk is content
    # (the timeouts it asks for are already there).
    assert _squawk(path).returncode == 0, _squawk(path).stdout
    up, down = path.read_text().split("-- migrate:down\n")
    path.write_text(
        up.rstrip("\n") + "\n" + FIRST_CHANGE[0] + "\n-- migrate:down\n" + down + FIRST_CHANGE[1]
    )
    assert _squawk(path).returncode == 0, _squawk(path).stdout
    # And it applies and rolls back.
    with migrations.scratch_database(server_url, prefix="chatdb_template") as url:
        migrations.apply_roles(url)
        migrations.run_dbmate(url, ["up"], capture=True, folder=path.parent)
        migrations.run_dbmate(url, ["rollback"], capture=True, folder=path.parent)
        with psycopg.connect(url) as conn:
            columns = conn.execute(
                "SELECT count(*) FROM information_schema.columns "
                "WHERE table_name = 'chats' AND column_name = 'colour'"
            ).fetchone()
        assert columns == (0,)


def test_new_migration_sorts_after_a_migration_dated_in_the_future(tmp_path: Path) -> None:
    # A teammate's clock ahead of ours must not make our migration sort (and apply, and roll
    # back) before theirs.
    home = project_copy(tmp_path)
    future = home / "db" / "migrations" / "29991231235959_from_the_future.sql"
    future.write_text("-- migrate:up\n\n-- migrate:down\n")
    made = chatdb("new-migration", "after_it", url=None, env={"CHATDB_HOME": str(home)})
    assert made.returncode == 0, made.stderr
    (path,) = (home / "db" / "migrations").glob("*_after_it.sql")
    assert path.name.startswith("30000101000000_")
