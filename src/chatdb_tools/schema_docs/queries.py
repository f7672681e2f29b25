"""Which named queries and functions read or write each table.

A named query's name, command, source file, the relations it reads and writes and the
functions it calls come from the metadata its generated function carries (`fn.query`, a
`chatdb.queries.support.Query` written by the sqlc plugin from its own pglast parse): the
docs never re-read db/queries. Function bodies in the catalog are still read here
(`body_usage`: SQL and PL/pgSQL bodies parsed with pglast; every RangeVar is a relation, the
target of INSERT, UPDATE, DELETE, MERGE, TRUNCATE or REFRESH is written, any other is read,
CTE names are not tables), so the model can follow a query into the functions it calls and
into the views it reads. `replace_macros` serves the write-privilege check, which reads each
query file for the role it runs as.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pglast import ast, parse_plpgsql, parse_sql
from pglast.parser import ParseError

from chatdb.queries.support import Query, query_of

# sqlc.arg(x), sqlc.narg('x'), sqlc.slice(x), sqlc.embed(t); and `@name`, a named parameter
# (`@>`, `<@`, `@@` and `@ -1` are operators, not parameters).
_MACRO = re.compile(
    r"\bsqlc\s*\.\s*(?P<kind>arg|narg|slice|embed)\s*\(\s*"
    r"(?:'(?P<quoted>[^']*)'|\"(?P<ident>[^\"]*)\"|(?P<bare>\w+))\s*\)"
    r"|(?<![\w<@])@(?P<at>[A-Za-z_]\w*)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class NamedQuery:
    """A named query as the docs show it, taken from its generated function's metadata."""

    name: str
    command: str  # one, many, exec, execrows, ...
    file: str  # relative to the project root, e.g. db/queries/chats.sql
    reads: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    writes: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    # (schema, name) of every function the query calls (builtins included; the model keeps
    # those the catalog knows).
    calls: frozenset[tuple[str, str]] = field(default_factory=frozenset)

    def access(self, key: tuple[str, str]) -> str:
        if key in self.writes and key in self.reads:
            return "read, write"
        return "write" if key in self.writes else "read"


def _code_spans(sql: str) -> list[tuple[int, int]]:
    """Spans of `sql` outside string literals, quoted identifiers and comments."""
    spans: list[tuple[int, int]] = []
    i, start, n = 0, 0, len(sql)
    while i < n:
        ch = sql[i]
        end = -1
        if ch == "-" and sql.startswith("--", i):
            newline = sql.find("\n", i)
            end = n if newline < 0 else newline
        elif ch == "/" and sql.startswith("/*", i):
            close = sql.find("*/", i + 2)
            end = n if close < 0 else close + 2
        elif ch in ("'", '"'):
            j = i + 1
            while j < n:
                if sql[j] == ch:
                    if j + 1 < n and sql[j + 1] == ch:
                        j += 2
                        continue
                    break
                if sql[j] == "\\" and ch == "'" and i > 0 and sql[i - 1] in "eE":
                    j += 2
                    continue
                j += 1
            end = min(j + 1, n)
        elif ch == "$":
            tag = re.match(r"\$([A-Za-z_]\w*)?\$", sql[i:])
            if tag and not (i > 0 and (sql[i - 1].isalnum() or sql[i - 1] == "_")):
                close = sql.find(tag.group(0), i + len(tag.group(0)))
                end = n if close < 0 else close + len(tag.group(0))
        if end >= 0:
            spans.append((start, i))
            start = i = end
            continue
        i += 1
    spans.append((start, n))
    return [(a, b) for a, b in spans if b > a]


def replace_macros(sql: str) -> str:
    """`sql` with sqlc's macros replaced so that PostgreSQL's parser accepts it."""
    numbers: dict[str, int] = {}

    def param(name: str) -> str:
        number = numbers.setdefault(name.lower(), len(numbers) + 1)
        return f"${number}"

    spans = _code_spans(sql)

    def replace(match: re.Match[str]) -> str:
        if not any(start <= match.start() < end for start, end in spans):
            return match.group(0)
        if match.group("at"):
            return param(match.group("at"))
        name = match.group("quoted") or match.group("ident") or match.group("bare") or ""
        if match.group("kind").lower() == "embed":
            return f"{name}.*"
        return param(name)

    return _MACRO.sub(replace, sql)


def _walk(node: Any) -> Iterator[Any]:
    """Every pglast node under `node` (itself included)."""
    if isinstance(node, tuple | list):
        for item in node:
            yield from _walk(item)
        return
    if not isinstance(node, ast.Node):
        return
    yield node
    for attribute in node:
        yield from _walk(getattr(node, attribute))


def _rangevar_key(rangevar: Any) -> tuple[str, str]:
    return (rangevar.schemaname or "public", rangevar.relname)


Keys = frozenset[tuple[str, str]]


@dataclass(frozen=True)
class Usage:
    """What a piece of SQL touches: relations read and written, functions called."""

    reads: Keys = frozenset()
    writes: Keys = frozenset()
    calls: Keys = frozenset()

    def __or__(self, other: Usage) -> Usage:
        return Usage(self.reads | other.reads, self.writes | other.writes, self.calls | other.calls)


def sql_usage(sql: str) -> Usage:
    """Relations read and written and functions called by plain SQL. Raises ParseError."""
    return _usage(parse_sql(sql))


def _usage(statements: Any) -> Usage:
    cte_names: set[str] = set()
    targets: set[int] = set()
    writes: set[tuple[str, str]] = set()
    for node in _walk(statements):
        if isinstance(node, ast.CommonTableExpr) and node.ctename:
            cte_names.add(node.ctename)
        elif isinstance(
            node, ast.InsertStmt | ast.UpdateStmt | ast.DeleteStmt | ast.MergeStmt
        ) and isinstance(node.relation, ast.RangeVar):
            targets.add(id(node.relation))
            writes.add(_rangevar_key(node.relation))
        elif isinstance(node, ast.TruncateStmt):
            for rangevar in node.relations or ():
                targets.add(id(rangevar))
                writes.add(_rangevar_key(rangevar))
        elif isinstance(node, ast.RefreshMatViewStmt) and node.relation is not None:
            targets.add(id(node.relation))
            writes.add(_rangevar_key(node.relation))
    reads: set[tuple[str, str]] = set()
    calls: set[tuple[str, str]] = set()
    for node in _walk(statements):
        if isinstance(node, ast.FuncCall) and node.funcname:
            parts = [str(n.sval) for n in node.funcname if isinstance(n, ast.String)]
            if parts:
                calls.add((parts[-2] if len(parts) > 1 else "public", parts[-1]))
        if not isinstance(node, ast.RangeVar) or id(node) in targets:
            continue
        if node.schemaname is None and node.relname in cte_names:
            continue
        reads.add(_rangevar_key(node))
    return Usage(frozenset(reads), frozenset(writes), frozenset(calls))


# `target := expression` (and `target = expression`): PL/pgSQL keeps an assignment whole.
_ASSIGNMENT = re.compile(r"^\s*[\w.\[\]\"$]+\s*:?=(?!=)", re.DOTALL)


@dataclass(frozen=True)
class BodyUsage:
    """What a function body touches, and how much of it could be read."""

    usage: Usage
    # The body runs SQL built at run time (PL/pgSQL EXECUTE): what that touches is unknown.
    dynamic: bool = False
    # The language is neither sql nor plpgsql, or the body did not parse.
    opaque: bool = False


def _plpgsql_queries(tree: Any) -> Iterator[str]:
    if isinstance(tree, dict):
        for key, value in tree.items():
            if key == "PLpgSQL_expr" and isinstance(value, dict):
                query = value.get("query")
                if isinstance(query, str):
                    yield query
            yield from _plpgsql_queries(value)
    elif isinstance(tree, list):
        for item in tree:
            yield from _plpgsql_queries(item)


def _is_dynamic(tree: Any) -> bool:
    if isinstance(tree, dict):
        if any(k in tree for k in ("PLpgSQL_stmt_dynexecute", "PLpgSQL_stmt_dynfors")):
            return True
        if isinstance(tree.get("PLpgSQL_stmt_return_query"), dict) and tree[
            "PLpgSQL_stmt_return_query"
        ].get("dynquery"):
            return True
        return any(_is_dynamic(v) for v in tree.values())
    if isinstance(tree, list):
        return any(_is_dynamic(item) for item in tree)
    return False


def _expression_usage(query: str) -> Usage | None:
    """One PL/pgSQL expression or statement: a statement, an expression or an assignment."""
    candidates = [query, f"SELECT {query}"]
    assignment = _ASSIGNMENT.match(query)
    if assignment:
        candidates.append(f"SELECT {query[assignment.end() :]}")
    for candidate in candidates:
        try:
            return sql_usage(candidate)
        except ParseError:
            continue
    return None


def body_usage(language: str, source: str, definition: str) -> BodyUsage:
    """What a function body reads, writes and calls. `source` is the body (prosrc, or the
    SQL-standard body), `definition` the whole CREATE FUNCTION (pg_get_functiondef)."""
    if language == "sql":
        try:
            return BodyUsage(sql_usage(source))
        except ParseError:
            return BodyUsage(Usage(), opaque=True)
    if language != "plpgsql":
        return BodyUsage(Usage(), opaque=True)
    try:
        tree = parse_plpgsql(definition)
    except ParseError:
        return BodyUsage(Usage(), opaque=True)
    usage = Usage()
    opaque = False
    for query in _plpgsql_queries(tree):
        found = _expression_usage(query)
        if found is None:
            opaque = True
        else:
            usage = usage | found
    return BodyUsage(usage, dynamic=_is_dynamic(tree), opaque=opaque)


def _key(name: str) -> tuple[str, str]:
    """A relation or function name as the SQL wrote it, as (schema, name)."""
    schema, _, bare = name.rpartition(".")
    return (schema or "public", bare)


def from_metadata(query: Query) -> NamedQuery:
    """The docs' view of one generated function's metadata."""
    return NamedQuery(
        query.name,
        query.command.removeprefix(":"),
        query.source,
        frozenset(map(_key, query.reads)),
        frozenset(map(_key, query.writes)),
        frozenset(map(_key, query.calls)),
    )


def generated_queries(package: str = "chatdb.queries") -> list[NamedQuery]:
    """Every named query of the generated `package` (its async twins included once), from the
    metadata each generated function carries, sorted by file and name."""
    found: dict[tuple[str, str], NamedQuery] = {}
    root = importlib.import_module(package)
    modules = [root] + [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(root.__path__, f"{package}.")
    ]
    for module in modules:
        for value in vars(module).values():
            query = query_of(value) if callable(value) else None
            if query is not None:
                found[(query.source, query.name)] = from_metadata(query)
    return sorted(found.values(), key=lambda q: (q.file, q.name))


def usage_by_table(
    queries: list[NamedQuery],
) -> dict[tuple[str, str], list[NamedQuery]]:
    """For each relation, the named queries that read or write it (sorted by file, name)."""
    usage: dict[tuple[str, str], list[NamedQuery]] = {}
    for query in queries:
        for key in query.reads | query.writes:
            usage.setdefault(key, []).append(query)
    return usage
