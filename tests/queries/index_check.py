"""The index check of the query set: no hot-path query may sequentially scan a large table.

Every named query the generated modules carry (their `-- name:` SQL constants) is prepared and
explained with `enable_seqscan = off` and `plan_cache_mode = force_generic_plan`: the planner
then takes any usable index, and the generic plan is the one a prepared statement ends up
with whatever its parameters. A `Seq Scan` of a large table left in such a plan means no index
serves the query. Each statement is explained as `chatdb_app` (row-level security adds its
policy sub-selects to the plan) and as `chatdb_system`; a role without the privilege to run a
statement is skipped for it, since the application never runs it under that role.

Used by tests/queries/test_index_usage.py and by `make verify`:

    with psycopg.connect(superuser_url_of_a_scratch_database) as conn:
        seed_small(conn)
        problems = hot_path_violations(conn)
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final

import psycopg
from psycopg import errors as pg

# Every table grows with usage (per user, per chat, per event), so a whole-table read of any
# of them is a problem at scale. The few that stay small are listed with the reason.
SMALL_TABLES: Final[dict[str, str]] = {
    "schema_migrations": "one row per migration",
}

# Queries that are not on a hot path, with the reason. Keep this short and explained.
ALLOWED: Final[dict[str, str]] = {
    "ListForeignKeys": "health check on the system catalogs (chatdb doctor), not user traffic",
    "ListForeignKeysWithoutIndex": "health check on the system catalogs",
    "ListIndexes": "health check on the system catalogs",
    "TableSizes": "health check on the system catalogs",
    "ListPolicies": "health check on the system catalogs",
    "ListUnusedIndexes": "health check on the statistics views",
}

# COPY has no plan. Batch statements are ordinary prepared statements and are explained.
SKIPPED_COMMANDS: Final = frozenset({":copyfrom"})

_NAME_LINE = re.compile(r"^-- name: (\w+) (:\w+)")
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_ROLES: Final = ("chatdb_app", "chatdb_system")


@dataclass(frozen=True, slots=True)
class NamedQuery:
    module: str
    name: str
    command: str
    sql: str


def named_queries() -> Iterator[NamedQuery]:
    """Every `-- name:` SQL constant of the generated sync modules (`chatdb.queries.<file>`)."""
    package = importlib.import_module("chatdb.queries")
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.ispkg or info.name in ("models", "enums"):
            continue
        module = importlib.import_module(f"chatdb.queries.{info.name}")
        for value in vars(module).values():
            if not isinstance(value, str):
                continue
            match = _NAME_LINE.match(value)
            if match:
                yield NamedQuery(info.name, match.group(1), match.group(2), value)


def to_positional(sql: str) -> tuple[str, int]:
    """`%(name)s` placeholders -> `$1..$n` in order of first appearance; `%%` -> `%`."""
    numbers: dict[str, int] = {}

    def number(match: re.Match[str]) -> str:
        return f"${numbers.setdefault(match.group(1), len(numbers) + 1)}"

    return _PLACEHOLDER.sub(number, sql).replace("%%", "%"), len(numbers)


def _leading_columns(conn: psycopg.Connection[Any]) -> dict[str, str]:
    """Index name -> its first key column (None for an expression), for the public schema."""
    rows = conn.execute(
        """
        SELECT i.relname, a.attname
        FROM pg_index AS x
        JOIN pg_class AS i ON i.oid = x.indexrelid
        JOIN pg_namespace AS n ON n.oid = i.relnamespace
        LEFT JOIN pg_attribute AS a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
        WHERE n.nspname = 'public'
        """
    ).fetchall()
    return {index: column for index, column in rows if column is not None}


def _uses_column(condition: str, column: str) -> bool:
    return (
        re.search(rf"(?<![\w.]){re.escape(column)}(?!\w)|\.{re.escape(column)}(?!\w)", condition)
        is not None
    )


def _full_scans(plan: Any, leading: dict[str, str]) -> Iterator[str]:
    """Every scan that reads a whole relation in an EXPLAIN (FORMAT JSON) plan tree, as
    "<node> on <relation>": a Seq Scan; an index scan without an Index Cond (with
    enable_seqscan = off the planner walks a whole index instead of the heap when no index
    serves the query, which is the same problem in disguise); or an index scan whose
    condition does not constrain the index's leading column (a skip over the whole index)."""
    if isinstance(plan, dict):
        relation = plan.get("Relation Name")
        node = plan.get("Node Type")
        index = plan.get("Index Name")
        condition = plan.get("Index Cond")
        whole = node == "Seq Scan"
        if relation is not None and node in ("Index Scan", "Index Only Scan"):
            first = leading.get(index or "")
            whole = condition is None or (first is not None and not _uses_column(condition, first))
        if relation is not None and whole:
            yield f"{node} on {relation}" + (f" using {index}" if index else "")
        for value in plan.values():
            yield from _full_scans(value, leading)
    elif isinstance(plan, list):
        for item in plan:
            yield from _full_scans(item, leading)


def _is_large(relation: str) -> bool:
    return relation not in SMALL_TABLES


def _explain(conn: psycopg.Connection[Any], query: NamedQuery, role: str) -> Any | None:
    """The generic plan of `query` run as `role`, or None when the role may not run it."""
    sql, count = to_positional(query.sql)
    args = ", ".join(["NULL"] * count)
    execute = f"EXECUTE chatdb_index_check({args})" if count else "EXECUTE chatdb_index_check"
    try:
        with conn.transaction():
            conn.execute(f"SET LOCAL ROLE {role}")
            conn.execute("SET LOCAL enable_seqscan = off")
            conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")
            conn.execute("SELECT set_config('app.user_id', gen_random_uuid()::text, true)")
            conn.execute(f"PREPARE chatdb_index_check AS {sql}")
            row = conn.execute(f"EXPLAIN (FORMAT JSON) {execute}").fetchone()
    except pg.InsufficientPrivilege:
        return None
    finally:
        # PREPARE is not transactional: the statement outlives a rolled-back transaction.
        with conn.transaction():
            if conn.execute(
                "SELECT 1 FROM pg_prepared_statements WHERE name = 'chatdb_index_check'"
            ).fetchone():
                conn.execute("DEALLOCATE chatdb_index_check")
    assert row is not None
    plan = row[0]
    return json.loads(plan) if isinstance(plan, str) else plan


def hot_path_violations(
    conn: psycopg.Connection[Any], queries: Iterable[NamedQuery] | None = None
) -> list[str]:
    """One line per hot-path query whose generic plan reads a whole large table.

    `conn` is a superuser connection (autocommit, or idle) to a migrated database holding
    representative, analyzed data (see `seed_small`). `queries` defaults to every named query
    of the generated modules.
    """
    problems: list[str] = []
    leading = _leading_columns(conn)
    for query in named_queries() if queries is None else queries:
        if query.command in SKIPPED_COMMANDS or query.name in ALLOWED:
            continue
        planned = False
        for role in _ROLES:
            try:
                plan = _explain(conn, query, role)
            except psycopg.Error as exc:
                problems.append(f"{query.module}.{query.name}: cannot be planned as {role}: {exc}")
                continue
            if plan is None:
                continue
            planned = True
            full = sorted(
                {s for s in _full_scans(plan, leading) if _is_large(s.split(" on ")[1].split()[0])}
            )
            if full:
                problems.append(f"{query.module}.{query.name} (as {role}): {'; '.join(full)}")
        if not planned:
            problems.append(f"{query.module}.{query.name}: no role may run it")
    return problems


SEED_SQL: Final = """
INSERT INTO users (email, name, created_at)
SELECT format('idxseed-%s-%s@example.com', g, md5(random()::text)), 'Seed ' || g,
       now() - make_interval(days => g)
FROM generate_series(1, 60) AS g;

CREATE TEMP TABLE idx_users ON COMMIT DROP AS
SELECT array_agg(id ORDER BY id) AS ids FROM users WHERE email LIKE 'idxseed-%';

INSERT INTO chats (user_id, title, visibility, created_at, updated_at)
SELECT u.ids[1 + g % cardinality(u.ids)], 'Chat ' || g,
       (CASE WHEN g % 10 = 0 THEN 'public' ELSE 'private' END)::chat_visibility,
       now() - make_interval(hours => g), now() - make_interval(mins => g)
FROM generate_series(1, 300) AS g, idx_users AS u;

CREATE TEMP TABLE idx_chats ON COMMIT DROP AS
SELECT array_agg(c.id ORDER BY c.id) AS ids FROM chats AS c JOIN users AS u ON u.id = c.user_id
WHERE u.email LIKE 'idxseed-%';

INSERT INTO messages (chat_id, role, parts, input_tokens, output_tokens, cost, created_at)
SELECT c.ids[1 + g % cardinality(c.ids)],
       (CASE WHEN g % 2 = 0 THEN 'user' ELSE 'assistant' END)::message_role,
       jsonb_build_array(jsonb_build_object('type', 'text', 'text', 'message ' || g)),
       g % 500, g % 700, (g % 100) / 10000.0, now() - make_interval(secs => g * 7)
FROM generate_series(1, 6000) AS g, idx_chats AS c;

INSERT INTO votes (message_id, user_id, direction)
SELECT m.id, c.user_id, (CASE WHEN m.input_tokens % 3 = 0 THEN 'down' ELSE 'up' END)::vote_direction
FROM messages AS m JOIN chats AS c ON c.id = m.chat_id, idx_chats AS ic
WHERE m.chat_id = ANY (ic.ids) AND m.role = 'assistant' AND m.output_tokens % 5 = 0;

INSERT INTO documents (id, created_at, user_id, chat_id, title, kind, content)
SELECT md5('doc' || (g % 150))::uuid, date_trunc('milliseconds', now() - make_interval(mins => g)), c.user_id, c.id,
       'Document ' || g, 'text', repeat('lorem ipsum ', 20)
FROM generate_series(1, 450) AS g, idx_chats AS ic
JOIN LATERAL (SELECT id, user_id FROM chats WHERE id = ic.ids[1 + (g % 150) % cardinality(ic.ids)]) AS c ON true;

INSERT INTO suggestions (document_id, document_created_at, user_id, original_text, suggested_text)
SELECT d.id, d.created_at, d.user_id, 'lorem', 'dolor' FROM documents AS d, idx_chats AS ic
WHERE d.chat_id = ANY (ic.ids);

INSERT INTO tool_executions (chat_id, tool_name, status, requires_approval, created_at)
SELECT c.ids[1 + g % cardinality(c.ids)], (ARRAY['search', 'calc', 'browse'])[1 + g % 3],
       (CASE WHEN g % 4 = 0 THEN 'pending' ELSE 'approved' END)::tool_execution_status,
       g % 4 = 0, now() - make_interval(mins => g)
FROM generate_series(1, 1500) AS g, idx_chats AS c;

INSERT INTO file_uploads (user_id, content_hash, filename, content_type, size_bytes, storage_key, created_at)
SELECT u.ids[1 + g % cardinality(u.ids)], sha256(('upload' || g || random())::bytea), g || '.pdf',
       'application/pdf', g * 1000, 's3://seed/' || g, now() - make_interval(mins => g)
FROM generate_series(1, 1200) AS g, idx_users AS u;

INSERT INTO sessions (session_token_hash, user_id, expires)
SELECT sha256(('session' || g || random())::bytea), u.ids[1 + g % cardinality(u.ids)],
       now() + make_interval(days => g % 30 - 5)
FROM generate_series(1, 600) AS g, idx_users AS u;

INSERT INTO usage_logs (user_id, chat_id, provider, model, input_tokens, output_tokens, cost, created_at)
SELECT u.ids[1 + g % cardinality(u.ids)], NULL, (ARRAY['openai', 'anthropic'])[1 + g % 2],
       (ARRAY['small', 'large'])[1 + g % 2], g % 900, g % 400, (g % 50) / 1000.0,
       now() - make_interval(hours => g % 2000)
FROM generate_series(1, 4000) AS g, idx_users AS u;

INSERT INTO credit_ledger (user_id, operation_id, amount, reason, description)
SELECT u.ids[1 + g % cardinality(u.ids)], 'idxseed:' || g || ':' || md5(random()::text), 5,
       'promotion', 'Seed grant'
FROM generate_series(1, 1500) AS g, idx_users AS u;

INSERT INTO companions (user_id, name, is_public)
SELECT u.ids[1 + g % cardinality(u.ids)], 'Companion ' || g, g % 3 = 0
FROM generate_series(1, 40) AS g, idx_users AS u;

INSERT INTO companion_messages (companion_id, user_id, role, content, created_at)
SELECT k.id, k.user_id, (CASE WHEN g % 2 = 0 THEN 'user' ELSE 'assistant' END)::message_role,
       'companion message ' || g, now() - make_interval(secs => g * 11)
FROM generate_series(1, 4000) AS g
JOIN LATERAL (
    SELECT c.id, c.user_id FROM companions AS c JOIN users AS u ON u.id = c.user_id
    WHERE u.email LIKE 'idxseed-%' ORDER BY c.id OFFSET (g % 40) LIMIT 1
) AS k ON true;

INSERT INTO group_chats (creator_id, name)
SELECT u.ids[1 + g % cardinality(u.ids)], 'Group ' || g
FROM generate_series(1, 30) AS g, idx_users AS u;

INSERT INTO group_chat_members (group_chat_id, user_id)
SELECT gc.id, u.ids[1 + (g + gc.n) % cardinality(u.ids)]
FROM (SELECT id, creator_id, row_number() OVER (ORDER BY id) AS n FROM group_chats
      WHERE name LIKE 'Group %') AS gc, generate_series(1, 6) AS g, idx_users AS u
ON CONFLICT DO NOTHING;

INSERT INTO group_messages (group_chat_id, sender_id, content, created_at)
SELECT m.group_chat_id, m.user_id, 'group message ' || g, now() - make_interval(secs => g * 13)
FROM generate_series(1, 4000) AS g
JOIN LATERAL (
    SELECT group_chat_id, user_id FROM group_chat_members ORDER BY group_chat_id, user_id
    OFFSET (g % 100) LIMIT 1
) AS m ON true;

-- Bulk rows in the tables the seed above keeps small (users, group chats), so that reading
-- a whole table or walking a whole index costs what it would in production.
INSERT INTO users (email, name)
SELECT format('idxbulk-%s@example.com', g), 'Bulk ' || g FROM generate_series(1, 3000) AS g;

INSERT INTO group_chats (creator_id, name)
SELECT u.id, 'Bulk group ' || u.email FROM users AS u WHERE u.email LIKE 'idxbulk-%';

-- The tables that grow per sign-in, per event and per setting: without rows in them the
-- planner's choice says nothing about their indexes.
INSERT INTO accounts (provider, provider_account_id, user_id, type)
SELECT (ARRAY['github', 'google'])[1 + g % 2], 'acct-' || g, u.ids[1 + g % cardinality(u.ids)], 'oauth'
FROM generate_series(1, 1000) AS g, idx_users AS u;

INSERT INTO authenticators (credential_id, user_id, provider_account_id, credential_public_key,
                            counter, credential_device_type, credential_backed_up)
SELECT 'cred-' || g, u.ids[1 + g % cardinality(u.ids)], 'cred-' || g, 'key', g,
       'singleDevice', false
FROM generate_series(1, 1000) AS g, idx_users AS u;

-- Guests: DeleteStaleGuests must find the old ones without reading every user.
INSERT INTO users (email, user_type, created_at)
SELECT NULL, 'guest', now() - make_interval(hours => g) FROM generate_series(1, 500) AS g;

INSERT INTO verification_tokens (identifier, token_hash, expires)
SELECT format('verify-%s@example.com', g), sha256(('verify' || g)::bytea), now() + interval '1 day'
FROM generate_series(1, 1000) AS g;

INSERT INTO webhook_events (provider, event_id, event_type, payload, event_created_at, received_at, processed_at)
SELECT 'stripe', 'evt_' || g, 'customer.subscription.updated', jsonb_build_object('n', g),
       now() - make_interval(mins => g), now() - make_interval(mins => g),
       CASE WHEN g % 50 = 0 THEN NULL ELSE now() - make_interval(mins => g) END
FROM generate_series(1, 2000) AS g;

INSERT INTO provider_configs (user_id, provider, is_default)
SELECT u.id, p.provider, p.provider = 'openai'
FROM users AS u, (VALUES ('openai'), ('anthropic'), ('mistral')) AS p (provider)
WHERE u.email LIKE 'idxseed-%';

INSERT INTO subscriptions (user_id, provider_subscription_id, status, current_period_start,
                           current_period_end, last_event_at)
SELECT u.ids[1 + g % cardinality(u.ids)], 'sub_' || g,
       (ARRAY['active', 'canceled', 'past_due'])[1 + g % 3]::subscription_status,
       now() - interval '20 days', now() + make_interval(days => g % 30 - 10), now()
FROM generate_series(1, 600) AS g, idx_users AS u;

INSERT INTO payments (id, user_id, amount_cents, currency, status, last_event_at)
SELECT 'pi_' || g, u.ids[1 + g % cardinality(u.ids)], 1000 + g, 'usd', 'succeeded', now()
FROM generate_series(1, 1500) AS g, idx_users AS u;

INSERT INTO referrals (referrer_id, referred_id)
SELECT u.ids[1 + (g % 6)], u.ids[g] FROM generate_series(7, 60) AS g, idx_users AS u;

INSERT INTO streams (chat_id, created_at)
SELECT c.ids[1 + g % cardinality(c.ids)], now() - make_interval(secs => g)
FROM generate_series(1, 1500) AS g, idx_chats AS c;

INSERT INTO message_reactions (message_id, user_id, emoji)
SELECT m.id, c.user_id, (ARRAY['+1', 'heart', 'tada'])[1 + m.output_tokens % 3]
FROM messages AS m JOIN chats AS c ON c.id = m.chat_id, idx_chats AS ic
WHERE m.chat_id = ANY (ic.ids) AND m.output_tokens % 4 = 0;

INSERT INTO context_optimizations (chat_id, strategy, tokens_before, tokens_after)
SELECT c.ids[1 + g % cardinality(c.ids)], 'truncate', 1000 + g, 500
FROM generate_series(1, 1500) AS g, idx_chats AS c;

INSERT INTO daily_usage (user_id, day, message_count)
SELECT u.id, (now() AT TIME ZONE 'UTC')::date - d, d
FROM users AS u, generate_series(0, 29) AS d
WHERE u.email LIKE 'idxseed-%';

INSERT INTO companion_token_burns (companion_id, user_id, ledger_operation_id, input_tokens,
                                   output_tokens, credits, credits_per_1k_tokens)
SELECT k.id, k.user_id, 'burnseed:' || g, 800, 200, 1, 1
FROM generate_series(1, 1500) AS g
JOIN LATERAL (
    SELECT c.id, c.user_id FROM companions AS c JOIN users AS u ON u.id = c.user_id
    WHERE u.email LIKE 'idxseed-%' ORDER BY c.id OFFSET (g % 40) LIMIT 1
) AS k ON true;
"""


def seed_small(conn: psycopg.Connection[Any]) -> None:
    """Fill a migrated database with a small, realistic data set as `chatdb_migrator` (the
    seed keeps its ids in temporary tables, which only the migrator may create), then
    ANALYZE it (as the connecting superuser, who owns the right to). About a second."""
    with conn.transaction():
        conn.execute("SET LOCAL ROLE chatdb_migrator")
        conn.execute(SEED_SQL)
    conn.execute("ANALYZE")


def main(argv: list[str] | None = None) -> int:
    """`python tests/queries/index_check.py [SERVER_URL]`: migrate a scratch database on the
    server (DATABASE_URL, else the embedded PostgreSQL), seed it, run the check, drop it.
    Prints one line per violation; exit status 1 when there is any (for `make verify`)."""
    import sys

    from chatdb_tools import migrations, target

    args = sys.argv[1:] if argv is None else argv
    server = args[0] if args else target.resolve().url
    with migrations.scratch_database(server, prefix="chatdb_index_check") as url:
        migrations.apply_roles(url)
        migrations.run_dbmate(url, ["migrate"], capture=True)
        with psycopg.connect(url, autocommit=True) as conn:
            seed_small(conn)
            problems = hot_path_violations(conn)
    for line in problems:
        print(line)
    checked = sum(
        1 for q in named_queries() if q.command not in SKIPPED_COMMANDS and q.name not in ALLOWED
    )
    print(f"index check: {checked} hot-path queries, {len(problems)} violation(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
