"""Ships the SQL the tooling applies inside the wheel (pyproject.toml holds everything else).

`db/` is the source of truth at the repository root; a wheel gets a copy of its migrations,
roles.sql and the schema dump as `chatdb_tools/sql`, so `chatdb migrate` works from an
installed wheel with no checkout. Editable installs read the checkout's `db/` directly.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).parent
SHIPPED = ("roles.sql", "schema/schema.sql", "migrations/*.sql")


class BuildPyWithSql(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "chatdb_tools" / "sql"
        shutil.rmtree(target, ignore_errors=True)  # a migration removed since the last build
        for pattern in SHIPPED:
            for source in sorted((ROOT / "db").glob(pattern)):
                destination = target / source.relative_to(ROOT / "db")
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, destination)


setup(cmdclass={"build_py": BuildPyWithSql})
