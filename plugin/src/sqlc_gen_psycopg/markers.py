"""Annotation lines in a query's comment block: `-- @name` or `-- @name value`.

They sit with the other comment lines under `-- name: Query :cmd` and never reach the
docstring. The plugin acts on the ones it knows (`@optional`, `@stream`); every annotation,
known or not (`@role system`), is kept in the query's metadata for other tools to read.
"""

from __future__ import annotations

import re

_ANNOTATION = re.compile(r"^@([A-Za-z_][\w-]*)(?:\s+(.*?))?\s*$")

OPTIONAL = "optional"  # :one / :batchone: no row is a normal outcome -> `T | None`
STREAM = "stream"  # :many: also emit `iter_<name>` streaming through a server-side cursor
KNOWN = frozenset({OPTIONAL, STREAM})


def split(comments: list[str]) -> tuple[dict[str, str], list[str], list[str]]:
    """(annotations, docstring lines, malformed annotation lines) of a comment block."""
    annotations: dict[str, str] = {}
    doc: list[str] = []
    bad: list[str] = []
    for raw in comments:
        line = raw[1:] if raw.startswith(" ") else raw
        stripped = line.strip()
        if not stripped.startswith("@"):
            doc.append(line)
            continue
        match = _ANNOTATION.match(stripped)
        if match is None:
            bad.append(stripped)
            continue
        annotations[match.group(1)] = match.group(2) or ""
    while doc and not doc[-1].strip():
        doc.pop()
    while doc and not doc[0].strip():
        doc.pop(0)
    return annotations, doc, bad
