"""`make demo`'s scenario and the CLI commands around the schema, run for real."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from chatdb import Database
from chatdb_tools.cli.demo import run_demo
from chatdb_tools.cli.seed import seed
from support.logins import logins


def run_cli(url: str, *args: str, system_url: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    if system_url:
        env["DATABASE_SYSTEM_URL"] = system_url
    return subprocess.run(
        [sys.executable, "-m", "chatdb_tools", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_demo_scenario_runs_end_to_end(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with Database(**logins(db_url), pool_min_size=0, pool_max_size=2) as db:
        run_demo(db)
    out = capsys.readouterr().out
    assert "a retried send returned the same message: True" in out
    assert "InsufficientCredits (users_credit_balance_nonnegative_check)" in out
    assert "Bob reads Ada's private chat: None" in out
    assert "anonymous write refused: PermissionDenied" in out
    assert "second redemption refused: AlreadyReferred" in out
    assert "delivery 2: applied=False" in out
    # issue 7's "Done when": JSON statement logs, a real retry, who runs the transaction,
    # and read routing / PgBouncer said as configured.
    logs = [
        json.loads(line.strip()) for line in out.splitlines() if line.strip().startswith('{"time"')
    ]
    assert logs and all(log["logger"] == "chatdb.sql" for log in logs)
    assert logs[0]["query"] == "CreateChat" and logs[0]["event"] == "statement"
    assert all(log["role"] == "chatdb_app" and log["success"] for log in logs)
    assert "Kyoto" not in json.dumps(logs)  # parameter values never logged
    assert "attempts: 2; retried 1 time(s) after SerializationFailure" in out
    assert "as_user(Ada): role chatdb_app, app.user_id Ada" in out
    assert "anonymous(): role chatdb_app, app.user_id -" in out
    assert "system(): role chatdb_system, app.user_id -" in out
    assert "no replica configured (DATABASE_REPLICA_URLS)" in out
    assert "PgBouncer mode off (DB_PGBOUNCER)" in out


def test_seed_writes_what_it_reports(db_url: str) -> None:
    counts = seed(db_url, n_users=3, chats_per_user=2, messages_per_chat=5)
    assert counts == {"users": 3, "chats": 6, "messages": 30}
    import psycopg

    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM messages").fetchone() == (30,)
        assert conn.execute("SELECT count(*) FROM chats").fetchone() == (6,)
        # Chats carry their own history: opened before their first message, last active at
        # their last one, so ListChatsByUser pages through distinct times, not one tie.
        stale = conn.execute(
            """SELECT count(*) FROM chats AS c
               WHERE c.updated_at <> (SELECT max(created_at) FROM messages WHERE chat_id = c.id)
                  OR c.created_at > (SELECT min(created_at) FROM messages WHERE chat_id = c.id)"""
        ).fetchone()
        assert stale == (0,)
        distinct = conn.execute("SELECT count(DISTINCT updated_at) FROM chats").fetchone()
        assert distinct == (6,)


@pytest.mark.parametrize("value", ["-1", "ten", "2000000"])
def test_seed_refuses_a_count_out_of_range(db_url: str, value: str) -> None:
    result = run_cli(db_url, "seed", "--users", value)
    assert result.returncode == 2
    assert "--users" in result.stderr and "Traceback" not in result.stderr


def test_doctor_reports_a_healthy_migrated_database_as_json(db_url: str) -> None:
    urls = logins(db_url)
    result = run_cli(urls["url"], "--json", "doctor", system_url=urls["system_url"])
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["problems"] == []
    assert report["foreign_keys_without_index"] == []
    assert {r["role"] for r in report["roles"]} == {
        "chatdb_app",
        "chatdb_migrator",
        "chatdb_system",
    }
    assert all(r["enabled"] and r["forced"] for r in report["rls"])


def test_maintain_creates_partitions_ahead(db_url: str) -> None:
    result = run_cli(db_url, "--json", "maintain", "--months-ahead", "14")
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)["created"]
    assert created  # at least the months beyond the migration's initial ones
    assert all(name.startswith("usage_logs_y") for name in created)


def test_refresh_stats_and_watch(db_url: str) -> None:
    assert run_cli(db_url, "refresh-stats").returncode == 0
    result = run_cli(
        db_url, "--json", "watch", "SELECT 41 + 1 AS answer", "--every", "0.1", "--count", "2"
    )
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["rows"] for line in lines] == [[{"answer": 42}], [{"answer": 42}]]


def test_make_demo_writes_no_tracked_file() -> None:
    # `chatdb migrate` on the embedded server rewrites db/schema/schema.sql unless told not to.
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    dry = subprocess.run(
        ["make", "-n", "demo"], cwd=root, capture_output=True, text=True, timeout=60, check=True
    )
    migrate = [
        line
        for line in dry.stdout.splitlines()
        if line.strip().endswith(" migrate") or " migrate " in line
    ]
    assert migrate and all("--no-write-schema" in line for line in migrate)
