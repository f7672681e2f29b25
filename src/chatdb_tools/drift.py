"""Schema drift: what a live database holds compared with what the migrations build.

Both sides are read from the catalog as a snapshot (`kind name -> definition`) on the same
server, so no pg_dump is involved and any server version works. Compared: tables (with
their row-level security flags), columns, indexes, constraints, policies, grants, views,
functions, triggers and enum types of schema `public`. Left out: dbmate's
`schema_migrations` (its rows are the migration history, not the schema) and partitions,
whose monthly names depend on the day the migrations ran (`chatdb maintain` adds more).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import psycopg

# Relations the comparison covers: public, not a partition, not dbmate's bookkeeping.
_RELATIONS = """
    SELECT c.oid FROM pg_catalog.pg_class AS c
    JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND NOT c.relispartition AND c.relname <> 'schema_migrations'
"""

_QUERIES: dict[str, str] = {
    "table": f"""
        SELECT c.relname, c.relkind::text || ' rls=' || c.relrowsecurity
               || ' forced=' || c.relforcerowsecurity
        FROM pg_catalog.pg_class AS c
        WHERE c.oid IN ({_RELATIONS}) AND c.relkind IN ('r', 'p', 'v', 'm', 'S')""",
    "column": f"""
        SELECT c.relname || '.' || a.attname,
               format_type(a.atttypid, a.atttypmod)
               || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
               || coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')
               || CASE WHEN a.attidentity <> '' THEN ' IDENTITY ' || a.attidentity::text ELSE '' END
               || CASE WHEN a.attgenerated <> '' THEN ' GENERATED' ELSE '' END
        FROM pg_catalog.pg_attribute AS a
        JOIN pg_catalog.pg_class AS c ON c.oid = a.attrelid
        LEFT JOIN pg_catalog.pg_attrdef AS d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.oid IN ({_RELATIONS}) AND c.relkind IN ('r', 'p', 'v', 'm')
          AND a.attnum > 0 AND NOT a.attisdropped""",
    "index": f"""
        SELECT i.relname, pg_get_indexdef(x.indexrelid)
        FROM pg_catalog.pg_index AS x
        JOIN pg_catalog.pg_class AS i ON i.oid = x.indexrelid
        WHERE x.indrelid IN ({_RELATIONS})""",
    "constraint": f"""
        SELECT c.relname || '.' || k.conname, pg_get_constraintdef(k.oid)
        FROM pg_catalog.pg_constraint AS k
        JOIN pg_catalog.pg_class AS c ON c.oid = k.conrelid
        WHERE k.conrelid IN ({_RELATIONS})""",
    "policy": """
        SELECT tablename || '.' || policyname,
               permissive || ' ' || cmd || ' TO ' || array_to_string(roles, ',')
               || coalesce(' USING ' || qual, '') || coalesce(' CHECK ' || with_check, '')
        FROM pg_catalog.pg_policies
        WHERE schemaname = 'public'""",
    "grant": f"""
        SELECT c.relname || ' to ' || coalesce(g.rolname, 'PUBLIC'),
               string_agg(a.privilege_type, ',' ORDER BY a.privilege_type)
        FROM pg_catalog.pg_class AS c
        CROSS JOIN LATERAL aclexplode(c.relacl) AS a
        LEFT JOIN pg_catalog.pg_roles AS g ON g.oid = a.grantee
        WHERE c.oid IN ({_RELATIONS}) AND a.grantee <> c.relowner
        GROUP BY 1""",
    "column grant": f"""
        SELECT c.relname || '.' || t.attname || ' to ' || coalesce(g.rolname, 'PUBLIC'),
               string_agg(a.privilege_type, ',' ORDER BY a.privilege_type)
        FROM pg_catalog.pg_attribute AS t
        JOIN pg_catalog.pg_class AS c ON c.oid = t.attrelid
        CROSS JOIN LATERAL aclexplode(t.attacl) AS a
        LEFT JOIN pg_catalog.pg_roles AS g ON g.oid = a.grantee
        WHERE c.oid IN ({_RELATIONS}) AND t.attacl IS NOT NULL
        GROUP BY 1""",
    "function": """
        SELECT p.oid::regprocedure::text, md5(pg_get_functiondef(p.oid))
        FROM pg_catalog.pg_proc AS p
        JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.prokind IN ('f', 'p')""",
    "function grant": """
        SELECT p.oid::regprocedure::text, coalesce(p.proacl::text, 'default')
        FROM pg_catalog.pg_proc AS p
        JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.prokind IN ('f', 'p')""",
    "view": f"""
        SELECT c.relname, md5(pg_get_viewdef(c.oid))
        FROM pg_catalog.pg_class AS c
        WHERE c.oid IN ({_RELATIONS}) AND c.relkind IN ('v', 'm')""",
    "trigger": f"""
        SELECT c.relname || '.' || t.tgname, pg_get_triggerdef(t.oid)
        FROM pg_catalog.pg_trigger AS t
        JOIN pg_catalog.pg_class AS c ON c.oid = t.tgrelid
        WHERE t.tgrelid IN ({_RELATIONS}) AND NOT t.tgisinternal""",
    "enum": """
        SELECT t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
        FROM pg_catalog.pg_type AS t
        JOIN pg_catalog.pg_namespace AS n ON n.oid = t.typnamespace
        JOIN pg_catalog.pg_enum AS e ON e.enumtypid = t.oid
        WHERE n.nspname = 'public'
        GROUP BY 1""",
}

Snapshot = dict[str, str]


def snapshot(conn: psycopg.Connection) -> Snapshot:
    """`"<kind> <name>" -> definition` for everything the comparison covers.

    Sets the session's search_path to `public`, so names print the same way on both sides
    (a loaded dump leaves it empty, which qualifies every name).
    """
    conn.execute("SELECT pg_catalog.set_config('search_path', 'public', false)")
    found: Snapshot = {}
    for kind, query in _QUERIES.items():
        for name, definition in conn.execute(query.encode()).fetchall():
            found[f"{kind} {name}"] = str(definition)
    return found


@dataclass(frozen=True)
class Drift:
    """How a live database departs from what the migrations build."""

    only_live: list[str]  # in the database, not built by the migrations (added by hand)
    only_migrations: list[str]  # built by the migrations, missing from the database
    changed: list[str]  # both have it, with another definition

    def __bool__(self) -> bool:
        return bool(self.only_live or self.only_migrations or self.changed)

    def lines(self) -> list[str]:
        """One line per difference, for humans."""
        return [
            *(f"+ {item}: in the database, not in the migrations" for item in self.only_live),
            *(
                f"- {item}: in the migrations, missing from the database"
                for item in self.only_migrations
            ),
            *(f"~ {item}: defined differently" for item in self.changed),
        ]

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "only_in_database": self.only_live,
            "only_in_migrations": self.only_migrations,
            "changed": self.changed,
        }


GRANT_KINDS = ("grant ", "column grant ", "function grant ")


def without_grants(found: Snapshot) -> Snapshot:
    """`found` less its grants: the committed dump is made without privileges (dbmate)."""
    return {k: v for k, v in found.items() if not k.startswith(GRANT_KINDS)}


_PARENS = re.compile(r"[()\s]+")


def _loosely(definition: str) -> str:
    return _PARENS.sub(" ", definition).strip()


def compare(live: Snapshot, expected: Snapshot, *, reloaded: bool = False) -> Drift:
    """What differs. `reloaded`: one side was loaded from a dump, whose expressions the server
    prints with other parentheses (`((a) AND (b)) AND (c)` comes back as `(a) AND (b) AND (c)`),
    so definitions then compare without parentheses."""

    def differs(key: str) -> bool:
        if reloaded:
            return _loosely(live[key]) != _loosely(expected[key])
        return live[key] != expected[key]

    return Drift(
        only_live=sorted(set(live) - set(expected)),
        only_migrations=sorted(set(expected) - set(live)),
        changed=sorted(k for k in set(live) & set(expected) if differs(k)),
    )
