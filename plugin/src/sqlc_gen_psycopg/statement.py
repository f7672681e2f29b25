"""What a query's SQL does, read with PostgreSQL's own parser (pglast): the relations it
reads and writes, whether it locks, and which table references an outer join may null.

sqlc has already checked the statement, so a parse failure here is a plugin bug or a newer
syntax than pglast knows; the caller then falls back to the conservative answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pglast
from pglast import ast

_WRITE_STATEMENTS = (
    ast.InsertStmt,
    ast.UpdateStmt,
    ast.DeleteStmt,
    ast.MergeStmt,
    ast.RefreshMatViewStmt,
)
# Functions that change state although the statement is a SELECT.
_WRITING_FUNCTIONS = frozenset({"nextval", "setval", "pg_advisory_lock", "pg_advisory_xact_lock"})


@dataclass
class Statement:
    """The facts generated code and its consumers need about one statement."""

    reads: set[str] = field(default_factory=set)  # relations read (schema-qualified if written so)
    writes: set[str] = field(default_factory=set)  # relations inserted, updated, deleted, merged
    locks: bool = False  # FOR UPDATE/SHARE, or an advisory lock / sequence function
    # Functions called, schema-qualified when the SQL qualifies them (else as written).
    calls: set[str] = field(default_factory=set)
    # Reference names (alias, else table name) on the nullable side of an outer join.
    nullable_refs: set[str] = field(default_factory=set)
    # Base tables inside an outer-joined subquery, LATERAL item or bracketed join: sqlc does
    # not mark their columns nullable, so the plugin does.
    nullable_nested: set[str] = field(default_factory=set)
    parsed: bool = True

    @property
    def read_only(self) -> bool:
        return not self.writes and not self.locks


def _name(rv: ast.RangeVar) -> str:
    return f"{rv.schemaname}.{rv.relname}" if rv.schemaname else str(rv.relname)


def _children(node: Any) -> list[Any]:
    out: list[Any] = []
    if isinstance(node, tuple | list):
        for item in node:
            out.extend(_children(item) if isinstance(item, tuple | list) else [item])
        return out
    if isinstance(node, ast.Node):
        for attr in node:
            value = getattr(node, attr)
            if isinstance(value, ast.Node):
                out.append(value)
            elif isinstance(value, tuple | list):
                out.extend(_children(value))
    return [c for c in out if isinstance(c, ast.Node)]


def walk(node: Any) -> list[Any]:
    found: list[Any] = []
    stack = [node]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(_children(current))
    return found


def _refs(item: Any) -> tuple[set[str], set[str]]:
    """(reference names, base table names) of every relation inside a FROM item."""
    refs: set[str] = set()
    tables: set[str] = set()
    for node in walk(item):
        if isinstance(node, ast.RangeVar):
            tables.add(str(node.relname))
            refs.add(str(node.alias.aliasname) if node.alias else str(node.relname))
        elif isinstance(node, ast.RangeSubselect | ast.RangeFunction | ast.JoinExpr) and node.alias:
            refs.add(str(node.alias.aliasname))
    return refs, tables


def _nullable_side(item: Any, stmt: Statement) -> None:
    refs, tables = _refs(item)
    stmt.nullable_refs |= refs
    if not isinstance(item, ast.RangeVar):
        stmt.nullable_nested |= tables


def analyze(sql: str) -> Statement:
    try:
        tree = pglast.parse_sql(sql)
    except Exception:  # sqlc accepted it: fall back to "may do anything"
        return Statement(parsed=False, locks=True)
    return analyze_tree(tree)


def analyze_tree(tree: Any) -> Statement:
    """The facts of an already parsed statement (or a view's query)."""
    stmt = Statement()
    ctes: set[str] = set()
    for node in walk(tree):
        if isinstance(node, ast.CommonTableExpr):
            ctes.add(str(node.ctename))
    for node in walk(tree):
        if isinstance(node, _WRITE_STATEMENTS) and node.relation is not None:
            stmt.writes.add(_name(node.relation))
        elif isinstance(node, ast.TruncateStmt):
            stmt.writes |= {_name(rv) for rv in node.relations or ()}
        elif isinstance(node, ast.RangeVar):
            if node.relname not in ctes or node.schemaname:
                stmt.reads.add(_name(node))
        elif isinstance(node, ast.LockingClause):
            stmt.locks = True
        elif isinstance(node, ast.FuncCall):
            parts = [str(n.sval) for n in node.funcname or () if isinstance(n, ast.String)]
            fname = parts[-1] if parts else ""
            if parts:
                stmt.calls.add(".".join(parts[-2:]))
            if fname in _WRITING_FUNCTIONS:
                stmt.locks = True
        elif isinstance(node, ast.JoinExpr):
            # JoinType: 0 inner, 1 left, 2 full, 3 right.
            jointype = int(node.jointype or 0)
            if jointype in (1, 2):
                _nullable_side(node.rarg, stmt)
            if jointype in (2, 3):
                _nullable_side(node.larg, stmt)
    # A relation only written (INSERT INTO t, TRUNCATE t, REFRESH ... t) is not read;
    # UPDATE/DELETE read their target.
    targets: list[Any] = []
    for node in walk(tree):
        if isinstance(node, ast.InsertStmt | ast.RefreshMatViewStmt) and node.relation is not None:
            targets.append(node.relation)
        elif isinstance(node, ast.TruncateStmt):
            targets.extend(node.relations or ())
    for relation in targets:
        target = _name(relation)
        if not any(
            isinstance(n, ast.RangeVar) and _name(n) == target and n is not relation
            for n in walk(tree)
        ):
            stmt.reads.discard(target)
    return stmt
