"""Rewriting the SQL text sqlc sends: `$n` -> psycopg placeholders, `sqlc.slice` -> ANY/ALL.

These are textual rewrites of the statement the generated code sends, so they need the exact
text: the scanner knows PostgreSQL's lexical structure well enough to leave string literals,
quoted identifiers, dollar-quoted bodies and comments alone. Reading what SQL *means*
(relations, joins, macros, views, domains) is pglast's job: statement.py, macros.py,
schema_sql.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

_DOLLAR_TAG = re.compile(r"\$([A-Za-z_\x80-\uffff][\w\x80-\uffff]*)?\$")
_PARAM = re.compile(r"\$(\d+)")


def _segments(sql: str) -> Iterator[tuple[bool, str]]:
    """Yield (is_code, text) pieces; literals, identifiers and comments are not code."""
    i, n, start = 0, len(sql), 0
    while i < n:
        c = sql[i]
        end = -1
        if c == "'":
            escapes = i > 0 and sql[i - 1] in "eE" and (i < 2 or not (sql[i - 2].isalnum()))
            j = i + 1
            while j < n:
                if escapes and sql[j] == "\\":
                    j += 2
                    continue
                if sql[j] == "'":
                    if j + 1 < n and sql[j + 1] == "'":
                        j += 2
                        continue
                    break
                j += 1
            end = min(j + 1, n)
        elif c == '"':
            j = sql.find('"', i + 1)
            while j != -1 and j + 1 < n and sql[j + 1] == '"':
                j = sql.find('"', j + 2)
            end = n if j == -1 else j + 1
        elif c == "-" and sql.startswith("--", i):
            j = sql.find("\n", i)
            end = n if j == -1 else j
        elif c == "/" and sql.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if sql.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif sql.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            end = j
        elif c == "$" and not (i > 0 and (sql[i - 1].isalnum() or sql[i - 1] == "_")):
            m = _DOLLAR_TAG.match(sql, i)
            if m:
                close = sql.find(m.group(0), m.end())
                end = n if close == -1 else close + len(m.group(0))
        if end == -1:
            i += 1
            continue
        if start < i:
            yield True, sql[start:i]
        yield False, sql[i:end]
        start = i = end
    if start < n:
        yield True, sql[start:]


def rewrite_code(sql: str, fn: Callable[[str], str]) -> str:
    """Apply fn to the code parts of sql only."""
    return "".join(fn(text) if code else text for code, text in _segments(sql))


def to_psycopg(sql: str, names: dict[int, str]) -> str:
    """`$n` -> `%(name)s` in code, and every literal `%` doubled (psycopg parses all of it)."""

    def code(text: str) -> str:
        text = text.replace("%", "%%")

        def sub(m: re.Match[str]) -> str:
            number = int(m.group(1))
            if number not in names:
                return m.group(0)
            return f"%({names[number]})s"

        return _PARAM.sub(sub, text)

    return "".join(code(t) if is_code else t.replace("%", "%%") for is_code, t in _segments(sql))


def rewrite_slice(sql: str, number: int) -> tuple[str, bool]:
    """`x IN ($n)` -> `x = ANY($n)` and `NOT IN ($n)` -> `<> ALL($n)` for a sqlc.slice; a cast
    slice keeps its cast: `x IN ($n::t[])` -> `x = ANY($n::t[])`."""
    cast = r"[^()]*?(?:\([^()]*\)[^()]*?)?"
    pattern = re.compile(rf"(?i)\b(NOT\s+)?IN\s*\(\s*(\${number}(?:\s*::{cast})?)\s*\)")
    found = False

    def sub(m: re.Match[str]) -> str:
        nonlocal found
        found = True
        return f"<> ALL({m.group(2)})" if m.group(1) else f"= ANY({m.group(2)})"

    return rewrite_code(sql, lambda text: pattern.sub(sub, text)), found


_QUERY_NAME = re.compile(r"(?m)^\s*--\s*name:\s*(\S+)")


def query_source(path: str, name: str) -> str:
    """The text of query `name` in the query file at path as written ("" if unreadable).

    sqlc sends the query with its macros already expanded; a few checks need the original.
    """
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    marks = list(_QUERY_NAME.finditer(text))
    for i, m in enumerate(marks):
        if m.group(1) == name:
            end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
            return text[m.start() : end]
    return ""


def quote_ident(name: str) -> str:
    if re.fullmatch(r"[a-z_][a-z0-9_]*", name) and name not in _RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


_RESERVED = frozenset(
    re.findall(
        r"\w+",
        """
        all analyse analyze and any array as asc asymmetric both case cast check collate column
        constraint create current_catalog current_date current_role current_time
        current_timestamp current_user default deferrable desc distinct do else end except false
        fetch for foreign from grant group having in initially intersect into lateral leading
        limit localtime localtimestamp not null offset on only or order placing primary
        references returning select session_user some symmetric table then to trailing true
        union unique user using variadic when where window with
        """,
    )
)
