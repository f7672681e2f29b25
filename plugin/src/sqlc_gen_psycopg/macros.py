"""sqlc's macros as written in a query's source, read with pglast.

sqlc sends the query with its macros expanded, which loses three facts the plugin needs:
which parameters are `sqlc.narg` (the optional ones), which `sqlc.slice` carries a cast (sqlc
does not mark those as slices), and which reference each `sqlc.embed(x)` names (sqlc names
the embed column after the table, so a self-join needs the alias). The macros are ordinary
function calls to PostgreSQL's parser.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pglast
from pglast import ast

from sqlc_gen_psycopg.statement import walk


@dataclass
class Macros:
    nargs: set[str] = field(default_factory=set)  # lower-case parameter names
    cast_slices: set[str] = field(default_factory=set)
    embeds: list[str] = field(default_factory=list)  # references, in source order


def _argument(call: Any) -> str:
    """The name inside `sqlc.x(name)`, `sqlc.x('name')` or `sqlc.x(t.name)`."""
    arg = call.args[0] if call.args else None
    if isinstance(arg, ast.ColumnRef) and arg.fields:
        last = arg.fields[-1]
        return str(getattr(last, "sval", "")).lower()
    if isinstance(arg, ast.A_Const) and arg.val is not None:
        return str(getattr(arg.val, "sval", "")).lower()
    return ""


def _macro(node: Any) -> str:
    if not isinstance(node, ast.FuncCall) or not node.funcname or len(node.funcname) != 2:
        return ""
    schema, name = (str(getattr(n, "sval", "")).lower() for n in node.funcname)
    return name if schema == "sqlc" else ""


def read_macros(source: str) -> Macros:
    macros = Macros()
    try:
        tree = pglast.parse_sql(source)
    except Exception:  # sqlc parsed it; nothing more is known here
        return macros
    embeds: list[tuple[int, str]] = []
    for node in walk(tree):
        kind = _macro(node)
        if kind == "narg":
            macros.nargs.add(_argument(node))
        elif kind == "embed":
            embeds.append((int(node.location or 0), _argument(node)))
        elif isinstance(node, ast.TypeCast) and _macro(node.arg) == "slice":
            macros.cast_slices.add(_argument(node.arg))
    macros.embeds = [name for _, name in sorted(embeds)]
    return macros
