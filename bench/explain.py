"""The index check with natural plans: no hot-path query scans a large table sequentially.

Runs after the messages table has grown to >= 1M rows and ANALYZE, with the planner's
defaults (no `enable_seqscan = off`). Every generated statement (except COPY) is explained
with `EXPLAIN (GENERIC_PLAN)` (PostgreSQL 16+: the plan for unknown parameter values);
the hot-path queries are also explained with real values (the custom plan a call gets).
A Seq Scan on a table with >= LARGE estimated rows is reported; on a hot-path query it is a
failure.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass, field
from typing import Any

import psycopg

from bench.backends import to_dollar
from bench.dataset import Data

LARGE = 10_000
# The request path of a chat product: what runs on every page view / message / sign-in.
HOT_PATH = {
    "GetUserByID", "GetSessionAndUser", "ListMessagesByChat", "ListMessagesByChatAfter",
    "InsertMessage", "GetMessageByID", "ListChatsByUser", "GetChatByID", "InsertLedgerEntry",
    "GetCreditBalance", "CountUserMessagesSince", "GetChatWithRecentMessages",
    "ListLedgerEntries", "GetLedgerEntryByOperationID", "GetUserByEmail",
}  # fmt: skip
_NAME = re.compile(r"^-- name: (\w+) :(\w+)")


@dataclass
class Finding:
    query: str
    module: str
    hot: bool
    seq_scans: list[str] = field(default_factory=list)  # "table (~rows)"
    error: str | None = None
    plan: str = ""  # the top node, for the report


def statements() -> list[tuple[str, str, str, str]]:
    """(module, name, command, sql) of every generated statement."""
    import chatdb.queries as pkg

    found = []
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name in ("models", "enums", "aio"):
            continue
        module = importlib.import_module(f"chatdb.queries.{info.name}")
        for value in vars(module).values():
            if isinstance(value, str) and (m := _NAME.match(value)):
                found.append((info.name, m.group(1), m.group(2), value))
    return sorted(found)


def _walk(node: dict[str, Any], sizes: dict[str, int], out: list[str]) -> None:
    if node.get("Node Type") == "Seq Scan":
        rel = node.get("Relation Name", "?")
        if sizes.get(rel, 0) >= LARGE:
            out.append(f"{rel} (~{sizes[rel]:,} rows)")
    for child in node.get("Plans", []):
        _walk(child, sizes, out)


def _real_values(data: Data) -> dict[str, dict[str, Any]]:
    from bench.workloads import page_args
    from chatdb.queries import messages

    chat = data.page_chat_ids[0]
    return {
        "GetUserByID": {"id": data.user_ids[0]},
        "GetSessionAndUser": {"session_token_hash": data.session_hashes[0]},
        "ListMessagesByChat": page_args(messages.LIST_MESSAGES_BY_CHAT, chat, None, None, 50),
        "ListMessagesByChatAfter": page_args(
            messages.LIST_MESSAGES_BY_CHAT_AFTER, chat, None, None, 50
        ),
    }


def check(data: Data) -> list[Finding]:
    findings: list[Finding] = []
    real = _real_values(data)
    with psycopg.connect(data.url, autocommit=True) as conn:
        sizes = {
            r[0]: int(r[1])
            for r in conn.execute(
                "SELECT relname, greatest(reltuples, 0) FROM pg_class "
                "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
            )
        }
        version = conn.info.server_version
        for module, name, command, sql in statements():
            if command == "copyfrom":
                continue
            f = Finding(name, module, name in HOT_PATH)
            try:
                with conn.transaction(force_rollback=True):
                    if name in real:
                        plan = conn.execute("EXPLAIN (FORMAT JSON) " + sql, real[name]).fetchone()
                    elif version >= 160000:
                        dsql, _ = to_dollar(sql)
                        plan = conn.execute(
                            "EXPLAIN (GENERIC_PLAN, FORMAT JSON) " + dsql.replace("%", "%%")
                        ).fetchone()
                    else:
                        f.error = "skipped: EXPLAIN (GENERIC_PLAN) needs PostgreSQL 16"
                        findings.append(f)
                        continue
                assert plan is not None
                root = plan[0][0]["Plan"]
                f.plan = root.get("Node Type", "")
                _walk(root, sizes, f.seq_scans)
            except psycopg.Error as exc:
                f.error = str(exc).splitlines()[0]
            findings.append(f)
    return findings
