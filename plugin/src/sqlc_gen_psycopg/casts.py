"""Nullability of result columns that are casts (`expr::type`), read with pglast.

sqlc types any cast as NOT NULL unless its operand is the literal NULL, so
`(meta->>'k')::text`, `max(x)::int` or `bar::varchar` of a nullable `bar` came out as
non-null fields that fail validation on the first NULL. The plugin looks inside the cast and
makes the column nullable when the operand can be NULL: a nullable column (or any column of a
reference on the nullable side of an outer join), a JSON extraction, an aggregate that is NULL
over no rows, NULLIF, a scalar subquery, a CASE without ELSE, or an expression over any of
these. Anything it cannot tell keeps sqlc's answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pglast
from pglast import ast, enums

from sqlc_gen_psycopg.statement import walk

# Column nullability by (reference or None when unqualified, column name).
ColumnNullable = Callable[[str | None, str], bool]

_JSON_EXTRACTION = frozenset({"->", "->>", "#>", "#>>"})
# Aggregates (and functions) that return NULL for no input rows or by definition.
_NULL_ON_EMPTY = frozenset(
    {
        "max", "min", "sum", "avg", "array_agg", "string_agg", "json_agg", "jsonb_agg",
        "json_object_agg", "jsonb_object_agg", "bool_and", "bool_or", "every", "nullif",
        "stddev", "variance", "lag", "lead", "first_value", "last_value", "nth_value",
    }
)  # fmt: skip


def cast_targets(sql: str, width: int) -> dict[int, Any]:
    """The cast result columns of a statement whose target list has exactly `width` entries
    and no `*`: position -> the cast's operand. Empty when the shape is not that simple."""
    try:
        tree = pglast.parse_sql(sql)
    except Exception:  # sqlc accepted it; a newer syntax than pglast knows keeps sqlc's answer
        return {}
    if len(tree) != 1:
        return {}
    node = tree[0].stmt
    if isinstance(node, ast.SelectStmt):
        targets = node.targetList
    elif isinstance(node, ast.InsertStmt | ast.UpdateStmt | ast.DeleteStmt):
        targets = node.returningClause.exprs if node.returningClause else None
    else:
        return {}
    if not targets or len(targets) != width:
        return {}
    if any(isinstance(n, ast.A_Star) for t in targets for n in walk(t.val)):
        return {}
    out: dict[int, Any] = {}
    for i, target in enumerate(targets):
        if isinstance(target.val, ast.TypeCast):
            out[i] = target.val.arg
    return out


def references(sql: str) -> dict[str, tuple[str, str]]:
    """Reference name (alias, else table name) -> (schema or "", table) of every relation."""
    try:
        tree = pglast.parse_sql(sql)
    except Exception:
        return {}
    refs: dict[str, tuple[str, str]] = {}
    for node in walk(tree):
        if isinstance(node, ast.RangeVar):
            ref = str(node.alias.aliasname) if node.alias else str(node.relname)
            refs[ref.lower()] = (str(node.schemaname or ""), str(node.relname))
    return refs


def _function_name(call: ast.FuncCall) -> str:
    names = call.funcname or ()
    return str(names[-1].sval).lower() if names else ""


def _one_aggregate_row(select: Any, column_nullable: ColumnNullable) -> bool:
    """`(SELECT coalesce(sum(x), 0) FROM t ...)`: an aggregate without GROUP BY, HAVING or
    LIMIT yields exactly one row, so the subquery is NULL only if its expression is."""
    if not isinstance(select, ast.SelectStmt) or select.op:
        return False
    targets = select.targetList or ()
    if len(targets) != 1:
        return False
    if select.groupClause or select.havingClause or select.limitCount or select.limitOffset:
        return False
    expr = targets[0].val
    aggregates = _NULL_ON_EMPTY | {"count"}
    has_aggregate = any(
        isinstance(n, ast.FuncCall) and _function_name(n) in aggregates for n in walk(expr)
    )
    return has_aggregate and not may_be_null(expr, column_nullable)


def may_be_null(node: Any, column_nullable: ColumnNullable) -> bool:
    """Whether an expression can evaluate to NULL (False when it cannot tell)."""
    if isinstance(node, ast.TypeCast):
        return may_be_null(node.arg, column_nullable)
    if isinstance(node, ast.A_Const):
        return bool(node.isnull)
    if isinstance(node, ast.ColumnRef):
        fields = node.fields or ()
        names = [str(f.sval) for f in fields if isinstance(f, ast.String)]
        if not names or len(names) != len(fields):
            return False
        ref = names[-2] if len(names) >= 2 else None
        return column_nullable(ref, names[-1])
    if isinstance(node, ast.A_Expr):
        op = node.name[-1].sval if node.name and isinstance(node.name[-1], ast.String) else ""
        kind = enums.A_Expr_Kind(int(node.kind or 0))
        if op in _JSON_EXTRACTION or kind is enums.A_Expr_Kind.AEXPR_NULLIF:
            return True
        if kind in (enums.A_Expr_Kind.AEXPR_DISTINCT, enums.A_Expr_Kind.AEXPR_NOT_DISTINCT):
            return False
        operands = [node.lexpr, node.rexpr]
        return any(isinstance(o, ast.Node) and may_be_null(o, column_nullable) for o in operands)
    if isinstance(node, ast.FuncCall):
        return _function_name(node) in _NULL_ON_EMPTY
    if isinstance(node, ast.CoalesceExpr):
        return all(may_be_null(a, column_nullable) for a in node.args or ())
    if isinstance(node, ast.CaseExpr):
        if node.defresult is None:
            return True
        results = [w.result for w in node.args or ()] + [node.defresult]
        return any(may_be_null(r, column_nullable) for r in results)
    if isinstance(node, ast.SubLink):
        # A scalar subquery is NULL when it finds no row; EXISTS and ARRAY(...) never are.
        if enums.SubLinkType(int(node.subLinkType or 0)) is not enums.SubLinkType.EXPR_SUBLINK:
            return False
        return not _one_aggregate_row(node.subselect, column_nullable)
    return False
