"""health.sql: catalog checks, run as the system role (chatdb doctor)."""

from __future__ import annotations

import psycopg

from chatdb import AsyncDatabase, Database
from chatdb.queries import health
from chatdb.queries.aio import health as aio_health


def test_list_foreign_keys_names_columns_and_actions(database: Database) -> None:
    with database.system() as conn:
        fks = health.list_foreign_keys(conn)
    by_name = {fk.constraint_name: fk for fk in fks}
    fk = by_name["suggestions_document_id_document_created_at_fkey"]
    assert fk.table_name == "suggestions" and fk.referenced_table == "documents"
    assert fk.columns == ["document_id", "document_created_at"]
    assert fk.referenced_columns == ["id", "created_at"]
    assert fk.on_delete == "c"
    assert by_name["documents_chat_id_fkey"].on_delete == "n"
    assert len(by_name) == len(fks)  # partitions' inherited copies are not repeated


def test_list_foreign_keys_without_index_is_empty_on_the_migrated_schema(
    database: Database,
) -> None:
    with database.system() as conn:
        missing = health.list_foreign_keys_without_index(conn)
    assert missing == [], [f"{m.table_name}.{m.constraint_name} {m.columns}" for m in missing]


def test_list_foreign_keys_without_index_finds_an_unindexed_key(conn: psycopg.Connection) -> None:
    # Superuser, rolled back: a throwaway table with a foreign key and no index on it.
    conn.execute(
        "CREATE TABLE public.q2_probe (id int PRIMARY KEY, user_id uuid "
        "CONSTRAINT q2_probe_user_id_fkey REFERENCES public.users (id))"
    )
    missing = health.list_foreign_keys_without_index(conn)
    assert [(m.table_name, m.constraint_name, m.columns) for m in missing] == [
        ("q2_probe", "q2_probe_user_id_fkey", ["user_id"])
    ]
    # A partial index does not count; a full one whose leading column is the key does.
    conn.execute("CREATE INDEX q2_probe_partial_idx ON public.q2_probe (user_id) WHERE id > 0")
    assert len(health.list_foreign_keys_without_index(conn)) == 1
    conn.execute("CREATE INDEX q2_probe_user_id_id_idx ON public.q2_probe (user_id, id)")
    assert health.list_foreign_keys_without_index(conn) == []


def test_list_indexes_reports_definitions(database: Database) -> None:
    with database.system() as conn:
        indexes = health.list_indexes(conn)
    by_name = {i.index_name: i for i in indexes}
    pkey = by_name["documents_pkey"]
    assert pkey.is_primary and pkey.is_unique and pkey.is_valid and not pkey.is_partial
    pending = by_name["tool_executions_chat_id_created_at_pending_idx"]
    assert pending.is_partial and "WHERE" in pending.definition
    assert all(i.size_bytes >= 0 and i.scans >= 0 for i in indexes)


def test_table_sizes_lists_every_table(database: Database) -> None:
    with database.system() as conn:
        sizes = health.table_sizes(conn)
    names = {s.table_name for s in sizes}
    assert {"users", "messages", "documents", "file_uploads", "group_messages"} <= names
    assert all(s.total_bytes >= 0 and s.estimated_rows >= 0 for s in sizes)
    assert [s.total_bytes for s in sizes] == sorted((s.total_bytes for s in sizes), reverse=True)


def test_list_policies_every_policy_table_enforces_rls(database: Database) -> None:
    with database.system() as conn:
        policies = health.list_policies(conn)
    assert policies
    assert all(p.rls_enabled and p.rls_forced for p in policies)
    by_name = {p.policy_name: p for p in policies}
    owner = by_name["documents_owner_all"]
    assert owner.table_name == "documents" and owner.command == "ALL"
    assert owner.roles == ["chatdb_app"] and owner.using_expression is not None
    insert_only = by_name["group_messages_member_insert"]
    assert insert_only.using_expression is None and insert_only.check_expression is not None


def test_list_unused_indexes_excludes_unique_and_primary(database: Database) -> None:
    with database.system() as conn:
        unused = health.list_unused_indexes(conn)
        indexes = {i.index_name: i for i in health.list_indexes(conn)}
    for u in unused:
        assert u.scans == 0
        assert not indexes[u.index_name].is_unique


async def test_async_list_foreign_keys_without_index(async_database: AsyncDatabase) -> None:
    async with async_database.system() as conn:
        assert await aio_health.list_foreign_keys_without_index(conn) == []
        assert await aio_health.list_foreign_keys(conn)
