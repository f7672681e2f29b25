"""The chatdb command as deploys and operators run it: concurrent migrations, fast and
one-line failures, --json everywhere."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import psycopg
import pytest

from chatdb import migrations


def cli(*args: str, url: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chatdb", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": url},
        timeout=timeout,
    )


@pytest.fixture
def empty_db(server_url: str) -> Iterator[str]:
    with migrations.scratch_database(server_url, prefix="chatdb_empty") as url:
        yield url


def test_two_concurrent_migrate_runs_both_succeed_without_deadlock(empty_db: str) -> None:
    command = [sys.executable, "-m", "chatdb", "migrate", "--no-shadow-check"]
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
