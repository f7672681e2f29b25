"""What the writers share: the catalog grouped by domain, relationships and cardinalities,
and which named queries and functions touch each relation, directly or indirectly.

Indirect use is resolved from the catalog: a query that reads a view reads what the view
reads (pg_rewrite's dependencies; only plain views, since reading a materialized view reads
its stored rows), refreshing a materialized view reads its sources, and a query that calls a
function touches what the function's body touches (SQL and PL/pgSQL bodies parsed with
pglast, following the functions they call). SQL that a PL/pgSQL body builds at run time
(EXECUTE) cannot be followed; the function's entry says so. Triggers that a write fires are
not followed: each table page lists its triggers and their functions instead.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field

from chatdb_tools.schema_docs.catalog import Catalog, Constraint, Function, Relation
from chatdb_tools.schema_docs.domains import OTHER, Domain, DomainMap
from chatdb_tools.schema_docs.queries import BodyUsage, NamedQuery, body_usage

Key = tuple[str, str]


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


@dataclass(frozen=True, order=True)
class Step:
    """A view or function that a query reaches a relation through."""

    kind: str  # "relation" (a view or materialized view) or "function"
    key: Key


@dataclass(frozen=True)
class QueryUse:
    """A named query's access to one relation: directly (`via` empty) or through views and
    functions (`via`, outermost first)."""

    query: NamedQuery
    access: str  # read, write, or "read, write"
    via: tuple[Step, ...] = ()

    @property
    def indirect(self) -> bool:
        return bool(self.via)


@dataclass(frozen=True)
class FunctionUse:
    """A function whose body reads or writes a relation."""

    function: Function
    access: str


@dataclass
class SchemaModel:
    catalog: Catalog
    domains: list[Domain]
    domain_of: dict[Key, str]
    relationships: list[Relationship]
    usage: dict[Key, list[QueryUse]]
    queries: list[NamedQuery]
    # The migration file that creates each relation (absent: created at run time).
    created_by: dict[Key, str] = field(default_factory=dict)
    # (schema, name) -> (domain, migration file) of each function; overloads share a key.
    function_domain: dict[Key, tuple[str, str]] = field(default_factory=dict)
    # What each function's body touches, by (schema, name, identity arguments).
    bodies: dict[tuple[str, str, str], BodyUsage] = field(default_factory=dict)
    function_usage: dict[Key, list[FunctionUse]] = field(default_factory=dict)
    # Named queries that call each function (schema, name) directly.
    callers: dict[Key, list[NamedQuery]] = field(default_factory=dict)

    def members(self, domain: str) -> list[Relation]:
        return [r for r in self.catalog.sorted_relations() if self.domain_of[r.key] == domain]

    def functions_named(self, key: Key) -> list[Function]:
        return [f for f in self.catalog.functions if f.key == key]

    def body(self, function: Function) -> BodyUsage:
        return self.bodies[(function.schema, function.name, function.identity_arguments)]

    def domain_names(self) -> set[str]:
        return {d.name for d in self.domains}


def _access(modes: set[str]) -> str:
    return ", ".join(m for m in ("read", "write") if m in modes)


def _resolve(
    query: NamedQuery, catalog: Catalog, bodies: dict[Key, BodyUsage]
) -> dict[tuple[Key, tuple[Step, ...]], set[str]]:
    """(relation, path) -> access modes for everything `query` touches, breadth first, so
    each relation and mode is reached by its shortest path (a direct use hides an indirect
    one of the same mode)."""
    found: dict[tuple[Key, tuple[Step, ...]], set[str]] = {}
    queue: deque[tuple[str, Key, str, tuple[Step, ...]]] = deque()
    queue.extend(("relation", k, "read", ()) for k in sorted(query.reads))
    queue.extend(("relation", k, "write", ()) for k in sorted(query.writes))
    queue.extend(("function", k, "", ()) for k in sorted(query.calls) if k in bodies)
    seen: set[tuple[str, Key, str]] = set()
    while queue:
        kind, key, access, via = queue.popleft()
        if (kind, key, access) in seen:
            continue
        seen.add((kind, key, access))
        if kind == "function":
            step = Step("function", key)
            usage = bodies[key].usage
            queue.extend(("relation", k, "read", (*via, step)) for k in sorted(usage.reads))
            queue.extend(("relation", k, "write", (*via, step)) for k in sorted(usage.writes))
            queue.extend(
                ("function", k, "", (*via, step)) for k in sorted(usage.calls) if k in bodies
            )
            continue
        relation = catalog.relations.get(key)
        if relation is None:
            continue
        found.setdefault((key, via), set()).add(access)
        step = Step("relation", key)
        if relation.kind == "view":
            queue.extend(("relation", d, access, (*via, step)) for d in relation.depends_on)
        elif relation.kind == "materialized view" and access == "write":
            queue.extend(("relation", d, "read", (*via, step)) for d in relation.depends_on)
    return found


def _merge(bodies: list[BodyUsage]) -> BodyUsage:
    usage = bodies[0].usage
    for body in bodies[1:]:
        usage = usage | body.usage
    return BodyUsage(usage, any(b.dynamic for b in bodies), any(b.opaque for b in bodies))


def build_model(catalog: Catalog, domains: DomainMap, queries: list[NamedQuery]) -> SchemaModel:
    domain_of = {key: domains.domain_of(key) for key in catalog.relations}
    listed = list(domains.domains)
    if OTHER in domain_of.values():
        listed.append(
            Domain(OTHER, (), "Relations that no migration statement creates (made at run time).")
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

    bodies = {
        (f.schema, f.name, f.identity_arguments): body_usage(f.language, f.source, f.definition)
        for f in catalog.functions
    }
    by_name: dict[Key, list[BodyUsage]] = {}
    function_usage: dict[Key, list[FunctionUse]] = {}
    for function in catalog.functions:
        body = bodies[(function.schema, function.name, function.identity_arguments)]
        by_name.setdefault(function.key, []).append(body)
        for key in sorted((body.usage.reads | body.usage.writes) & catalog.relations.keys()):
            modes = {
                m
                for m, keys in (("read", body.usage.reads), ("write", body.usage.writes))
                if key in keys
            }
            function_usage.setdefault(key, []).append(FunctionUse(function, _access(modes)))
    named = {key: _merge(found) for key, found in by_name.items()}

    usage: dict[Key, list[QueryUse]] = {}
    callers: dict[Key, list[NamedQuery]] = {}
    for query in queries:
        for (key, via), modes in _resolve(query, catalog, named).items():
            usage.setdefault(key, []).append(QueryUse(query, _access(modes), via))
        for key in sorted(query.calls & named.keys()):
            callers.setdefault(key, []).append(query)
    for uses in usage.values():
        uses.sort(key=lambda u: (u.query.file, u.query.name, len(u.via), u.via))
    return SchemaModel(
        catalog,
        listed,
        domain_of,
        relationships,
        usage,
        queries,
        created_by=dict(domains.created_by),
        function_domain={f.key: domains.function_domain(f.key) for f in catalog.functions},
        bodies=bodies,
        function_usage=function_usage,
        callers=callers,
    )


def anchor(text: str) -> str:
    """The anchor GitHub-flavoured Markdown gives a heading."""
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def page_name(relation: Relation) -> str:
    return f"{relation.qualified}.md"


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", name)
