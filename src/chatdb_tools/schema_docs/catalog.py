"""Read what the schema reference documents from a migrated database's system catalog.

Everything here is version-neutral (PostgreSQL 15 and 16 give the same answers): the session
pins the settings that shape deparsed expressions (search_path, TimeZone, DateStyle,
IntervalStyle), nothing carries an oid or a server version, and every list is sorted in
Python (byte order), never by the database's collation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg

from chatdb_tools.schema_docs.normalise import unqualify_single_relation

# Relations the reference documents: tables, partitioned tables, views, materialized views and
# foreign tables of the application's schemas.
KINDS: dict[str, str] = {
    "r": "table",
    "p": "partitioned table",
    "v": "view",
    "m": "materialized view",
    "f": "foreign table",
}
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")
# dbmate's bookkeeping table: tooling, not part of the application's schema.
TOOLING_TABLES = frozenset({("public", "schema_migrations")})

# The table privileges in the order GRANT lists them (aclexplode's names).
PRIVILEGE_ORDER = (
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "TRUNCATE",
    "REFERENCES",
    "TRIGGER",
    "MAINTAIN",
)
# What an owner holds on every supported version (PostgreSQL 17 adds MAINTAIN).
OWNER_BASELINE = frozenset(PRIVILEGE_ORDER[:7])

_SESSION = (
    "SET search_path TO public",
    "SET TimeZone TO 'UTC'",
    "SET DateStyle TO 'ISO, MDY'",
    "SET IntervalStyle TO 'postgres'",
    "SET extra_float_digits TO 1",
)

_POLICY_COMMANDS = {"r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE", "*": "ALL"}
_TRIGGER_STATES = {"O": "enabled", "D": "disabled", "R": "replica only", "A": "always"}
_FK_ACTIONS = {
    "a": "NO ACTION",
    "r": "RESTRICT",
    "c": "CASCADE",
    "n": "SET NULL",
    "d": "SET DEFAULT",
}
_CONSTRAINT_KINDS = {
    "p": "PRIMARY KEY",
    "u": "UNIQUE",
    "f": "FOREIGN KEY",
    "c": "CHECK",
    "x": "EXCLUDE",
    "t": "TRIGGER",
}
_CONSTRAINT_ORDER = "pufcxt"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    not_null: bool
    default: str | None
    generated: str | None
    identity: str | None
    comment: str | None


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    ref_schema: str
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: str
    on_update: str


@dataclass(frozen=True)
class Constraint:
    name: str
    kind: str  # PRIMARY KEY, UNIQUE, FOREIGN KEY, CHECK, EXCLUDE, TRIGGER
    definition: str
    columns: tuple[str, ...]
    inherited: bool
    foreign_key: ForeignKey | None
    comment: str | None


@dataclass(frozen=True)
class Index:
    name: str
    method: str
    unique: bool
    primary: bool
    constraint: str | None
    predicate: str | None
    definition: str
    comment: str | None
    # The key columns, when every key is a plain column (empty for expression indexes).
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Trigger:
    name: str
    state: str
    definition: str
    comment: str | None
    function: tuple[str, str] = ("", "")  # (schema, name) of the function it executes


@dataclass(frozen=True)
class Policy:
    name: str
    command: str
    permissive: bool
    roles: tuple[str, ...]
    using: str | None
    with_check: str | None


@dataclass(frozen=True)
class Grant:
    """The privileges one role holds on the relation (or on some of its columns)."""

    role: str
    privileges: tuple[str, ...]
    grantable: tuple[str, ...]
    columns: tuple[str, ...] = ()


@dataclass
class Relation:
    schema: str
    name: str
    kind: str
    owner: str
    comment: str | None
    columns: list[Column] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    triggers: list[Trigger] = field(default_factory=list)
    policies: list[Policy] = field(default_factory=list)
    grants: list[Grant] = field(default_factory=list)
    column_grants: list[Grant] = field(default_factory=list)
    rls_enabled: bool = False
    rls_forced: bool = False
    options: tuple[str, ...] = ()
    partition_key: str | None = None
    partition_of: tuple[str, str] | None = None
    partition_bound: str | None = None
    partitions: list[tuple[str, str]] = field(default_factory=list)
    populated: bool = True
    definition: str | None = None
    depends_on: list[tuple[str, str]] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return (self.schema, self.name)

    @property
    def qualified(self) -> str:
        return self.name if self.schema == "public" else f"{self.schema}.{self.name}"

    @property
    def foreign_keys(self) -> list[Constraint]:
        return [c for c in self.constraints if c.foreign_key is not None]

    def unique_column_sets(self) -> set[frozenset[str]]:
        """Column sets a row is unique on (primary key, unique constraints, unique indexes)."""
        sets = {
            frozenset(c.columns)
            for c in self.constraints
            if c.kind in ("PRIMARY KEY", "UNIQUE") and c.columns
        }
        for index in self.indexes:
            if index.unique and index.predicate is None:
                sets.add(frozenset(index.columns))
        return {s for s in sets if s}


@dataclass(frozen=True)
class Function:
    """A function or procedure of the application's schemas, as pg_proc describes it."""

    schema: str
    name: str
    identity_arguments: str  # `from_day date, to_day date`: what tells overloads apart
    arguments: str  # with defaults: `months_ahead integer, months_back integer DEFAULT 0`
    result: str  # `SETOF usage_daily_stats`, `trigger`; empty for a procedure
    kind: str  # function, procedure, aggregate, window
    language: str
    volatility: str  # immutable, stable, volatile
    strict: bool
    security_definer: bool
    leakproof: bool
    parallel: str  # safe, restricted, unsafe
    owner: str
    config: tuple[str, ...]  # proconfig, e.g. ("search_path=pg_catalog, public",)
    comment: str | None
    source: str  # prosrc (the body as written), or the deparsed SQL-standard body
    definition: str  # pg_get_functiondef: the whole CREATE FUNCTION statement
    grants: tuple[Grant, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        return (self.schema, self.name)

    @property
    def qualified(self) -> str:
        return self.name if self.schema == "public" else f"{self.schema}.{self.name}"

    @property
    def signature(self) -> str:
        """`current_user_usage_daily_stats(date, date)`-like: the name and identity arguments."""
        return f"{self.qualified}({self.identity_arguments})"

    @property
    def search_path(self) -> str | None:
        for setting in self.config:
            name, _, value = setting.partition("=")
            if name == "search_path":
                return value
        return None

    @property
    def returns_trigger(self) -> bool:
        return self.result in ("trigger", "event_trigger")


@dataclass(frozen=True)
class EnumType:
    schema: str
    name: str
    labels: tuple[str, ...]
    comment: str | None


@dataclass
class Catalog:
    relations: dict[tuple[str, str], Relation]
    enums: list[EnumType]
    # Partitions that exist in the catalog but are left out of the reference (see docs).
    omitted_partitions: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    # Sorted by schema, name and identity arguments.
    functions: list[Function] = field(default_factory=list)

    def sorted_relations(self) -> list[Relation]:
        return [self.relations[k] for k in sorted(self.relations)]


def _acl_grants(
    rows: list[tuple[Any, ...]],
    owner: str,
    order: tuple[str, ...] = PRIVILEGE_ORDER,
    baseline: frozenset[str] | None = OWNER_BASELINE,
) -> list[Grant]:
    """Collapse aclexplode rows (grantee, privilege, grantable[, column]) into Grant values;
    an owner holding every privilege of `baseline` is shown as ALL."""
    privileges: dict[tuple[str, tuple[str, ...]], dict[str, bool]] = {}
    for grantee, privilege, grantable, *rest in rows:
        columns = tuple(rest[0]) if rest else ()
        slot = privileges.setdefault((grantee, columns), {})
        slot[privilege] = slot.get(privilege, False) or bool(grantable)
    grants = []
    for (role, columns), held in privileges.items():
        ordered = tuple(p for p in order if p in held)
        with_grant = tuple(p for p in ordered if held[p])
        if baseline is not None and role == owner and not columns and held.keys() >= baseline:
            ordered, with_grant = ("ALL",), ()
        grants.append(Grant(role, ordered, with_grant, columns))
    return sorted(grants, key=lambda g: (g.role != "PUBLIC", g.role, g.columns))


def _fetch(conn: psycopg.Connection, query: str, *params: Any) -> list[tuple[Any, ...]]:
    return conn.execute(query.encode(), params or None).fetchall()


_RELATIONS = """
SELECT c.oid, n.nspname, c.relname, c.relkind::text, pg_get_userbyid(c.relowner),
       obj_description(c.oid, 'pg_class'), c.relrowsecurity, c.relforcerowsecurity,
       coalesce(c.reloptions, '{}'), c.relispartition, c.relispopulated,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
  AND NOT EXISTS (
      SELECT 1 FROM pg_depend AS d
      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
  )
"""

_COLUMNS = """
SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END,
       CASE WHEN a.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid) END,
       CASE a.attidentity WHEN 'a' THEN 'ALWAYS' WHEN 'd' THEN 'BY DEFAULT' END,
       col_description(a.attrelid, a.attnum)
FROM pg_attribute AS a
LEFT JOIN pg_attrdef AS d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""

_CONSTRAINTS = """
SELECT con.conrelid, con.conname, con.contype::text, pg_get_constraintdef(con.oid, false),
       ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY AS k(num, ord)
             JOIN pg_attribute AS a ON a.attrelid = con.conrelid AND a.attnum = k.num
             ORDER BY k.ord)::text[],
       NOT con.conislocal,
       rn.nspname, rc.relname,
       ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY AS k(num, ord)
             JOIN pg_attribute AS a ON a.attrelid = con.confrelid AND a.attnum = k.num
             ORDER BY k.ord)::text[],
       con.confdeltype::text, con.confupdtype::text,
       obj_description(con.oid, 'pg_constraint')
FROM pg_constraint AS con
LEFT JOIN pg_class AS rc ON rc.oid = con.confrelid
LEFT JOIN pg_namespace AS rn ON rn.oid = rc.relnamespace
WHERE con.conrelid = ANY(%s)
"""

_INDEXES = """
SELECT i.indrelid, ic.relname, am.amname, i.indisunique, i.indisprimary,
       (SELECT con.conname FROM pg_constraint AS con
        WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid
          AND con.contype IN ('p', 'u', 'x')),
       pg_get_expr(i.indpred, i.indrelid), pg_get_indexdef(i.indexrelid),
       obj_description(i.indexrelid, 'pg_class'),
       CASE WHEN i.indexprs IS NULL THEN
           ARRAY(SELECT a.attname FROM generate_subscripts(i.indkey, 1) AS k(n)
                 JOIN pg_attribute AS a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k.n]
                 WHERE k.n < i.indnkeyatts ORDER BY k.n)::text[]
       END
FROM pg_index AS i
JOIN pg_class AS ic ON ic.oid = i.indexrelid
JOIN pg_am AS am ON am.oid = ic.relam
WHERE i.indrelid = ANY(%s)
"""

_TRIGGERS = """
SELECT t.tgrelid, t.tgname, t.tgenabled::text, pg_get_triggerdef(t.oid, false),
       obj_description(t.oid, 'pg_trigger'), pn.nspname, p.proname
FROM pg_trigger AS t
JOIN pg_proc AS p ON p.oid = t.tgfoid
JOIN pg_namespace AS pn ON pn.oid = p.pronamespace
WHERE t.tgrelid = ANY(%s) AND NOT t.tgisinternal
"""

_PROC_KINDS = {"f": "function", "p": "procedure", "a": "aggregate", "w": "window"}
_VOLATILITY = {"i": "immutable", "s": "stable", "v": "volatile"}
_PARALLEL = {"s": "safe", "r": "restricted", "u": "unsafe"}

_FUNCTIONS = """
SELECT p.oid, n.nspname, p.proname, pg_get_function_identity_arguments(p.oid),
       pg_get_function_arguments(p.oid), coalesce(pg_get_function_result(p.oid), ''),
       p.prokind::text, l.lanname, p.provolatile::text, p.proisstrict, p.prosecdef,
       p.proleakproof, p.proparallel::text, pg_get_userbyid(p.proowner),
       coalesce(p.proconfig, '{}'), obj_description(p.oid, 'pg_proc'),
       CASE WHEN p.prosqlbody IS NULL THEN p.prosrc ELSE pg_get_function_sqlbody(p.oid) END,
       CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) ELSE '' END
FROM pg_proc AS p
JOIN pg_namespace AS n ON n.oid = p.pronamespace
JOIN pg_language AS l ON l.oid = p.prolang
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
  AND NOT EXISTS (
      SELECT 1 FROM pg_depend AS d
      WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  )
"""

_FUNCTION_GRANTS = """
SELECT p.oid, CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END,
       x.privilege_type, x.is_grantable
FROM pg_proc AS p,
     LATERAL aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) AS x
WHERE p.oid = ANY(%s)
"""

_POLICIES = """
SELECT p.polrelid, p.polname, p.polcmd::text, p.polpermissive,
       ARRAY(SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(r) END
             FROM unnest(p.polroles) AS r)::text[],
       pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)
FROM pg_policy AS p
WHERE p.polrelid = ANY(%s)
"""

_GRANTS = """
SELECT c.oid, CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END,
       x.privilege_type, x.is_grantable
FROM pg_class AS c,
     LATERAL aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) AS x
WHERE c.oid = ANY(%s)
"""

_COLUMN_GRANTS = """
SELECT a.attrelid, CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END,
       x.privilege_type, x.is_grantable, a.attname, a.attnum
FROM pg_attribute AS a, LATERAL aclexplode(a.attacl) AS x
WHERE a.attrelid = ANY(%s) AND a.attacl IS NOT NULL AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""

_VIEW_DEPENDENCIES = """
SELECT DISTINCT r.ev_class, n.nspname, c.relname
FROM pg_rewrite AS r
JOIN pg_depend AS d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
JOIN pg_class AS c ON c.oid = d.refobjid
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE r.ev_class = ANY(%s) AND d.refclassid = 'pg_class'::regclass AND c.oid <> r.ev_class
"""

_PARTITIONS = """
SELECT i.inhparent, n.nspname, c.relname, pg_get_expr(c.relpartbound, c.oid)
FROM pg_inherits AS i
JOIN pg_class AS c ON c.oid = i.inhrelid
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE i.inhparent = ANY(%s)
"""

_ENUMS = """
SELECT n.nspname, t.typname, obj_description(t.oid, 'pg_type'),
       ARRAY(SELECT e.enumlabel FROM pg_enum AS e WHERE e.enumtypid = t.oid
             ORDER BY e.enumsortorder)::text[]
FROM pg_type AS t
JOIN pg_namespace AS n ON n.oid = t.typnamespace
WHERE t.typtype = 'e'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND NOT EXISTS (
      SELECT 1 FROM pg_depend AS d
      WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
  )
"""

_PARENT = """
SELECT i.inhrelid, pn.nspname, p.relname
FROM pg_inherits AS i
JOIN pg_class AS p ON p.oid = i.inhparent
JOIN pg_namespace AS pn ON pn.oid = p.relnamespace
WHERE i.inhrelid = ANY(%s)
"""


def read_catalog(
    conn: psycopg.Connection, *, declared: set[tuple[str, str]] | None = None
) -> Catalog:
    """Read every documented relation of the database `conn` is connected to.

    `declared` names the relations the migrations create by statement. A partition that is
    not among them was created at run time (e.g. a monthly partition named after the date it
    was migrated): it is left out, so the reference does not change with the calendar, and
    its parent's page says so. Without `declared`, every partition is documented.
    """
    for statement in _SESSION:
        conn.execute(statement)
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return _read(conn, declared)


def _read(conn: psycopg.Connection, declared: set[tuple[str, str]] | None) -> Catalog:
    by_oid: dict[int, Relation] = {}
    partition_oids: list[int] = []
    for row in _fetch(conn, _RELATIONS):
        oid, schema, name, kind, owner, comment, rls, forced = row[:8]
        options, is_partition, populated, partkey, bound, definition = row[8:]
        if (schema, name) in TOOLING_TABLES:
            continue
        relation = Relation(
            schema=schema,
            name=name,
            kind=KINDS[kind],
            owner=owner,
            comment=comment,
            rls_enabled=rls,
            rls_forced=forced,
            options=tuple(sorted(options)),
            partition_key=partkey,
            partition_bound=bound,
            populated=populated,
            definition=unqualify_single_relation(definition.strip()) if definition else None,
        )
        by_oid[oid] = relation
        if is_partition:
            partition_oids.append(oid)

    omitted: dict[tuple[str, str], list[str]] = {}
    for child, parent_schema, parent_name in _fetch(conn, _PARENT, partition_oids):
        relation = by_oid[child]
        relation.partition_of = (parent_schema, parent_name)
        if declared is not None and relation.key not in declared:
            omitted.setdefault((parent_schema, parent_name), []).append(relation.name)
            del by_oid[child]
    oids = list(by_oid)

    for rel_oid, *values in _fetch(conn, _COLUMNS, oids):
        if rel_oid in by_oid:
            by_oid[rel_oid].columns.append(Column(*values))

    for row in _fetch(conn, _CONSTRAINTS, oids):
        rel_oid, name, kind, definition, columns, inherited = row[:6]
        ref_schema, ref_table, ref_columns, on_delete, on_update, comment = row[6:]
        foreign_key = None
        if kind == "f":
            foreign_key = ForeignKey(
                tuple(columns),
                ref_schema,
                ref_table,
                tuple(ref_columns),
                _FK_ACTIONS[on_delete],
                _FK_ACTIONS[on_update],
            )
        by_oid[rel_oid].constraints.append(
            Constraint(
                name,
                _CONSTRAINT_KINDS.get(kind, kind),
                definition,
                tuple(columns),
                inherited,
                foreign_key,
                comment,
            )
        )

    for row in _fetch(conn, _INDEXES, oids):
        name, method, unique, primary, constraint, predicate, definition, comment = row[1:9]
        by_oid[row[0]].indexes.append(
            Index(
                name,
                method,
                unique,
                primary,
                constraint,
                predicate,
                definition,
                comment,
                tuple(row[9] or ()),
            )
        )

    for rel_oid, name, state, definition, comment, fschema, fname in _fetch(conn, _TRIGGERS, oids):
        by_oid[rel_oid].triggers.append(
            Trigger(name, _TRIGGER_STATES.get(state, state), definition, comment, (fschema, fname))
        )

    for rel_oid, name, command, permissive, roles, using, check in _fetch(conn, _POLICIES, oids):
        by_oid[rel_oid].policies.append(
            Policy(
                name,
                _POLICY_COMMANDS[command],
                permissive,
                tuple(sorted(roles)),
                using,
                check,
            )
        )

    table_acl: dict[int, list[tuple[Any, ...]]] = {}
    for rel_oid, *values in _fetch(conn, _GRANTS, oids):
        table_acl.setdefault(rel_oid, []).append(tuple(values))
    column_acl: dict[int, dict[tuple[str, str, bool], list[str]]] = {}
    for rel_oid, grantee, privilege, grantable, column, _attnum in _fetch(
        conn, _COLUMN_GRANTS, oids
    ):
        slot = column_acl.setdefault(rel_oid, {})
        slot.setdefault((grantee, privilege, grantable), []).append(column)
    for rel_oid, relation in by_oid.items():
        relation.grants = _acl_grants(table_acl.get(rel_oid, []), relation.owner)
        relation.column_grants = _column_grants(column_acl.get(rel_oid, {}))

    for rel_oid, schema, name in _fetch(conn, _VIEW_DEPENDENCIES, oids):
        by_oid[rel_oid].depends_on.append((schema, name))

    documented = {r.key for r in by_oid.values()}
    for parent_oid, schema, name, bound in _fetch(conn, _PARTITIONS, oids):
        if (schema, name) in documented:
            by_oid[parent_oid].partitions.append((name, bound))

    for relation in by_oid.values():
        relation.constraints.sort(key=lambda c: (_CONSTRAINT_ORDER.index(_kind_code(c)), c.name))
        relation.indexes.sort(key=lambda i: i.name)
        relation.triggers.sort(key=lambda t: t.name)
        relation.policies.sort(key=lambda p: p.name)
        relation.depends_on.sort()
        relation.partitions.sort()

    enums = sorted(
        (EnumType(s, n, tuple(labels), comment) for s, n, comment, labels in _fetch(conn, _ENUMS)),
        key=lambda e: (e.schema, e.name),
    )
    for names in omitted.values():
        names.sort()
    return Catalog({r.key: r for r in by_oid.values()}, enums, omitted, _functions(conn))


def _functions(conn: psycopg.Connection) -> list[Function]:
    rows = _fetch(conn, _FUNCTIONS)
    acl: dict[int, list[tuple[Any, ...]]] = {}
    for oid, *values in _fetch(conn, _FUNCTION_GRANTS, [row[0] for row in rows]):
        acl.setdefault(oid, []).append(tuple(values))
    functions = []
    for row in rows:
        oid, schema, name, identity, arguments, result, kind, language = row[:8]
        volatility, strict, definer, leakproof, parallel, owner, config, comment = row[8:16]
        source, definition = row[16:]
        grants = _acl_grants(acl.get(oid, []), owner, order=("EXECUTE",), baseline=None)
        functions.append(
            Function(
                schema=schema,
                name=name,
                identity_arguments=identity,
                arguments=arguments,
                result=result,
                kind=_PROC_KINDS.get(kind, kind),
                language=language,
                volatility=_VOLATILITY.get(volatility, volatility),
                strict=strict,
                security_definer=definer,
                leakproof=leakproof,
                parallel=_PARALLEL.get(parallel, parallel),
                owner=owner,
                config=tuple(sorted(config)),
                comment=comment,
                source=(source or "").strip("\n"),
                definition=definition,
                grants=tuple(grants),
            )
        )
    return sorted(functions, key=lambda f: (f.schema, f.name, f.identity_arguments))


def _kind_code(constraint: Constraint) -> str:
    for code, kind in _CONSTRAINT_KINDS.items():
        if kind == constraint.kind:
            return code
    return "t"


def _column_grants(acl: dict[tuple[str, str, bool], list[str]]) -> list[Grant]:
    """Column privileges, one Grant per role and column list (columns in table order)."""
    by_role_columns: dict[tuple[str, tuple[str, ...]], dict[str, bool]] = {}
    for (grantee, privilege, grantable), columns in acl.items():
        slot = by_role_columns.setdefault((grantee, tuple(columns)), {})
        slot[privilege] = slot.get(privilege, False) or grantable
    grants = [
        Grant(
            role,
            tuple(p for p in PRIVILEGE_ORDER if p in held),
            tuple(p for p in PRIVILEGE_ORDER if held.get(p)),
            columns,
        )
        for (role, columns), held in by_role_columns.items()
    ]
    return sorted(grants, key=lambda g: (g.role, g.privileges, g.columns))


def missing_comments(catalog: Catalog) -> list[str]:
    """Relations and functions without a COMMENT, as qualified names (functions with their
    argument types); the reference requires one each."""
    relations = [r.qualified for r in catalog.sorted_relations() if not (r.comment or "").strip()]
    functions = [f.signature for f in catalog.functions if not (f.comment or "").strip()]
    return relations + functions
