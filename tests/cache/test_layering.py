"""The cache sits beside `chatdb.flows` (STYLE.md, layers): neither the runtime nor the
generated code imports it. An AST scan of every module outside cache/, flows/ and cli/ (the
layers allowed to use the cache), relative imports resolved."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "chatdb"
ALLOWED = ("cache", "flows", "cli")  # packages (or modules) that may import chatdb.cache
FORBIDDEN = "chatdb.cache"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, *, is_package: bool) -> set[str]:
    """Every module `source` imports (absolute names; `from a import b` yields `a` and
    `a.b`), plus literal `importlib.import_module(...)` / `__import__(...)` targets."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                parent = ".".join([*base, *([node.module] if node.module else [])])
            else:
                parent = node.module or ""
            found.add(parent)
            found.update(f"{parent}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            if name in ("import_module", "__import__") and isinstance(first, ast.Constant):
                found.add(str(first.value))
    return found


def imports_cache(names: set[str]) -> bool:
    return any(name == FORBIDDEN or name.startswith(FORBIDDEN + ".") for name in names)


def checked_modules() -> list[Path]:
    paths = []
    for path in sorted(PACKAGE.rglob("*.py")):
        top = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        if top not in ALLOWED:
            paths.append(path)
    return paths


def test_neither_the_runtime_nor_the_generated_code_imports_the_cache() -> None:
    paths = checked_modules()
    assert PACKAGE / "database.py" in paths
    assert any("queries" in p.parts for p in paths), "the generated package was not scanned"
    offenders = sorted(
        str(path.relative_to(SRC))
        for path in paths
        if imports_cache(
            imported_modules(
                path.read_text(encoding="utf-8"),
                module_name(path),
                is_package=path.name == "__init__.py",
            )
        )
    )
    assert not offenders, f"modules below the cache layer import chatdb.cache: {offenders}"


def test_the_scan_sees_every_way_of_importing_the_cache() -> None:
    def seen(source: str, module: str = "chatdb.database", *, is_package: bool = False) -> bool:
        return imports_cache(imported_modules(source, module, is_package=is_package))

    assert seen("import chatdb.cache")
    assert seen("import chatdb.cache.sync as s")
    assert seen("from chatdb.cache import ReadCache")
    assert seen("from chatdb import cache")
    assert seen("from . import cache")
    assert seen("from .cache.core import Keys")
    assert seen("from ..cache import core", "chatdb.queries.chats")
    assert seen("from .. import cache", "chatdb.queries", is_package=True)
    assert seen("def f():\n    from chatdb.cache import sync")
    assert seen("import importlib\nimportlib.import_module('chatdb.cache.sync')")
    assert not seen("from chatdb import errors, database")
    assert not seen("from . import cached_things")
    assert not seen("import chatdb.cachet")
