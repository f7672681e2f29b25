"""Mermaid `erDiagram` text: renders on code hosts straight from the Markdown."""

from __future__ import annotations

import re
from collections.abc import Iterable

from chatdb_tools.schema_docs.catalog import Relation
from chatdb_tools.schema_docs.model import Relationship, SchemaModel

_SHORT_TYPES = {
    "timestamp with time zone": "timestamptz",
    "timestamp without time zone": "timestamp",
    "time with time zone": "timetz",
    "time without time zone": "time",
    "character varying": "varchar",
    "double precision": "float8",
    "bit varying": "varbit",
}


def entity(relation: Relation) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "__", relation.qualified)


def _entity_key(key: tuple[str, str]) -> str:
    schema, name = key
    return re.sub(r"[^A-Za-z0-9_-]", "__", name if schema == "public" else f"{schema}.{name}")


def attribute_type(type_name: str) -> str:
    """A type as one Mermaid word: `numeric(18,8)` -> `numeric`, `text[]` -> `text[]`."""
    array = type_name.endswith("[]")
    base = type_name[:-2] if array else type_name
    base = re.sub(r"\(.*?\)", "", base).strip()
    base = _SHORT_TYPES.get(base, base)
    base = base.rsplit(".", 1)[-1]
    base = re.sub(r"[^A-Za-z0-9_]+", "_", base)
    return base + ("[]" if array else "")


def _keys(relation: Relation) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for constraint in relation.constraints:
        marker = {"PRIMARY KEY": "PK", "FOREIGN KEY": "FK", "UNIQUE": "UK"}.get(constraint.kind)
        if marker is None:
            continue
        for column in constraint.columns:
            held = keys.setdefault(column, [])
            if marker not in held:
                held.append(marker)
    for index in relation.indexes:
        if index.unique and index.predicate is None and index.constraint is None:
            for column in index.columns:
                held = keys.setdefault(column, [])
                if "UK" not in held:
                    held.append("UK")
    order = ("PK", "FK", "UK")
    return {c: sorted(m, key=order.index) for c, m in keys.items()}


def entity_block(relation: Relation, *, keys_only: bool) -> list[str]:
    keys = _keys(relation)
    lines = []
    for position, column in enumerate(relation.columns):
        markers = keys.get(column.name, [])
        # Key columns only, but never an empty entity: older renderers reject those.
        if keys_only and not markers and (keys or position > 0):
            continue
        suffix = f" {', '.join(markers)}" if markers else ""
        lines.append(f"        {attribute_type(column.type)} {column.name}{suffix}")
    if not lines:
        return [f"    {entity(relation)} {{", "        text no_columns", "    }"]
    return [f"    {entity(relation)} {{", *lines, "    }"]


def relationship_line(rel: Relationship) -> str:
    parent = "|o" if rel.parent_optional else "||"
    child = "o|" if rel.child_unique else "o{"
    label = ", ".join(rel.constraint.columns)
    return f'    {_entity_key(rel.parent)} {parent}--{child} {_entity_key(rel.child)} : "{label}"'


def diagram(
    model: SchemaModel,
    relations: Iterable[Relation],
    *,
    keys_only: bool,
    grouped: bool = False,
) -> str:
    """An erDiagram of `relations` and every foreign key that touches one of them."""
    chosen = list(relations)
    keys = {r.key for r in chosen}
    lines = ["```mermaid", "erDiagram"]
    if grouped:
        for domain in model.domains:
            members = [r for r in chosen if model.domain_of[r.key] == domain.name]
            if members:
                lines.append(f"    %% domain: {domain.name}")
                for relation in members:
                    lines.extend(entity_block(relation, keys_only=keys_only))
    else:
        for relation in chosen:
            lines.extend(entity_block(relation, keys_only=keys_only))
    for rel in model.relationships:
        if rel.child in keys or rel.parent in keys:
            lines.append(relationship_line(rel))
    lines.append("```")
    return "\n".join(lines)
