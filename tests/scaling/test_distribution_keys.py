"""docs/scaling.md matches the schema and the queries: every table of the migrated catalog has a
distribution decision, and every named query in db/queries/*.sql either reaches each
distributed table through its distribution key (a `col = x` / `col = ANY(x)` / `col IN (...)`
predicate on the distribution column, not under OR or NOT; an INSERT that names the key in its
column list with a value, or leaves it to its default; or an equality join on distribution
columns with a table reached that way), or is listed in the document as a reference lookup or
an accepted fan-out. And every unique key of a distributed table includes its distribution
column, or is listed in the document as a planned change.

The queries are read with pglast (PostgreSQL's parser) after replacing sqlc's macros; the
analysis is generic, so new query files are checked as they appear.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pglast import ast, parse_sql
from pglast.enums import A_Expr_Kind, BoolExprType, SetOperation

from chatdb_tools.schema_docs.queries import replace_macros

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "scaling.md"
QUERIES = ROOT / "db" / "queries"

_BLOCK = re.compile(r"```distribution\n(.*?)```", re.DOTALL)
_NAME = re.compile(r"^--\s*name:\s*(\S+)\s+:(\w+)", re.MULTILINE)
_LOCAL = ("reference", "local")


@dataclass(frozen=True)
class Plan:
    tables: dict[str, str]  # table -> distribution column, "reference" or "local"
    planned: frozenset[str]  # tables whose distribution column is still to be added
    queries: dict[str, str]  # query -> "single-shard", "reference" or "fan-out: <reason>"
    # unique constraints/indexes of distributed tables without the distribution column yet
    constraints: dict[str, str] = dataclasses.field(default_factory=dict)  # name -> reason


def read_plan(text: str) -> Plan:
    tables: dict[str, str] = {}
    queries: dict[str, str] = {}
    constraints: dict[str, str] = {}
    planned: set[str] = set()
    blocks = _BLOCK.findall(text)
    assert blocks, "docs/scaling.md has no ```distribution block"
    for block in blocks:
        for number, raw in enumerate(block.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            kind, _, rest = line.partition(" ")
            name, _, value = rest.partition(":")
            name, value = name.strip(), value.strip()
            kinds = {"table": tables, "query": queries, "constraint": constraints}
            assert kind in kinds and name and value, f"bad line {number}: {raw!r}"
            target = kinds[kind]
            assert name not in target, f"{kind} {name} is listed twice"
            if kind == "table" and value.endswith(" (planned)"):
                value = value.removesuffix(" (planned)").strip()
                planned.add(name)
            target[name] = value
    for name, value in queries.items():
        assert value in ("single-shard", "reference") or re.fullmatch(r"fan-out: \S.*", value), (
            f"query {name}: classification {value!r} is not single-shard, reference or "
            "fan-out: <reason>"
        )
    return Plan(tables, frozenset(planned), queries, constraints)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return read_plan(DOC.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def catalog(shared_db_url: str) -> dict[str, set[str]]:
    """Every relation of the public schema (partitions folded into their parent) -> columns."""
    with psycopg.connect(shared_db_url) as conn:
        rows = conn.execute(
            """SELECT c.relname, a.attname
               FROM pg_class AS c
               JOIN pg_namespace AS n ON n.oid = c.relnamespace
               JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0
                                     AND NOT a.attisdropped
               WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'm', 'v', 'f')
                 AND NOT c.relispartition"""
        ).fetchall()
    columns: dict[str, set[str]] = {}
    for table, column in rows:
        columns.setdefault(table, set()).add(column)
    return columns


@pytest.fixture(scope="module")
def defaulted(shared_db_url: str) -> dict[str, set[str]]:
    """Table -> columns with a default or an identity (what an INSERT may leave out)."""
    with psycopg.connect(shared_db_url) as conn:
        rows = conn.execute(
            """SELECT c.relname, a.attname
               FROM pg_class AS c
               JOIN pg_namespace AS n ON n.oid = c.relnamespace
               JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0
                                     AND NOT a.attisdropped
               WHERE n.nspname = 'public' AND NOT c.relispartition
                 AND (a.atthasdef OR a.attidentity <> '')"""
        ).fetchall()
    columns: dict[str, set[str]] = {}
    for table, column in rows:
        columns.setdefault(table, set()).add(column)
    return columns


@pytest.fixture(scope="module")
def unique_keys(shared_db_url: str) -> dict[str, tuple[str, list[str]]]:
    """Every primary key, unique constraint, unique index and exclusion constraint of the
    public schema's tables (partitions folded into their parent): name -> (table, columns)."""
    with psycopg.connect(shared_db_url) as conn:
        rows = conn.execute(
            """SELECT i.relname, c.relname,
                      array(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY AS k(num, o)
                            JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum = k.num
                            ORDER BY k.o)
               FROM pg_index AS x
               JOIN pg_class AS c ON c.oid = x.indrelid
               JOIN pg_class AS i ON i.oid = x.indexrelid
               JOIN pg_namespace AS n ON n.oid = c.relnamespace
               LEFT JOIN pg_constraint AS con ON con.conindid = x.indexrelid
                                             AND con.conrelid = c.oid
               WHERE n.nspname = 'public' AND NOT c.relispartition
                 AND (x.indisunique OR con.contype = 'x')"""
        ).fetchall()
    return {index: (table, list(columns)) for index, table, columns in rows}


# -- the query analysis -------------------------------------------------------------------------


def walk(node: Any) -> Iterator[Any]:
    if isinstance(node, tuple | list):
        for item in node:
            yield from walk(item)
    elif isinstance(node, ast.Node):
        yield node
        for attribute in node:
            yield from walk(getattr(node, attribute))


def named_queries() -> Iterator[tuple[str, str, str]]:
    """(file, name, sql) of every named query."""
    for path in sorted(QUERIES.glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        matches = list(_NAME.finditer(text))
        for index, match in enumerate(matches):
            end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
            yield path.name, match.group(1), text[match.end() : end]


def _column(node: Any) -> tuple[str | None, str] | None:
    """(qualifier, column) of a plain column reference, else None."""
    if not isinstance(node, ast.ColumnRef):
        return None
    names = [f.sval for f in node.fields if isinstance(f, ast.String)]
    if len(names) != len(node.fields) or not names:
        return None
    return (names[-2] if len(names) >= 2 else None), names[-1]


def conjunctive(node: Any) -> Iterator[Any]:
    """Like `walk`, but skips everything under OR or NOT: an equality there does not pin a
    row to one shard (`WHERE id = @id OR user_id = @u` reads every shard)."""
    if isinstance(node, tuple | list):
        for item in node:
            yield from conjunctive(item)
    elif isinstance(node, ast.Node):
        if isinstance(node, ast.BoolExpr) and node.boolop != BoolExprType.AND_EXPR:
            return
        yield node
        for attribute in node:
            yield from conjunctive(getattr(node, attribute))


def unanchored_tables(
    sql: str,
    plan: Plan,
    catalog: dict[str, set[str]],
    defaulted: dict[str, set[str]] | None = None,
) -> set[str]:
    """The distributed tables `sql` reads or writes without reaching them by their key.
    `defaulted`: table -> columns with a default (a key left to its default is evaluated on
    the coordinator, e.g. `id uuid DEFAULT gen_random_uuid()`, and the row routed by it)."""
    tree = parse_sql(replace_macros(sql))
    ctes = {n.ctename for n in walk(tree) if isinstance(n, ast.CommonTableExpr)}
    aliases: dict[str, set[str]] = {}  # alias or table name -> tables
    used: set[str] = set()
    anchored: set[str] = set()  # aliases reached by the key
    for node in walk(tree):
        if isinstance(node, ast.RangeVar) and node.relname not in ctes:
            name = node.relname
            used.add(name)
            aliases.setdefault(name, set()).add(name)
            if node.alias is not None:
                aliases.setdefault(node.alias.aliasname, set()).add(name)

    def distributed(table: str) -> str | None:
        column = plan.tables.get(table)
        return None if column is None or column in _LOCAL else column

    def keyed(ref: tuple[str | None, str]) -> set[str]:
        """Aliases for which `ref` is the distribution column."""
        qualifier, column = ref
        if qualifier is not None:
            tables = aliases.get(qualifier, set())
            return {qualifier} if any(distributed(t) == column for t in tables) else set()
        owners = {a for a, ts in aliases.items() if any(column in catalog.get(t, ()) for t in ts)}
        return {a for a in owners if any(distributed(t) == column for t in aliases[a])}

    equalities: list[tuple[Any, Any]] = []
    for node in conjunctive(tree):
        if not isinstance(node, ast.A_Expr):
            continue
        names = [n.sval for n in node.name or () if isinstance(n, ast.String)]
        kinds = (A_Expr_Kind.AEXPR_OP, A_Expr_Kind.AEXPR_OP_ANY, A_Expr_Kind.AEXPR_IN)
        if node.kind in kinds and names == ["="]:
            equalities.append((node.lexpr, node.rexpr))

    def pinned(ref: tuple[str | None, str]) -> bool:
        """`ref` equals a value (not a column) in a conjunctive predicate, or is the key of a
        table reached by its key."""
        if keyed(ref) & anchored:
            return True
        for left, right in equalities:
            for this, other in ((left, right), (right, left)):
                if _column(this) == ref and _column(other) is None:
                    return True
        return False

    # An INSERT is routed row by row by the key it supplies: the key column must be in the
    # column list with a value (VALUES, or a SELECT whose expression for it is a value or a
    # column the SELECT pins), or be left to its default (evaluated on the coordinator).
    inserts: list[tuple[str, Any]] = []  # (alias, source expression of the key)
    for node in walk(tree):
        if not isinstance(node, ast.InsertStmt):
            continue
        relation = node.relation
        alias = relation.alias.aliasname if relation.alias else relation.relname
        key = distributed(relation.relname)
        if key is None:
            continue
        columns = [target.name for target in node.cols or ()]
        source = node.selectStmt
        if key not in columns:
            if key in (defaulted or {}).get(relation.relname, set()):
                anchored.add(alias)
            continue
        if not isinstance(source, ast.SelectStmt) or source.valuesLists:
            anchored.add(alias)
            continue
        if source.op != SetOperation.SETOP_NONE or not source.targetList:
            continue
        position = columns.index(key)
        if position < len(source.targetList):
            inserts.append((alias, source.targetList[position].val))

    changed = True
    while changed:
        changed = False
        for left, right in equalities:
            for this, other in ((left, right), (right, left)):
                ref = _column(this)
                if ref is None:
                    continue
                targets = keyed(ref) - anchored
                if not targets:
                    continue
                other_ref = _column(other)
                if other_ref is None or keyed(other_ref) & anchored:
                    anchored |= targets
                    changed = True
                elif (
                    other_ref[0] is not None
                    and other_ref[0] not in aliases
                    and other_ref[0] not in ctes
                ):
                    anchored |= targets  # e.g. NEW.x in a trigger-like body: a value
                    changed = True
        for alias, value in inserts:
            if alias in anchored:
                continue
            ref = _column(value)
            if ref is None or pinned(ref):
                anchored.add(alias)
                changed = True

    missing = set()
    for alias, tables in aliases.items():
        for table in tables:
            if distributed(table) is None:
                continue
            if alias in anchored or any(a in anchored for a, ts in aliases.items() if table in ts):
                continue
            missing.add(table)
    return {t for t in missing if t in used}


# -- the tests ------------------------------------------------------------------------------


def test_every_table_of_the_catalog_has_a_distribution_decision(
    plan: Plan, catalog: dict[str, set[str]]
) -> None:
    missing = sorted(set(catalog) - set(plan.tables))
    assert not missing, f"docs/scaling.md does not place these tables: {missing}"
    stale = sorted(set(plan.tables) - set(catalog))
    assert not stale, f"docs/scaling.md places tables the schema does not have: {stale}"


def test_every_distribution_column_exists_on_its_table(
    plan: Plan, catalog: dict[str, set[str]]
) -> None:
    wrong = {
        table: column
        for table, column in plan.tables.items()
        if column not in _LOCAL
        and column not in catalog.get(table, set())
        and table not in plan.planned
    }
    assert not wrong, f"distribution columns that the tables do not have: {wrong}"


def test_every_query_reaches_distributed_tables_by_their_key_or_is_listed(
    plan: Plan, catalog: dict[str, set[str]], defaulted: dict[str, set[str]]
) -> None:
    problems = []
    for file, name, sql in named_queries():
        listed = plan.queries.get(name)
        if listed is not None and listed != "single-shard":
            continue  # a documented reference lookup or accepted fan-out
        missing = unanchored_tables(sql, plan, catalog, defaulted)
        if missing:
            keys = ", ".join(f"{t}.{plan.tables[t]}" for t in sorted(missing))
            problems.append(f"{file}: {name} does not filter on {keys}")
    assert not problems, (
        "queries that would fan out to every shard without being documented in "
        "docs/scaling.md (filter on the key, or list them as `fan-out: <reason>`):\n  "
        + "\n  ".join(problems)
    )


def test_every_unique_key_of_a_distributed_table_includes_its_distribution_column(
    plan: Plan, unique_keys: dict[str, tuple[str, list[str]]]
) -> None:
    """Citus enforces uniqueness per shard only, so it refuses a primary key, unique
    constraint or index, or exclusion constraint without the distribution column. Those the
    schema still has are listed in docs/scaling.md (`constraint <name>: <change>`), and the
    list holds no more than they are."""
    violating = {
        name: (table, columns)
        for name, (table, columns) in unique_keys.items()
        if plan.tables.get(table) not in (*_LOCAL, None) and plan.tables[table] not in columns
    }
    unlisted = sorted(
        f"{name} on {table} ({', '.join(columns)}) lacks {plan.tables[table]}"
        for name, (table, columns) in violating.items()
        if name not in plan.constraints
    )
    assert not unlisted, (
        "unique keys that Citus would refuse, not listed in docs/scaling.md as "
        "`constraint <name>: <change>`:\n  " + "\n  ".join(unlisted)
    )
    stale = sorted(set(plan.constraints) - set(violating))
    assert not stale, (
        f"docs/scaling.md lists constraints that do not exist or already include the key: {stale}"
    )


def test_every_listed_query_exists(plan: Plan) -> None:
    names = {name for _, name, _ in named_queries()}
    stale = sorted(set(plan.queries) - names)
    assert not stale, f"docs/scaling.md lists queries that db/queries does not have: {stale}"


def test_queries_listed_as_reference_lookups_touch_only_reference_tables(
    plan: Plan, catalog: dict[str, set[str]]
) -> None:
    for _, name, sql in named_queries():
        if plan.queries.get(name) != "reference":
            continue
        tree = parse_sql(replace_macros(sql))
        tables = {n.relname for n in walk(tree) if isinstance(n, ast.RangeVar)}
        distributed = {t for t in tables if plan.tables.get(t) not in (*_LOCAL, None)}
        assert not distributed, f"{name} is listed as a reference lookup but reads {distributed}"


def test_the_analysis_sees_keys_joins_and_fan_outs() -> None:
    plan = Plan(
        {"chats": "id", "messages": "chat_id", "users": "id", "plans": "reference"},
        frozenset(),
        {},
    )
    catalog = {
        "chats": {"id", "user_id", "title"},
        "messages": {"id", "chat_id"},
        "users": {"id", "email"},
        "plans": {"id"},
    }

    def missing(sql: str) -> set[str]:
        return unanchored_tables(sql, plan, catalog, {"chats": {"id"}, "messages": {"id"}})

    assert missing("SELECT title FROM chats WHERE id = @id") == set()
    assert missing("SELECT 1 FROM chats c WHERE c.id = ANY(sqlc.slice(ids))") == set()
    assert missing("SELECT title FROM chats WHERE user_id = @user_id") == {"chats"}
    assert (
        missing("SELECT m.id FROM messages m JOIN chats c ON c.id = m.chat_id WHERE c.id = @id")
        == set()
    )
    assert missing(
        "SELECT m.id FROM messages m JOIN chats c ON c.id = m.chat_id WHERE c.user_id = @u"
    ) == {"chats", "messages"}
    assert missing("INSERT INTO messages (chat_id, id) VALUES (@chat_id, @id)") == set()
    assert missing("INSERT INTO chats (user_id) VALUES (@user_id) RETURNING id") == set()
    assert missing("UPDATE users SET email = @e WHERE lower(email) = @e") == {"users"}
    assert missing("SELECT id FROM plans") == set()


def test_an_insert_must_supply_the_key_or_leave_it_to_a_default() -> None:
    plan = Plan({"chats": "id", "messages": "chat_id"}, frozenset(), {})
    catalog = {"chats": {"id", "user_id"}, "messages": {"id", "chat_id", "role"}}

    def missing(sql: str) -> set[str]:
        return unanchored_tables(sql, plan, catalog, {"chats": {"id"}, "messages": {"id"}})

    # messages.chat_id has no default: without it the row has no shard.
    assert missing("INSERT INTO messages (id, role) VALUES (@id, @role)") == {"messages"}
    assert missing("INSERT INTO messages (chat_id, role) VALUES (@chat_id, @r)") == set()
    # INSERT ... SELECT: the key's expression is a value, or a column the SELECT pins.
    assert missing("INSERT INTO messages (chat_id, role) SELECT @chat_id, 'user'") == set()
    assert (
        missing(
            "INSERT INTO messages (chat_id, role) SELECT c.id, 'user' FROM chats c WHERE c.id = @id"
        )
        == set()
    )
    assert missing(
        "INSERT INTO messages (chat_id, role) SELECT c.id, 'user' FROM chats c WHERE c.user_id = @u"
    ) == {"chats", "messages"}
    assert missing("INSERT INTO messages (role, chat_id) SELECT role, chat_id FROM messages") == {
        "messages"
    }


def test_an_equality_under_or_or_not_does_not_pin_a_shard() -> None:
    plan = Plan({"chats": "id"}, frozenset(), {})
    catalog = {"chats": {"id", "user_id", "title"}}

    def missing(sql: str) -> set[str]:
        return unanchored_tables(sql, plan, catalog)

    assert missing("SELECT title FROM chats WHERE id = @id OR user_id = @u") == {"chats"}
    assert missing("SELECT title FROM chats WHERE NOT (id = @id)") == {"chats"}
    assert missing("UPDATE chats SET title = @t WHERE (id = @id OR id = @other)") == {"chats"}
    assert (
        missing("SELECT title FROM chats WHERE id = @id AND (title = @t OR user_id = @u)") == set()
    )
