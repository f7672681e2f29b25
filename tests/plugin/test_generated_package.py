"""chatdb's own generated package follows the API v2 rules (issue 17): no private names used
across modules, iter_* only where a query asks for streaming, every function described, and
no `assert ... is not None` after a generated call in the demo and the flows."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import chatdb.queries
from chatdb.queries import support

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(chatdb.queries.__file__).parent
MODULES = {p.stem for p in PACKAGE.rglob("*.py")} | {"support", "models", "enums"}


def test_no_module_uses_another_modules_private_names() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in MODULES
            ):
                assert not node.attr.startswith("_"), f"{path.name}: {node.value.id}.{node.attr}"


def test_every_public_function_is_described_and_streams_only_when_asked() -> None:
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(chatdb.queries.__path__):
        if info.name in ("models", "enums", "support", "aio"):
            continue
        module = importlib.import_module(f"chatdb.queries.{info.name}")
        for name, fn in vars(module).items():
            if not callable(fn) or getattr(fn, "__module__", "") != module.__name__:
                continue
            if name.startswith("_") or isinstance(fn, type):
                continue
            query = support.query_of(fn)
            assert query is not None, f"{info.name}.{name} has no metadata"
            if name.startswith("iter_"):
                assert query.annotation("stream") is not None, f"{info.name}.{name}"


def test_demo_and_flows_do_not_assert_generated_results_exist() -> None:
    demo = sorted((ROOT / "src").rglob("cli/demo.py"))
    assert demo, "the demo moved: point this test at it"
    paths = [*demo, *sorted((ROOT / "src/chatdb/flows").rglob("*.py"))]
    called: set[str] = set()
    for path in paths:
        text = path.read_text()
        for match in re.finditer(r"(\w+) = (?:await )?\w+\.\w+\(\s*conn", text):
            called.add(match.group(1))
        for match in re.finditer(r"assert (\w+) is not None", text):
            assert match.group(1) not in called, f"{path.name}: assert {match.group(1)} is not None"
