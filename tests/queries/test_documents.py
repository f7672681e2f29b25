"""documents.sql: versioned documents and their suggestions, as the owner (RLS applies)."""

from __future__ import annotations

import uuid

import pytest

from chatdb import AsyncDatabase, Database, errors
from chatdb.queries import documents, enums, models
from chatdb.queries.aio import documents as aio_documents
from support.factories import count_rows, make_chat, make_user

TEXT = enums.DocumentKind.TEXT


def save(db: Database, user: uuid.UUID, doc: uuid.UUID | None, content: str) -> models.Document:
    with db.as_user(user) as conn:
        return documents.save_document(
            conn, id=doc, user_id=user, chat_id=None, title="Essay", kind=TEXT, content=content
        )


def test_save_document_twice_creates_two_versions_latest_wins(database: Database) -> None:
    user = make_user(database)
    chat = make_chat(database, user)
    with database.as_user(user) as conn:
        first = documents.save_document(
            conn, id=None, user_id=user, chat_id=chat, title="Plan", kind=TEXT, content="v1"
        )
        # Two saves in one transaction still get distinct, increasing versions.
        second = documents.save_document(
            conn, id=first.id, user_id=user, chat_id=chat, title="Plan", kind=TEXT, content="v2"
        )
        latest = documents.get_latest_document(conn, id=first.id)
        versions = documents.list_document_versions(conn, id=first.id)
    assert second.id == first.id and second.created_at > first.created_at
    assert latest is not None and latest.content == "v2"
    assert [v.content for v in versions] == ["v1", "v2"]


def test_get_latest_document_unknown_id_is_none_and_versions_empty(database: Database) -> None:
    user = make_user(database)
    with database.as_user(user) as conn:
        assert documents.get_latest_document(conn, id=uuid.uuid4()) is None
        assert documents.list_document_versions(conn, id=uuid.uuid4()) == []


def test_other_user_cannot_read_or_delete_a_document(database: Database) -> None:
    owner, other = make_user(database), make_user(database)
    doc = save(database, owner, None, "secret")
    with database.as_user(other) as conn:
        assert documents.get_latest_document(conn, id=doc.id) is None
        assert documents.list_document_versions(conn, id=doc.id) == []
        deleted = documents.delete_document_versions_after(
            conn, id=doc.id, after_created_at=doc.created_at.replace(year=2000)
        )
    assert deleted == 0
    assert count_rows(database, "documents", "id = %(id)s", {"id": doc.id}) == 1


def test_save_document_in_another_users_chat_is_refused(database: Database) -> None:
    owner, other = make_user(database), make_user(database)
    chat = make_chat(database, owner)
    with pytest.raises(errors.PermissionDenied), database.as_user(other) as conn:
        documents.save_document(
            conn, id=None, user_id=other, chat_id=chat, title="x", kind=TEXT, content="x"
        )


def test_save_document_with_empty_title_is_a_check_violation(database: Database) -> None:
    user = make_user(database)
    with pytest.raises(errors.CheckViolation) as info, database.as_user(user) as conn:
        documents.save_document(
            conn, id=None, user_id=user, chat_id=None, title="", kind=TEXT, content="x"
        )
    assert info.value.constraint == "documents_title_check"


def test_delete_versions_after_is_strict_and_takes_their_suggestions(database: Database) -> None:
    user = make_user(database)
    v1 = save(database, user, None, "v1")
    v2 = save(database, user, v1.id, "v2")
    v3 = save(database, user, v1.id, "v3")
    with database.as_user(user) as conn:
        made = documents.save_suggestions(
            conn,
            params=[
                documents.SaveSuggestionsParams(v.id, v.created_at, user, "a", "b", None)
                for v in (v1, v2, v3)
            ],
        )
        assert all(s is not None for s in made)
        deleted = documents.delete_document_versions_after(
            conn, id=v1.id, after_created_at=v1.created_at
        )
        remaining = documents.list_document_versions(conn, id=v1.id)
        suggestions = documents.list_suggestions_by_document(
            conn, document_id=v1.id, document_created_at=None
        )
        latest = documents.get_latest_document(conn, id=v1.id)
    assert deleted == 2
    assert [v.content for v in remaining] == ["v1"]  # the version at the cursor stays
    assert [s.document_created_at for s in suggestions] == [v1.created_at]
    assert latest is not None and latest.content == "v1"


def test_delete_versions_after_the_latest_deletes_nothing(database: Database) -> None:
    user = make_user(database)
    v1 = save(database, user, None, "v1")
    with database.as_user(user) as conn:
        assert (
            documents.delete_document_versions_after(conn, id=v1.id, after_created_at=v1.created_at)
            == 0
        )


def test_save_suggestions_batch_and_list_by_version(database: Database) -> None:
    user = make_user(database)
    v1 = save(database, user, None, "hello world")
    v2 = save(database, user, v1.id, "hello there")
    with database.as_user(user) as conn:
        rows = documents.save_suggestions(
            conn,
            params=[
                documents.SaveSuggestionsParams(v1.id, v1.created_at, user, "world", "planet", "x"),
                documents.SaveSuggestionsParams(v2.id, v2.created_at, user, "there", "you", None),
                documents.SaveSuggestionsParams(v2.id, v2.created_at, user, "hello", "hi", None),
            ],
        )
        all_rows = documents.list_suggestions_by_document(
            conn, document_id=v1.id, document_created_at=None
        )
        of_v2 = documents.list_suggestions_by_document(
            conn, document_id=v1.id, document_created_at=v2.created_at
        )
        none = documents.list_suggestions_by_document(
            conn, document_id=uuid.uuid4(), document_created_at=None
        )
    assert len(rows) == 3 and rows[0] is not None and rows[0].description == "x"
    assert len(all_rows) == 3
    assert [s.suggested_text for s in of_v2] == ["you", "hi"]
    assert none == []


def test_save_suggestions_with_no_params_returns_empty(database: Database) -> None:
    user = make_user(database)
    with database.as_user(user) as conn:
        assert documents.save_suggestions(conn, params=[]) == []


def test_save_suggestion_on_another_users_document_is_refused(database: Database) -> None:
    owner, other = make_user(database), make_user(database)
    doc = save(database, owner, None, "mine")
    with pytest.raises(errors.PermissionDenied), database.as_user(other) as conn:
        documents.save_suggestions(
            conn,
            params=[documents.SaveSuggestionsParams(doc.id, doc.created_at, other, "a", "b", None)],
        )


def test_save_suggestion_on_unknown_version_is_not_found(database: Database) -> None:
    user = make_user(database)
    doc = save(database, user, None, "mine")
    with pytest.raises(errors.ChatdbError), database.as_user(user) as conn:
        documents.save_suggestions(
            conn,
            params=[
                documents.SaveSuggestionsParams(
                    doc.id, doc.created_at.replace(year=2001), user, "a", "b", None
                )
            ],
        )


def test_resolve_suggestion_marks_it_once_and_others_cannot(database: Database) -> None:
    owner, other = make_user(database), make_user(database)
    doc = save(database, owner, None, "text")
    with database.as_user(owner) as conn:
        (made,) = documents.save_suggestions(
            conn,
            params=[documents.SaveSuggestionsParams(doc.id, doc.created_at, owner, "t", "T", None)],
        )
    assert not made.is_resolved
    with database.as_user(other) as conn:
        assert documents.resolve_suggestion(conn, id=made.id) is None
    with database.as_user(owner) as conn:
        first = documents.resolve_suggestion(conn, id=made.id)
        again = documents.resolve_suggestion(conn, id=made.id)
        missing = documents.resolve_suggestion(conn, id=uuid.uuid4())
    assert first is not None and first.is_resolved
    assert again is not None and again.is_resolved
    assert missing is None


async def test_async_save_and_get_latest_document(
    database: Database, async_database: AsyncDatabase
) -> None:
    user = make_user(database)
    async with async_database.as_user(user) as conn:
        saved = await aio_documents.save_document(
            conn, id=None, user_id=user, chat_id=None, title="A", kind=TEXT, content="async"
        )
        latest = await aio_documents.get_latest_document(conn, id=saved.id)
        deleted = await aio_documents.delete_document_versions_after(
            conn, id=saved.id, after_created_at=saved.created_at
        )
    assert latest == saved
    assert deleted == 0
