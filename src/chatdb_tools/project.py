"""Where the SQL the tooling applies lives: the project's `db/`, else the copy in the wheel.

From a checkout (or with `CHATDB_HOME`) the project's own `db/` is the source of truth. An
installed wheel carries `db/migrations`, `db/roles.sql` and `db/schema/schema.sql` as package
data (`chatdb_tools/sql`, copied at build time by setup.py), so `chatdb migrate` works in a
deployment that has no checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGED_SQL = Path(__file__).parent / "sql"
# An editable install points here: src/chatdb_tools -> the checkout's db/.
SOURCE_TREE_SQL = Path(__file__).resolve().parents[2] / "db"


def _has_migrations(db: Path) -> bool:
    return (db / "migrations").is_dir()


def project_root() -> Path | None:
    """`CHATDB_HOME`, else the nearest parent of the working directory holding db/migrations."""
    if home := os.environ.get("CHATDB_HOME"):
        return Path(home).resolve()
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if _has_migrations(candidate / "db"):
            return candidate
    return None


def work_dir() -> Path:
    """The folder the development state (.data/) belongs to: the project, else the cwd."""
    return project_root() or Path.cwd().resolve()


def sql_dir() -> Path:
    """The `db/` folder in use: the project's, the wheel's copy, or the editable checkout's."""
    root = project_root()
    if root is not None:
        return root / "db"
    for candidate in (PACKAGED_SQL, SOURCE_TREE_SQL):
        if _has_migrations(candidate):
            return candidate
    return Path.cwd().resolve() / "db"


def is_checkout() -> bool:
    """Whether the SQL comes from a project folder (where the dump may be rewritten)."""
    return project_root() is not None


def display(path: Path) -> str:
    """`path` relative to the project when it lies inside, else as is (for messages)."""
    root = project_root()
    if root is not None:
        try:
            return str(path.resolve().relative_to(root))
        except ValueError:
            pass
    return str(path)
