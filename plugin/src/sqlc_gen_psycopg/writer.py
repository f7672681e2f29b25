"""Emit Python source already formatted the way `ruff format` (line length 100) leaves it.

The plugin cannot run ruff (sqlc strips the environment), so it writes the canonical form
directly: a bracketed construct stays on one line when it fits, otherwise it is exploded
one item per line with a magic trailing comma, which ruff keeps as is.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

LINE_LENGTH = 100
INDENT = "    "


@dataclass
class Group:
    """`open` items `close`: a call, a dict, a signature."""

    open: str
    items: Sequence[str | Group]
    close: str


def flat(node: str | Group) -> str:
    if isinstance(node, str):
        return node
    return node.open + ", ".join(flat(i) for i in node.items) + node.close


def render(node: str | Group, indent: int, prefix: str = "", suffix: str = "") -> list[str]:
    pad = INDENT * indent
    one = f"{pad}{prefix}{flat(node)}{suffix}"
    if isinstance(node, str) or len(one) <= LINE_LENGTH or not node.items:
        return [one]
    lines = [f"{pad}{prefix}{node.open}"]
    for item in node.items:
        lines.extend(render(item, indent + 1, "", ","))
    lines.append(f"{pad}{node.close}{suffix}")
    return lines


def py_string(text: str) -> str:
    """A triple-quoted literal whose value is exactly text."""
    body = text.replace("\\", "\\\\")

    def quotes(m: re.Match[str]) -> str:
        run = m.group(0)
        at_end = m.end() == len(body)
        return run.replace('"', '\\"') if len(run) >= 3 or at_end else run

    body = re.sub(r'"+', quotes, body)
    return f'"""{body}"""'


def docstring(lines: list[str], indent: int) -> list[str]:
    """A docstring as ruff formats it; empty when there is nothing to say."""
    text = [ln.replace("\t", "    ").rstrip() for ln in lines]
    while text and not text[0].strip():
        text.pop(0)
    while text and not text[-1].strip():
        text.pop()
    if not text:
        return []
    common = min(len(ln) - len(ln.lstrip()) for ln in text if ln.strip())
    text = [ln[common:] if ln.strip() else "" for ln in text]
    text = [ln.replace("\\", "\\\\").replace('"""', '\\"\\"\\"') for ln in text]
    text[0] = text[0].lstrip()
    pad = INDENT * indent
    if len(text) == 1:
        body = text[0]
        if body.endswith('"'):
            body += " "
        return [f'{pad}"""{body}"""']
    out = [f'{pad}"""{text[0]}']
    out.extend(f"{pad}{ln}" if ln else "" for ln in text[1:])
    out.append(f'{pad}"""')
    return out


_STDLIB = frozenset(sys.stdlib_module_names)


@dataclass
class Imports:
    """Collects imports and writes them in ruff's isort order (default settings)."""

    first_party: str
    modules: set[str] = field(default_factory=set)
    names: dict[str, set[str]] = field(default_factory=dict)

    def module(self, name: str) -> None:
        self.modules.add(name)

    def name(self, module: str, name: str) -> None:
        self.names.setdefault(module, set()).add(name)

    def _section(self, module: str) -> int:
        root = module.split(".")[0]
        if root == "__future__":
            return 0
        if root in _STDLIB:
            return 1
        if root == self.first_party:
            return 3
        return 2

    def render(self) -> list[str]:
        sections: dict[int, list[str]] = {}
        for mod in sorted(self.modules, key=_module_key):
            sections.setdefault(self._section(mod), []).append(f"import {mod}")
        for mod in sorted(self.names, key=_module_key):
            members = sorted(self.names[mod], key=_member_key)
            sections.setdefault(self._section(mod), []).extend(
                render(Group(f"from {mod} import (", list(members), ")"), 0)
                if len(f"from {mod} import {', '.join(members)}") > LINE_LENGTH
                else [f"from {mod} import {', '.join(members)}"]
            )
        out: list[str] = []
        for key in sorted(sections):
            if out:
                out.append("")
            out.extend(sections[key])
        return out


def _module_key(module: str) -> tuple[str, str]:
    return (module.lower(), module)


def _member_key(name: str) -> tuple[int, str, str]:
    if len(name) > 1 and name.isupper():
        kind = 0
    elif name[:1].isupper():
        kind = 1
    else:
        kind = 2
    return (kind, name.lower(), name)


def module_source(banner: list[str], doc: str, imports: Imports, blocks: list[list[str]]) -> str:
    """Assemble a module: banner, docstring, imports, then top-level blocks 2 lines apart."""
    body: list[str] = []
    for block in blocks:
        if body:
            body.extend(["", ""])
        body.extend(block)
    lines = [*banner, *docstring([doc], 0)]
    imported = imports.render()
    if imported:
        lines.extend(["", *imported])
    if body:
        # isort: 2 blank lines before a def/class after imports, 1 before anything else.
        starts_def = body[0].startswith(("def ", "async def ", "class ", "@"))
        lines.extend(["", ""] if starts_def or not imported else [""])
        lines.extend(body)
    return "\n".join(lines) + "\n"
