"""The schema reference (`chatdb docs`): complete, commented, deterministic, checkable."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from chatdb.errors import ConfigError
from chatdb_tools import migrations
from chatdb_tools.schema_docs import (
    Output,
    compare,
    graphviz,
    load_model,
    missing_comments,
    render,
    write,
)
from chatdb_tools.schema_docs.domains import MIGRATION_DOMAINS, read_domains
from chatdb_tools.schema_docs.model import SchemaModel
from chatdb_tools.schema_docs.normalise import unqualify_single_relation

needs_dot = pytest.mark.skipif(graphviz.dot_binary() is None, reason="Graphviz dot not installed")

# Every relation the reference must document: what pg_class holds in the application's
# schemas, minus dbmate's bookkeeping and minus partitions no migration statement creates.
_CATALOG_RELATIONS = """
SELECT n.nspname, c.relname, c.relispartition
FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname NOT LIKE 'pg\\_temp%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp%'
  AND NOT (n.nspname = 'public' AND c.relname = 'schema_migrations')
"""


@pytest.fixture(scope="module")
def docs_db(make_clone: Callable[[str], str]) -> str:
    return make_clone("docs")


# Queries that reach tables only through a view or a function.
INDIRECT_SQL = """\
-- name: GetProfile :one
SELECT id, email FROM user_profiles WHERE id = @id;

-- name: DailyStats :many
SELECT s.day FROM current_user_usage_daily_stats(@from_day::date, @to_day::date) AS s;

-- name: RefreshStats :exec
SELECT refresh_usage_daily_stats();
"""


@pytest.fixture(scope="module")
def queries_dir(tmp_path_factory: pytest.TempPathFactory, sample_sql: str) -> Path:
    path = tmp_path_factory.mktemp("queries")
    (path / "sample.sql").write_text(sample_sql)
    (path / "indirect.sql").write_text(INDIRECT_SQL)
    return path


@pytest.fixture(scope="module")
def model(docs_db: str, queries_dir: Path) -> SchemaModel:
    return load_model(docs_db, queries_dir=queries_dir)


@pytest.fixture(scope="module")
def output(model: SchemaModel) -> Output:
    return render(model)


def test_reference_covers_every_table_view_and_matview_of_the_catalog(
    docs_db: str, model: SchemaModel, output: Output
) -> None:
    declared = read_domains(migrations.migrations_dir()).declared
    with psycopg.connect(docs_db) as conn:
        rows = conn.execute(_CATALOG_RELATIONS).fetchall()
    expected = {(s, n) for s, n, is_partition in rows if not is_partition or (s, n) in declared}
    runtime_partitions = {(s, n) for s, n, is_partition in rows if is_partition} - expected

    assert set(model.catalog.relations) == expected
    pages = {name.removesuffix(".md") for name in output.files if name.endswith(".md")}
    pages -= {"README", "functions"}
    assert pages == {n if s == "public" else f"{s}.{n}" for s, n in expected}
    for _schema, name in expected:
        assert f"]({name}.md)" in output.files["README.md"]
    # Partitions made at run time are left out on purpose, and their parent says so.
    omitted = {(s, n) for (s, _), names in model.catalog.omitted_partitions.items() for n in names}
    assert omitted == runtime_partitions
    for parent in model.catalog.omitted_partitions:
        assert "Partitions created at run time" in output.files[f"{parent[1]}.md"]


def test_every_table_view_and_matview_has_a_comment(model: SchemaModel) -> None:
    assert missing_comments(model.catalog) == []
    assert "**missing comment**" not in render(model, svg=False).files["README.md"]


def test_a_relation_without_comment_is_reported(db_url: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("COMMENT ON TABLE public.chats IS NULL")
    model = load_model(db_url)
    assert missing_comments(model.catalog) == ["chats"]
    output = render(model, svg=False)
    assert output.missing_comments == ["chats"]
    assert (
        "| [chats](chats.md) | table | chats_messages | **missing comment** |"
        in (output.files["README.md"])
    )


def test_regeneration_from_another_database_is_byte_identical(
    make_clone: Callable[[str], str], queries_dir: Path, output: Output
) -> None:
    # Another clone: other database name, other oids; same migrations, same bytes.
    again = render(load_model(make_clone("docs2"), queries_dir=queries_dir))
    assert again.files.keys() == output.files.keys()
    for name, text in output.files.items():
        assert again.files[name] == text, name


@needs_dot
def test_svg_diagrams_are_rendered_whole_and_per_domain_deterministically(
    model: SchemaModel, output: Output
) -> None:
    assert output.svg_rendered
    expected = {"er.svg"} | {f"er-{d.name}.svg" for d in model.domains}
    assert {name for name in output.files if name.endswith(".svg")} == expected
    for name in expected:
        assert output.files[name].lstrip().startswith("<?xml")
        assert "Generated by graphviz version" not in output.files[name]
    assert render(model).files == output.files


def test_pages_show_constraints_indexes_policies_grants_and_queries(output: Output) -> None:
    users = output.files["users.md"]
    assert "| `users_end_date_idx` | btree |  | `(end_date)` | `(end_date IS NOT NULL)` |" in users
    assert "generated always as `COALESCE(next_quota_reset, quota_started_at)` stored" in users
    assert "Row-level security: enabled, forced" in users
    assert "| `users_self_read` | SELECT | permissive | chatdb_app |" in users
    assert "| `chatdb_migrator` (owner) | ALL |  |" in users
    assert "| `chatdb_app` | UPDATE | `name`, `image` |" in users
    assert "| `ConsumeCredits` | :one | write | `sample.sql` |" in users

    chats = output.files["chats.md"]
    assert (
        "| `chats_user_id_fkey` | `user_id` | [users](users.md) (id) | CASCADE | NO ACTION |"
        in (chats)
    )
    assert "| `TouchChatFromMessage` | :exec | write | `sample.sql` |" in chats
    assert "| `ListChatsByUser` | :many | read | `sample.sql` |" in chats
    assert "chats_set_updated_at" in chats
    messages = output.files["messages.md"]
    assert "| `TouchChatFromMessage` | :exec | read | `sample.sql` |" in messages
    assert (
        "No named query in `db/queries` reads or writes this relation."
        in (output.files["streams.md"])
    )


def test_readme_groups_relations_by_migration_domain_with_mermaid(
    model: SchemaModel, output: Output
) -> None:
    readme = output.files["README.md"]
    assert model.domain_of[("public", "users")] == "identity_auth"
    assert model.domain_of[("public", "messages")] == "chats_messages"
    assert "```mermaid\nerDiagram" in readme
    assert "    %% domain: identity_auth" in readme
    assert "## Domain chats_messages" in readme
    # Cardinality from the foreign keys: one chat has many messages; a chat has at most one
    # state row (chat_states.chat_id is its primary key); a fingerprint may have no user.
    assert '    chats ||--o{ messages : "chat_id"' in readme
    assert '    chats ||--o| chat_states : "chat_id"' in readme
    assert '    users |o--o{ fingerprints : "user_id"' in readme


def test_view_definitions_read_the_same_on_postgresql_15_and_16() -> None:
    pg15 = (
        "SELECT l.user_id, count(*) AS n FROM usage_logs l GROUP BY l.user_id ORDER BY l.user_id;"
    )
    pg16 = "SELECT user_id, count(*) AS n FROM usage_logs l GROUP BY user_id ORDER BY user_id;"
    assert unqualify_single_relation(pg15) == pg16
    assert unqualify_single_relation(pg16) == pg16
    joined = "SELECT a.x FROM a JOIN b ON a.x = b.x;"
    assert unqualify_single_relation(joined) == joined
    sub = "SELECT a.x, (SELECT max(b.y) FROM b WHERE b.z = a.x) AS m FROM a;"
    assert unqualify_single_relation(sub) == (
        "SELECT x, (SELECT max(b.y) FROM b WHERE b.z = a.x) AS m FROM a;"
    )


def test_queries_through_views_and_functions_are_listed_as_indirect(output: Output) -> None:
    users = output.files["users.md"]
    assert (
        "| `GetProfile` | :one | read (indirect, via [user_profiles](user_profiles.md)) "
        "| `indirect.sql` |" in users
    )
    assert "| `GetProfile` | :one | read | `indirect.sql` |" in output.files["user_profiles.md"]
    stats = output.files["usage_daily_stats.md"]
    assert "No named query" not in stats
    assert (
        "| `DailyStats` | :many | read (indirect, via [current_user_usage_daily_stats()]"
        "(functions.md#current_user_usage_daily_statsfrom_day-date-to_day-date)) |" in stats
    )
    assert (
        "| `RefreshStats` | :exec | write (indirect, via [refresh_usage_daily_stats()]"
        "(functions.md#refresh_usage_daily_stats)) |" in stats
    )
    # Refreshing the materialized view reads its source; reading the view does not.
    logs = output.files["usage_logs.md"]
    assert (
        "| `RefreshStats` | :exec | read (indirect, via [refresh_usage_daily_stats()]"
        "(functions.md#refresh_usage_daily_stats) → [usage_daily_stats](usage_daily_stats.md)) |"
        in logs
    )
    assert "`DailyStats`" not in logs


_FUNCTIONS = """
SELECT p.proname, pg_get_function_identity_arguments(p.oid), obj_description(p.oid, 'pg_proc'),
       p.prosecdef, p.proconfig,
       ARRAY(SELECT CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END
             FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) AS x)
FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace
WHERE n.nspname = 'public'
"""


def test_every_function_appears_with_its_comment_security_and_grants(
    docs_db: str, output: Output
) -> None:
    with psycopg.connect(docs_db) as conn:
        rows = conn.execute(_FUNCTIONS).fetchall()
    assert len(rows) >= 10
    page = output.files["functions.md"]
    assert "](functions.md)" in output.files["README.md"]
    sections = {s.split("\n", 1)[0]: s for s in page.split("\n## ")[1:]}
    for name, arguments, comment, definer, config, grantees in rows:
        section = sections[f"{name}({arguments})"]
        assert comment and comment in section, name
        security = "**SECURITY DEFINER**" if definer else "SECURITY INVOKER"
        assert f"| Security | {security}" in section, name
        path = next(c.split("=", 1)[1] for c in config or ["search_path=x"])
        if config:
            assert f"| search_path | `{path}` |" in section, name
        for grantee in set(grantees):
            assert f"| `{grantee}`" in section, (name, grantee)
        assert f"[{name}({arguments})](functions.md#" in output.files["README.md"]
    assert (
        "| `chatdb_app` | EXECUTE |  |"
        in sections["current_user_usage_daily_stats(from_day date, to_day date)"]
    )
    assert "Called by named queries: `DailyStats` (`indirect.sql`)." in page


def test_table_pages_list_trigger_functions_with_their_comments(
    model: SchemaModel, output: Output
) -> None:
    functions = {f.key: f for f in model.catalog.functions}
    checked = 0
    for relation in model.catalog.sorted_relations():
        page = output.files[f"{relation.qualified}.md"]
        for trigger in relation.triggers:
            function = functions[trigger.function]
            assert function.comment
            assert f"[{function.signature}](functions.md#" in page, relation.name
            assert function.comment.strip() in page, relation.name
            checked += 1
    assert checked > 10
    documents = output.files["documents.md"]
    assert "Trigger functions:" in documents
    assert "documents_check_single_owner()" in documents


def test_landed_migrations_are_grouped_by_the_explicit_domain_map(model: SchemaModel) -> None:
    names = {d.name for d in model.domains}
    assert model.domain_of[("public", "usage_daily_stats")] == "usage"
    assert model.domain_of[("public", "user_profiles")] == "identity_auth"
    assert {"usage_daily_stats", "user_profiles_view"}.isdisjoint(names)
    assert ("public", "usage_daily_stats") in {r.key for r in model.members("usage")}
    assert model.function_domain[("public", "documents_check_single_owner")][0] == "documents"
    assert model.function_domain[("public", "refresh_usage_daily_stats")][0] == "usage"
    usage = next(d for d in model.domains if d.name == "usage")
    assert usage.migrations == ("20261123000800_usage.sql", "20261123001400_usage_daily_stats.sql")
    assert usage.description.startswith("Usage")
    chats = next(d for d in model.domains if d.name == "chats_messages")
    assert "20261123001500_messages_user_turns_index.sql" in chats.migrations
    # Every entry names a landed migration and an existing domain.
    stems = {p.stem for p in migrations.migrations_dir().glob("*.sql")}
    assert set(MIGRATION_DOMAINS) <= stems
    assert set(MIGRATION_DOMAINS.values()) <= names


def test_a_domain_header_in_the_up_section_groups_a_migration(tmp_path: Path) -> None:
    (tmp_path / "001_people.sql").write_text(
        "-- People.\n-- migrate:up\nCREATE TABLE people (id int);\n-- migrate:down\n"
    )
    (tmp_path / "002_people_stats.sql").write_text(
        "-- Counts.\n-- migrate:up\n-- domain: people\n"
        "CREATE VIEW people_count AS SELECT count(*) FROM people;\n"
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
        "-- migrate:down\n-- domain: ignored_in_down\n"
    )
    domains = read_domains(tmp_path, overrides={})
    assert domains.owner == {("public", "people"): "people", ("public", "people_count"): "people"}
    assert domains.created_by[("public", "people_count")] == "002_people_stats.sql"
    assert domains.function_domain(("public", "f")) == ("people", "002_people_stats.sql")
    assert [(d.name, d.migrations, d.description) for d in domains.domains] == [
        ("people", ("001_people.sql", "002_people_stats.sql"), "People.")
    ]
    # The map applies when there is no header; a header that contradicts it is an error.
    (tmp_path / "003_more.sql").write_text("-- migrate:up\nCREATE TABLE more (id int);\n")
    assert (
        read_domains(tmp_path, overrides={"003_more": "people"}).owner[("public", "more")]
        == "people"
    )
    with pytest.raises(ConfigError, match="contradicts MIGRATION_DOMAINS"):
        read_domains(tmp_path, overrides={"002_people_stats": "stats"})


def test_domains_follow_the_creating_migration_through_renames(tmp_path: Path) -> None:
    (tmp_path / "001_people.sql").write_text(
        "-- People and their pets.\n\n-- migrate:up\nCREATE TABLE persons (id int);\n"
        "CREATE TABLE pets (id int);\n-- migrate:down\nDROP TABLE pets;\nDROP TABLE persons;\n"
    )
    (tmp_path / "002_stats.sql").write_text(
        "-- migrate:up\nALTER TABLE persons RENAME TO people;\nDROP TABLE pets;\n"
        "CREATE MATERIALIZED VIEW people_count AS SELECT count(*) FROM people;\n"
        "CREATE VIEW x.adults AS SELECT * FROM people;\n-- migrate:down\nSELECT 1;\n"
    )
    domains = read_domains(tmp_path, overrides={})
    assert domains.owner == {
        ("public", "people"): "people",
        ("public", "people_count"): "stats",
        ("x", "adults"): "stats",
    }
    assert [(d.name, d.description) for d in domains.domains] == [
        ("people", "People and their pets."),
        ("stats", ""),
    ]
    assert domains.domain_of(("public", "unknown")) == "other"


def test_write_replaces_stale_files_and_compare_lists_them(tmp_path: Path, output: Output) -> None:
    (tmp_path / "dropped_table.md").write_text("old page\n")
    write(output, tmp_path)
    assert not (tmp_path / "dropped_table.md").exists()
    assert compare(output, tmp_path) == []
    (tmp_path / "chats.md").write_text("hand edit\n")
    (tmp_path / "README.md").unlink()
    assert compare(output, tmp_path) == ["missing: README.md", "changed: chats.md"]


def test_without_dot_svgs_are_kept_and_not_compared(
    tmp_path: Path, model: SchemaModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(graphviz, "dot_binary", lambda: None)
    markdown_only = render(model)
    assert not markdown_only.svg_rendered
    assert not any(name.endswith(".svg") for name in markdown_only.files)
    (tmp_path / "er.svg").write_text("<svg/>\n")
    write(markdown_only, tmp_path)
    assert (tmp_path / "er.svg").exists()
    assert compare(markdown_only, tmp_path) == []


def _docs_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chatdb_tools", "docs", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=300,
        check=False,
    )


def test_check_passes_on_fresh_docs_and_fails_on_a_hand_edited_one(
    tmp_path: Path, server_url: str
) -> None:
    out = tmp_path / "schema"
    written = _docs_cli("--out", str(out))
    assert written.returncode == 0, written.stderr
    assert (out / "README.md").exists()
    fresh = _docs_cli("--check", "--out", str(out))
    assert fresh.returncode == 0, fresh.stderr
    assert "is up to date" in fresh.stderr

    page = out / "users.md"
    page.write_text(page.read_text().replace("People who use the product", "Humans"))
    stale = _docs_cli("--check", "--out", str(out))
    assert stale.returncode == 2
    assert "Traceback" not in stale.stderr
    errors = [line for line in stale.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1
    assert "is stale (1 file(s) differ" in errors[0]
    assert "run `chatdb docs`" in errors[0]
    assert stale.stdout.strip() == f"changed: {out}/users.md"


def test_check_reports_a_relation_without_comment_as_an_error(
    tmp_path: Path,
    model: SchemaModel,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import argparse

    from chatdb_tools.cli import docs_command

    output = render(model, svg=False)
    write(output, tmp_path)
    output.missing_comments = ["chats"]
    monkeypatch.setattr(docs_command, "_generate", lambda args: output)
    args = argparse.Namespace(check=True, out=tmp_path, queries=None, json=False)
    assert docs_command.cmd_docs(args) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert errors == [
        "chatdb: error: 1 relation(s) or function(s) without COMMENT ON: chats; "
        "add a comment in a migration"
    ]
