"""Write the synchronous twin of every async source module, or check that it is fresh.

The asyncio modules are the only hand-written copy (like psycopg, which generates its sync
classes from the async ones). This tool parses each async source with libcst (which keeps
comments and layout) and takes the async out of it: `async def`/`with`/`for` -> plain,
`await x` -> `x`, `Awaitable[T]` -> `T`, an `if True:  # ASYNC` block -> its `else:` block
(for the few lines that differ). It renames the async names and modules to their sync
counterparts (`SYNC_NAMES`, `SYNC_MODULES`), adds a banner, and runs the project's ruff fix
and format over the result. Why libcst and not unasync/unasyncd:
docs/decisions/008-async-to-sync.md.

    python tools/async_to_sync.py            # rewrite the sync twins
    python tools/async_to_sync.py --check    # exit 1 naming every stale or orphaned twin

Pairs: every `src/chatdb/aio/<module>.py` -> `src/chatdb/<module>.py` (the runtime),
every `src/chatdb/flows/aio/<module>.py` -> `src/chatdb/flows/<module>.py`, and the files in
`PAIRS`.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import libcst as cst

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
BANNER_PREFIX = "# Generated from "
# Each directory's async modules become sync modules of the same name one level up.
AIO_DIRS = ("src/chatdb/aio", "src/chatdb/flows/aio")
# Single files whose sync twin lives elsewhere than the directory rule would put it.
PAIRS = {"src/chatdb/cache/aio.py": "src/chatdb/cache/sync.py"}

# Identifiers renamed wherever they appear (names, attributes, imported names).
SYNC_NAMES = {
    "AsyncConnection": "Connection",
    "AsyncCursor": "Cursor",
    "AsyncIterator": "Iterator",
    "AsyncIterable": "Iterable",
    "AsyncGenerator": "Generator",
    "AsyncDatabase": "Database",
    "AsyncScope": "Scope",
    "AsyncTrackingPool": "TrackingPool",
    "AsyncConnectionPool": "ConnectionPool",
    "AsyncServerCursor": "ServerCursor",
    "AsyncCopy": "Copy",
    "_AsyncCopy": "_Copy",
    "AsyncReadCache": "ReadCache",
    "AsyncCachedQuery": "CachedQuery",
    "AsyncScript": "Script",
    "StopAsyncIteration": "StopIteration",
    "asynccontextmanager": "contextmanager",
    "__aenter__": "__enter__",
    "__aexit__": "__exit__",
    "__aiter__": "__iter__",
    "__anext__": "__next__",
    "aclose": "close",
    "aioredis": "redis",
}
# Module paths (and their prefixes) renamed in imports.
SYNC_MODULES = {
    # The runtime's async sources (`chatdb/aio/<module>.py`) and their sync twins; the
    # package itself (`from chatdb.aio import AsyncDatabase`) stands for its database module.
    "chatdb.aio.database": "chatdb.database",
    "chatdb.aio.pools": "chatdb.pools",
    "chatdb.aio.cursors": "chatdb.cursors",
    "chatdb.aio.connection_setup": "chatdb.connection_setup",
    "chatdb.queries.aio": "chatdb.queries",
    "chatdb.flows.aio": "chatdb.flows",
    "chatdb.cache.aio": "chatdb.cache.sync",
    "chatdb.aio": "chatdb.database",
    "redis.asyncio": "redis",
}
# Dotted calls whose sync form lives in another module (that module must be imported).
SYNC_CALLS = {"asyncio.sleep": "time.sleep"}
_WORDS = re.compile(r"\b(" + "|".join(map(re.escape, SYNC_NAMES)) + r")\b")


def sync_module(dotted: str) -> str:
    for old, new in SYNC_MODULES.items():
        if dotted == old or dotted.startswith(old + "."):
            return new + dotted[len(old) :]
    return dotted


def sync_text(text: str) -> str:
    """Docstrings and comments: the same renames, and no `await`/`async` keywords."""
    text = re.sub(r"\bawait\s+", "", text)
    text = re.sub(r"\basync\s+(def|with|for)\b", r"\1", text)
    return _WORDS.sub(lambda m: SYNC_NAMES[m.group(1)], text)


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    raise ValueError(f"not a dotted name: {node!r}")


def _as_expr(dotted: str) -> cst.Attribute | cst.Name:
    head, _, last = dotted.rpartition(".")
    return cst.Attribute(value=_as_expr(head), attr=cst.Name(last)) if head else cst.Name(last)


def _is_async_only(node: cst.If) -> bool:
    """`if True:  # ASYNC` (psycopg's marker): the body is async-only, the `else` its sync form."""
    comment = node.body.header.comment if isinstance(node.body, cst.IndentedBlock) else None
    return (
        isinstance(node.test, cst.Name)
        and node.test.value == "True"
        and comment is not None
        and comment.value.replace(" ", "") == "#ASYNC"
    )


class Unasync(cst.CSTTransformer):
    """The async-to-sync rewrite of one module."""

    def leave_If(
        self, original_node: cst.If, updated_node: cst.If
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement] | cst.RemovalSentinel:
        if not _is_async_only(original_node):
            return updated_node
        orelse = updated_node.orelse
        if orelse is None:
            return cst.RemoveFromParent()
        if not isinstance(orelse, cst.Else) or not isinstance(orelse.body, cst.IndentedBlock):
            raise ValueError("`if True:  # ASYNC` needs a plain `else:` block (no elif)")
        return cst.FlattenSentinel(orelse.body.body)

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        return updated_node.with_changes(asynchronous=None)

    def leave_With(self, original_node: cst.With, updated_node: cst.With) -> cst.With:
        return updated_node.with_changes(asynchronous=None)

    def leave_For(self, original_node: cst.For, updated_node: cst.For) -> cst.For:
        return updated_node.with_changes(asynchronous=None)

    def leave_CompFor(self, original_node: cst.CompFor, updated_node: cst.CompFor) -> cst.CompFor:
        return updated_node.with_changes(asynchronous=None)

    def leave_Await(self, original_node: cst.Await, updated_node: cst.Await) -> cst.BaseExpression:
        # The operand of `await` is a primary expression, so `(await x)[0]` -> `x[0]` and
        # `(await x) > 0` -> `x > 0` need no parentheses.
        return updated_node.expression

    def leave_Subscript(
        self, original_node: cst.Subscript, updated_node: cst.Subscript
    ) -> cst.BaseExpression:
        # Awaitable[R] -> R (a callable's result type).
        value = updated_node.value
        name = value.value if isinstance(value, cst.Name) else None
        if isinstance(value, cst.Attribute):
            name = value.attr.value
        if name == "Awaitable" and len(updated_node.slice) == 1:
            element = updated_node.slice[0].slice
            if isinstance(element, cst.Index):
                return element.value
        return updated_node

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        try:
            dotted = _dotted(original_node)
        except ValueError:
            return updated_node
        if dotted in SYNC_CALLS:
            return _as_expr(SYNC_CALLS[dotted])
        return updated_node

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        return updated_node.with_changes(
            value=SYNC_NAMES.get(updated_node.value, updated_node.value)
        )

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom:
        if updated_node.module is None or updated_node.relative:
            return updated_node
        module = sync_module(_dotted(original_node.module))  # type: ignore[arg-type]
        return updated_node.with_changes(module=_as_expr(module))

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import) -> cst.Import:
        names = []
        for alias in updated_node.names:
            module = sync_module(_dotted(alias.name))
            asname = alias.asname
            # `import redis.asyncio as aioredis` -> `import redis`, not `import redis as redis`
            if (
                asname is not None
                and isinstance(asname.name, cst.Name)
                and asname.name.value == module
            ):
                asname = None
            names.append(alias.with_changes(name=_as_expr(module), asname=asname))
        return updated_node.with_changes(names=names)

    def leave_SimpleString(
        self, original_node: cst.SimpleString, updated_node: cst.SimpleString
    ) -> cst.SimpleString:
        if updated_node.value.startswith(('"""', "'''")):  # docstrings
            return updated_node.with_changes(value=sync_text(updated_node.value))
        quote = updated_node.value[-1]
        name = updated_node.value.strip(quote)
        if name in SYNC_NAMES and updated_node.value == f"{quote}{name}{quote}":
            # A name as a string (`__all__`, a forward reference) is renamed like the name.
            return updated_node.with_changes(value=f"{quote}{SYNC_NAMES[name]}{quote}")
        return updated_node

    def leave_Comment(self, original_node: cst.Comment, updated_node: cst.Comment) -> cst.Comment:
        return updated_node.with_changes(value=sync_text(updated_node.value))


def banner(source: Path) -> str:
    rel = source.relative_to(ROOT).as_posix()
    return (
        f"{BANNER_PREFIX}{rel} by tools/async_to_sync.py. DO NOT EDIT:\n"
        "# edit the async source, then run `make sync-twins` (also part of `make generate`).\n"
    )


def _ruff(args: Sequence[str], code: str, target: Path) -> str:
    ruff = Path(sys.executable).parent / "ruff"
    result = subprocess.run(
        [str(ruff), *args, "--quiet", f"--stdin-filename={target}", "-"],
        input=code,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if result.returncode != 0 or not result.stdout:
        raise SystemExit(f"async_to_sync: ruff {args[0]} failed on {target}:\n{result.stderr}")
    return result.stdout


def render(source: Path, target: Path) -> str:
    """The sync twin of `source`, as it should be committed at `target`."""
    tree = cst.parse_module(source.read_text(encoding="utf-8"))
    code = banner(source) + tree.visit(Unasync()).code
    code = _ruff(["check", "--fix-only", "--exit-zero"], code, target)
    return _ruff(["format"], code, target)


def pairs() -> dict[Path, Path]:
    found = {ROOT / src: ROOT / dst for src, dst in PAIRS.items()}
    for folder in AIO_DIRS:
        for source in sorted((ROOT / folder).glob("*.py")):
            if source.name != "__init__.py":
                found[source] = source.parent.parent / source.name
    return found


def orphans(known: set[Path]) -> list[Path]:
    """Files that carry the banner but whose async source is gone."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if path in known or "__pycache__" in path.parts:
            continue
        with path.open(encoding="utf-8") as f:
            if f.readline().startswith(BANNER_PREFIX):
                found.append(path)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail on a stale twin, write nothing")
    args = parser.parse_args(argv)
    todo = pairs()
    problems: list[str] = []
    for source, target in todo.items():
        fresh = render(source, target)
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current == fresh:
            continue
        if args.check:
            problems.append(f"stale: {target.relative_to(ROOT)} (from {source.relative_to(ROOT)})")
        else:
            target.write_text(fresh, encoding="utf-8")
            print(f"async_to_sync: wrote {target.relative_to(ROOT)}")
    for path in orphans(set(todo.values())):
        problems.append(f"orphaned: {path.relative_to(ROOT)} (its async source is gone)")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print("sync twins are out of date: run `make sync-twins` and commit", file=sys.stderr)
        return 1
    print(f"async_to_sync: {len(todo)} sync twin(s) fresh")
    return 0


if __name__ == "__main__":
    sys.exit(main())
