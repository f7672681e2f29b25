"""Run a command with the tests' application connections going through PgBouncer.

    python tests/support/pgbouncer_leg.py .venv/bin/pytest tests/queries tests/flows

Starts Debian's PgBouncer (transaction pooling, on a free loopback port) in front of the
server under test (DATABASE_URL, else the embedded one), runs the command with
CHATDB_TEST_PGBOUNCER_URL naming it, and stops PgBouncer. `tests/conftest.py` then clones the
migrated template on the server directly (provisioning needs a session) and hands the tests
a `database` whose every connection goes through PgBouncer. `make test-pgbouncer` and the
PgBouncer leg of `.ci/run` use it: the same suites, run again, instead of a pytest nested in
a test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `support` as in pytest

from chatdb import dburl
from chatdb_tools import target
from support.servers import PGBOUNCER_MISSING, TempPgBouncer, pgbouncer_available

# As many server connections as the suite's `database` pool may hold, so tests that run
# concurrent transactions do not queue behind each other in PgBouncer.
POOL_SIZE = 10


def main(command: list[str]) -> int:
    if not command:
        print("usage: pgbouncer_leg.py COMMAND [ARGS...]", file=sys.stderr)
        return 2
    if not pgbouncer_available():
        print(f"pgbouncer_leg: skipped: {PGBOUNCER_MISSING}", file=sys.stderr)
        return 0
    server = target.resolve().url
    with TempPgBouncer(server, pool_mode="transaction", pool_size=POOL_SIZE) as pgbouncer:
        url = pgbouncer.url(dburl.database_name(server))
        print(f"pgbouncer_leg: application connections through {url} (transaction mode)")
        env = {**os.environ, "CHATDB_TEST_PGBOUNCER_URL": url}
        return subprocess.run(command, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
