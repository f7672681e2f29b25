"""SQL text handling: psycopg placeholders, sqlc.slice, outer joins, domains.

The scanner knows PostgreSQL's lexical structure well enough to leave string literals,
quoted identifiers, dollar-quoted bodies and comments alone when it rewrites `$n`.
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


_IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)'
_QUALIFIED = rf"{_IDENT}(?:\s*\.\s*{_IDENT})*"
# A FROM item starts after one of these; INTO and UPDATE only matter for the relations a
# statement references (INSERT INTO t, UPDATE t), never for outer joins.
_ITEM_START = re.compile(
    r"(?i)\b(FROM|INTO|UPDATE|(?:(?:NATURAL\s+)?(LEFT|RIGHT|FULL|INNER|CROSS)\s+(?:OUTER\s+)?)?"
    r"JOIN)\s+(?:LATERAL\s+|ONLY\s+)?"
)
_NAME = re.compile(_QUALIFIED)
_SUBQUERY = re.compile(r"(?i)\s*(?:SELECT|WITH|VALUES|TABLE)\b")
# Words after UPDATE that are not a table: ON CONFLICT DO UPDATE SET, FOR UPDATE OF/SKIP.
_NOT_RELATIONS = frozenset({"SET", "OF", "SKIP", "NOWAIT"})
_ALIAS = re.compile(
    rf"(?i)\s*(?:AS\s+)?(?!(?:ON|USING|WHERE|JOIN|LEFT|RIGHT|FULL|INNER|CROSS|NATURAL|GROUP|"
    rf"ORDER|LIMIT|WINDOW|HAVING|UNION|RETURNING|FOR|OFFSET|FETCH|SET|VALUES|SELECT|DEFAULT|"
    rf"OVERRIDING)\b)({_IDENT})"
)


def _unquote(ident: str) -> str:
    ident = ident.strip()
    if ident.startswith('"'):
        return ident[1:-1].replace('""', '"')
    return ident.lower()


def _code(sql: str) -> str:
    """sql with string literals and comments blanked (same offsets); quoted identifiers kept."""
    return "".join(
        t if is_code or t.startswith('"') else " " * len(t) for is_code, t in _segments(sql)
    )


def _closing(code: str, open_at: int) -> int:
    depth = 0
    for i in range(open_at, len(code)):
        if code[i] == "(":
            depth += 1
        elif code[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    return len(code) - 1


def _items(code: str) -> list[tuple[str, set[str]]]:
    """(join kind, names) of every FROM item in code, nested ones included, in text order.

    A parenthesized item (a subquery, `LATERAL (...)`, or a bracketed join `(t JOIN u ON ..)`)
    carries its alias and every relation named inside it: if the item is on the nullable side
    of an outer join, all of them may come back NULL.
    """
    items: list[tuple[str, set[str]]] = []
    for m in _ITEM_START.finditer(code):
        keyword = m.group(1).upper()
        kind = (m.group(2) or ("INNER" if "JOIN" in keyword else keyword)).upper()
        pos = m.end()
        if code.startswith("(", pos):
            end = _closing(code, pos)
            inner = code[pos + 1 : end]
            if not _SUBQUERY.match(inner):
                inner = "FROM " + inner  # a bracketed join: its first relation has no keyword
            names = {n for _, inside in _items(inner) for n in inside}
            after = end + 1
        else:
            name = _NAME.match(code, pos)
            if name is None or name.group(0).upper() in _NOT_RELATIONS:
                continue
            names = {_unquote(re.split(r"\s*\.\s*", name.group(0))[-1])}
            after = name.end()
        alias = _ALIAS.match(code, after)
        if alias is not None:
            names.add(_unquote(alias.group(1)))
        items.append((kind, names))
    return items


def outer_joined(sql: str) -> set[str]:
    """Names and aliases of relations that may come back all-NULL because of an outer join.

    A conservative reading of the FROM clauses (subqueries and CTEs included): a relation on
    the right of LEFT JOIN, every relation before a RIGHT JOIN, and both sides of FULL JOIN;
    for a parenthesized item (subquery, LATERAL, bracketed join) every relation inside it.
    """
    items = _items(_code(sql))
    nullable: set[str] = set()
    for index, (kind, names) in enumerate(items):
        if kind in ("LEFT", "FULL"):
            nullable |= names
        if kind in ("RIGHT", "FULL"):
            for _, before in items[:index]:
                nullable |= before
    return nullable


def referenced(sql: str) -> set[str]:
    """Every relation name and alias the statement reads or writes (FROM, JOIN, INTO, UPDATE)."""
    return {name for _, names in _items(_code(sql)) for name in names}


_VIEW = re.compile(
    rf"(?is)\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:MATERIALIZED\s+)?VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?"
    rf"({_QUALIFIED})[^;]*?\bAS\b([^;]*)"
)


def read_views(schema_paths: list[str]) -> dict[str, set[str]]:
    """Map view (or materialized view) name -> the relations its definition references.

    Read from the schema files, like domains: sqlc's catalog lists views as tables but not
    what they select from. A view defined several times (CREATE OR REPLACE in a later
    migration) keeps the union.
    """
    views: dict[str, set[str]] = {}
    for raw in schema_paths:
        for file in _sql_files(Path(raw)):
            code = _code(file.read_text(encoding="utf-8", errors="replace"))
            for m in _VIEW.finditer(code):
                name = _unquote(re.split(r"\s*\.\s*", m.group(1))[-1])
                views.setdefault(name, set()).update(referenced(m.group(2)))
    return views


_QUERY_NAME = re.compile(r"(?m)^\s*--\s*name:\s*(\S+)")
_CAST_SLICE = re.compile(r"(?i)\bsqlc\s*\.\s*slice\s*\(\s*['\"]?(\w+)['\"]?\s*\)\s*::")


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


def cast_slices(source: str) -> set[str]:
    """Names of `sqlc.slice(x)::type` in a query's source: sqlc does not mark them as slices."""
    return {m.group(1).lower() for m in _CAST_SLICE.finditer(_code(source))}


_DOMAIN = re.compile(
    rf"(?is)\bCREATE\s+DOMAIN\s+(?:IF\s+NOT\s+EXISTS\s+)?({_QUALIFIED})\s+(?:AS\s+)?"
    r"((?:[A-Za-z_][\w]*(?:\s*\.\s*[A-Za-z_]\w*)?)(?:\s+(?:varying|precision|with(?:out)?\s+time\s+zone))?"
    r"(?:\s*\([^)]*\))?(?:\s*\[\s*\d*\s*\])*)"
)


def _sql_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*.sql") if p.is_file())
    return [path] if path.is_file() else []


def read_domains(schema_paths: list[str]) -> dict[str, str]:
    """Map domain name -> base type text, read from the schema files sqlc was given.

    sqlc's catalog does not carry domains, so the plugin reads `CREATE DOMAIN` from the
    schema files itself (paths are relative to the directory `sqlc generate` runs in).
    """
    domains: dict[str, str] = {}
    for raw in schema_paths:
        for file in _sql_files(Path(raw)):
            text = file.read_text(encoding="utf-8", errors="replace")
            for m in _DOMAIN.finditer(_code(text)):
                name = _unquote(m.group(1).split(".")[-1])
                domains[name] = " ".join(m.group(2).split())
    return domains


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
