"""What the writers share: the catalog grouped by domain, relationships and cardinalities."""

from __future__ import annotations

import re
from dataclasses import dataclass

from chatdb.schema_docs.catalog import Catalog, Constraint, Relation
from chatdb.schema_docs.domains import OTHER, Domain, DomainMap
from chatdb.schema_docs.queries import NamedQuery, usage_by_table


@dataclass(frozen=True)
class Relationship:
    """A foreign key seen as an ER relationship: `child` references `parent`."""

    child: tuple[str, str]
    parent: tuple[str, str]
    constraint: Constraint
    # Parent side: exactly one (FK columns NOT NULL) or zero-or-one (some column nullable).
    parent_optional: bool
    # Child side: zero-or-one (FK columns unique in the child) or zero-or-more.
    child_unique: bool


@dataclass
class SchemaModel:
    catalog: Catalog
    domains: list[Domain]
    domain_of: dict[tuple[str, str], str]
    relationships: list[Relationship]
    usage: dict[tuple[str, str], list[NamedQuery]]
    queries: list[NamedQuery]

    def members(self, domain: str) -> list[Relation]:
        return [r for r in self.catalog.sorted_relations() if self.domain_of[r.key] == domain]

    def migration_of(self, domain: str) -> str | None:
        for d in self.domains:
            if d.name == domain:
                return d.migration
        return None


def build_model(catalog: Catalog, domains: DomainMap, queries: list[NamedQuery]) -> SchemaModel:
    domain_of = {key: domains.domain_of(key) for key in catalog.relations}
    listed = list(domains.domains)
    if OTHER in domain_of.values():
        listed.append(
            Domain(OTHER, "", "Relations that no migration statement creates (made at run time).")
        )
    relationships = []
    for relation in catalog.sorted_relations():
        columns = {c.name: c for c in relation.columns}
        unique_sets = relation.unique_column_sets()
        for constraint in relation.foreign_keys:
            fk = constraint.foreign_key
            assert fk is not None
            parent = (fk.ref_schema, fk.ref_table)
            # A partition's copy of its parent's foreign key is the parent's relationship.
            if constraint.inherited or parent not in catalog.relations:
                continue
            optional = any(not columns[c].not_null for c in fk.columns if c in columns)
            unique = frozenset(fk.columns) in unique_sets
            relationships.append(Relationship(relation.key, parent, constraint, optional, unique))
    relationships.sort(key=lambda r: (r.child, r.constraint.name))
    return SchemaModel(catalog, listed, domain_of, relationships, usage_by_table(queries), queries)


def anchor(text: str) -> str:
    """The anchor GitHub-flavoured Markdown gives a heading."""
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def page_name(relation: Relation) -> str:
    return f"{relation.qualified}.md"


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", name)
