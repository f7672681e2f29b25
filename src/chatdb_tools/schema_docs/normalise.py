"""Deparsed SQL that reads the same whichever supported PostgreSQL version printed it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast, parse_sql
from pglast.enums import SetOperation
from pglast.parser import ParseError


def _top_level_nodes(node: Any) -> Iterator[Any]:
    """Nodes of one query level: not inside a sub-select, whose column references
    PostgreSQL always qualifies."""
    if isinstance(node, tuple | list):
        for item in node:
            yield from _top_level_nodes(item)
        return
    if not isinstance(node, ast.Node) or isinstance(node, ast.SubLink | ast.SelectStmt):
        return
    yield node
    for attribute in node:
        yield from _top_level_nodes(getattr(node, attribute))


def unqualify_single_relation(definition: str) -> str:
    """A view definition in the form PostgreSQL 16 prints it, whichever server printed it.

    PostgreSQL 15 qualifies every column of a view that reads a single relation
    (`SELECT l.user_id FROM usage_logs l`); 16 no longer does (`SELECT user_id FROM
    usage_logs l`), since a view's range table lost its OLD/NEW entries. Sub-selects are
    qualified by both. So, for a plain SELECT with exactly one FROM item, the qualifier of
    that item is removed from the column references of the outer query level.
    """
    try:
        statements = parse_sql(definition)
    except ParseError:
        return definition
    if len(statements) != 1:
        return definition
    select = statements[0].stmt
    if not isinstance(select, ast.SelectStmt) or select.op != SetOperation.SETOP_NONE:
        return definition
    from_items = select.fromClause or ()
    if len(from_items) != 1:
        return definition
    item = from_items[0]
    if isinstance(item, ast.RangeVar):
        alias = item.alias.aliasname if item.alias else item.relname
    elif isinstance(item, ast.RangeSubselect | ast.RangeFunction) and item.alias:
        alias = item.alias.aliasname
    else:
        return definition
    cut: list[int] = []
    levels = [
        select.targetList,
        select.whereClause,
        select.groupClause,
        select.havingClause,
        select.sortClause,
        select.windowClause,
        select.distinctClause,
    ]
    for node in _top_level_nodes(levels):
        if isinstance(node, ast.ColumnRef) and node.location is not None:
            fields = node.fields or ()
            first = fields[0] if len(fields) == 2 else None
            if isinstance(first, ast.String) and first.sval == alias:
                cut.append(node.location)
    prefix = f"{alias}."
    text = definition
    for location in sorted(cut, reverse=True):
        if text[location : location + len(prefix)] != prefix:
            return definition  # not a plain prefix (quoted, or offsets in bytes): keep as is
        text = text[:location] + text[location + len(prefix) :]
    return text
