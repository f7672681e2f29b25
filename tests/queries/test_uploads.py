"""uploads.sql: context optimizations and deduplicated file uploads, as the owner."""

from __future__ import annotations

import datetime
import hashlib
import threading
import uuid

import pytest

from chatdb import AsyncDatabase, Database, Page, errors
from chatdb.queries import models, uploads
from chatdb.queries.aio import uploads as aio_uploads
from chatdb.queries.enums import ContextOptimizationStrategy as Strategy
from chatdb.queries.enums import ContextOptimizationTrigger as Trigger
from support.factories import count_rows, make_chat, make_message, make_user


def digest(data: str) -> bytes:
    return hashlib.sha256(data.encode()).digest()


def upload(
    db: Database, user: uuid.UUID, data: str, *, filename: str = "a.txt"
) -> uploads.CreateFileUploadRow:
    with db.system() as conn:  # the upload service records uploads (storage keys are its own)
        return uploads.create_file_upload(
            conn,
            user_id=user,
            chat_id=None,
            content_hash=digest(data),
            filename=filename,
            content_type="text/plain",
            size_bytes=len(data),
            storage_key=f"s3://bucket/{uuid.uuid4()}",
        )


def test_record_and_list_context_optimizations_keyset(database: Database) -> None:
    user, other = make_user(database), make_user(database)
    chat = make_chat(database, user)
    message = make_message(database, chat)
    with database.as_user(user) as conn:
        assert (
            uploads.list_context_optimizations(
                conn, chat_id=chat, before_created_at=None, before_id=None, page_size=3
            )
            == []
        )
        made = [
            uploads.record_context_optimization(
                conn,
                chat_id=chat,
                message_id=message,
                strategy=Strategy.SUMMARIZE,
                tokens_before=1000 + i,
                tokens_after=200,
                messages_removed=5,
                summary=f"summary {i}",
                metadata={"model": "small"},
                trigger_reason=Trigger.TOKEN_LIMIT,
                affected_message_ids=[message],
            )
            for i in range(3)
        ]
        page = uploads.list_context_optimizations(
            conn, chat_id=chat, before_created_at=None, before_id=None, page_size=3
        )
    assert all(m is not None for m in made)
    # Exactly `limit` rows exist: a page of 2 (fetching 3) has more; a page of 3 (fetching 4) not.
    first = Page.from_rows(page, 2, cursor=lambda r: (r.created_at, r.id))
    assert first.has_more and len(first) == 2
    assert first.next_cursor is not None
    with database.as_user(user) as conn:
        rest = uploads.list_context_optimizations(
            conn,
            chat_id=chat,
            before_created_at=first.next_cursor[0],
            before_id=first.next_cursor[1],
            page_size=3,
        )
    second = Page.from_rows(rest, 2, cursor=lambda r: (r.created_at, r.id))
    assert not second.has_more and len(second) == 1
    assert {r.id for r in first.items + second.items} == {m.id for m in made if m is not None}
    with database.as_user(other) as conn:
        assert (
            uploads.list_context_optimizations(
                conn, chat_id=chat, before_created_at=None, before_id=None, page_size=10
            )
            == []
        )


def test_record_context_optimization_summarize_without_summary_is_refused(
    database: Database,
) -> None:
    user = make_user(database)
    chat = make_chat(database, user)
    with pytest.raises(errors.CheckViolation) as info, database.as_user(user) as conn:
        uploads.record_context_optimization(
            conn,
            chat_id=chat,
            message_id=None,
            strategy=Strategy.SUMMARIZE,
            tokens_before=10,
            tokens_after=5,
            messages_removed=1,
            summary=None,
            metadata={},
            trigger_reason=Trigger.AUTO,
            affected_message_ids=[],
        )
    assert info.value.constraint == "context_optimizations_summary_check"


def test_record_context_optimization_in_another_users_chat_is_refused(database: Database) -> None:
    owner, other = make_user(database), make_user(database)
    chat = make_chat(database, owner)
    with pytest.raises(errors.PermissionDenied), database.as_user(other) as conn:
        uploads.record_context_optimization(
            conn,
            chat_id=chat,
            message_id=None,
            strategy=Strategy.TRUNCATE,
            tokens_before=10,
            tokens_after=5,
            messages_removed=1,
            summary=None,
            metadata={},
            trigger_reason=Trigger.AUTO,
            affected_message_ids=[],
        )


def test_create_file_upload_same_content_returns_the_first_row(database: Database) -> None:
    user = make_user(database)
    first = upload(database, user, "hello", filename="first.txt")
    again = upload(database, user, "hello", filename="second.txt")
    other_content = upload(database, user, "world")
    assert first.created and not again.created and other_content.created
    assert again.id == first.id and again.filename == "first.txt"
    assert again.storage_key == first.storage_key
    assert count_rows(database, "file_uploads", "user_id = %(u)s", {"u": user}) == 2


def test_create_file_upload_same_content_for_two_users_gives_two_rows(database: Database) -> None:
    a, b = make_user(database), make_user(database)
    assert upload(database, a, "shared").id != upload(database, b, "shared").id


def test_create_file_upload_concurrent_same_hash_both_get_the_same_row(database: Database) -> None:
    user = make_user(database)
    data = f"race-{uuid.uuid4()}"
    barrier = threading.Barrier(2)
    results: list[uploads.CreateFileUploadRow] = []
    failures: list[BaseException] = []
    inserted = threading.Event()

    def first() -> None:
        try:
            with database.system() as conn:
                row = uploads.create_file_upload(
                    conn,
                    user_id=user,
                    chat_id=None,
                    content_hash=digest(data),
                    filename="one.txt",
                    content_type="text/plain",
                    size_bytes=1,
                    storage_key="k1",
                )
                results.append(row)
                inserted.set()
                barrier.wait()  # the other upload now blocks on our uncommitted row
                conn.execute("SELECT pg_sleep(0.2)")
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
            inserted.set()

    def second() -> None:
        try:
            inserted.wait()
            barrier.wait()
            results.append(upload(database, user, data, filename="two.txt"))
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert not failures
    assert len(results) == 2
    assert results[0].id == results[1].id
    assert sorted(r.created for r in results) == [False, True]
    assert count_rows(database, "file_uploads", "user_id = %(u)s", {"u": user}) == 1


def test_create_file_upload_bad_hash_is_refused_and_writes_nothing(database: Database) -> None:
    user = make_user(database)
    with pytest.raises(errors.CheckViolation) as info, database.system() as conn:
        uploads.create_file_upload(
            conn,
            user_id=user,
            chat_id=None,
            content_hash=b"short",
            filename="x",
            content_type="text/plain",
            size_bytes=1,
            storage_key="k",
        )
    assert info.value.constraint == "file_uploads_content_hash_check"
    assert count_rows(database, "file_uploads", "user_id = %(u)s", {"u": user}) == 0


def test_the_app_cannot_record_uploads_or_choose_storage_keys(database: Database) -> None:
    user, other = make_user(database), make_user(database)
    for who in (user, other):
        with pytest.raises(errors.PermissionDenied), database.as_user(who) as conn:
            uploads.create_file_upload(
                conn,
                user_id=user,
                chat_id=None,
                content_hash=digest("x"),
                filename="x",
                content_type="text/plain",
                size_bytes=1,
                storage_key=f"users/{other}/secret.pdf",
            )
    assert count_rows(database, "file_uploads", "user_id = %(u)s", {"u": user}) == 0


def test_an_upload_attaches_only_to_a_chat_of_its_user(database: Database) -> None:
    user, other = make_user(database), make_user(database)
    other_chat = make_chat(database, other)
    for chat_id in (other_chat, uuid.uuid4()):
        with pytest.raises(errors.CheckViolation) as info, database.system() as conn:
            uploads.create_file_upload(
                conn,
                user_id=user,
                chat_id=chat_id,
                content_hash=digest("x"),
                filename="x",
                content_type="text/plain",
                size_bytes=1,
                storage_key="k",
            )
        assert info.value.constraint == "file_uploads_chat_owner_check"


def list_page(
    db: Database, user: uuid.UUID, limit: int, cursor: tuple[datetime.datetime, uuid.UUID] | None
) -> Page[models.FileUpload, tuple[datetime.datetime, uuid.UUID]]:
    with db.as_user(user) as conn:
        rows = uploads.list_uploads_by_user(
            conn,
            user_id=user,
            before_created_at=cursor[0] if cursor else None,
            before_id=cursor[1] if cursor else None,
            page_size=limit,
        )
    return Page.from_rows(rows, limit, cursor=lambda r: (r.created_at, r.id))


def test_list_uploads_by_user_keyset_pages(database: Database) -> None:
    user, other = make_user(database), make_user(database)
    assert list_page(database, user, 2, None).items == []
    # Four uploads in one transaction share created_at: the id breaks the tie.
    with database.system() as conn:
        for i in range(4):
            uploads.create_file_upload(
                conn,
                user_id=user,
                chat_id=None,
                content_hash=digest(f"{user}-{i}"),
                filename=f"{i}.txt",
                content_type="text/plain",
                size_bytes=i,
                storage_key=f"k{i}",
            )
    seen: list[uuid.UUID] = []
    page = list_page(database, user, 2, None)
    assert page.has_more and len(page) == 2
    seen += [r.id for r in page.items]
    page = list_page(database, user, 2, page.next_cursor)
    assert not page.has_more and len(page) == 2  # exactly `limit` rows left
    seen += [r.id for r in page.items]
    assert len(set(seen)) == 4
    whole = list_page(database, user, 4, None)
    assert not whole.has_more and [r.id for r in whole.items] == seen
    assert list_page(database, user, 3, None).has_more  # limit + 1 rows
    assert list_page(database, other, 10, None).items == []
    with database.as_user(other) as conn:
        stolen = uploads.list_uploads_by_user(
            conn, user_id=user, before_created_at=None, before_id=None, page_size=10
        )
    assert stolen == []


async def test_async_create_file_upload_dedupes(
    database: Database, async_database: AsyncDatabase
) -> None:
    user = make_user(database)
    async with async_database.system() as conn:
        rows = [
            await aio_uploads.create_file_upload(
                conn,
                user_id=user,
                chat_id=None,
                content_hash=digest("async"),
                filename="a",
                content_type="application/pdf",
                size_bytes=3,
                storage_key="k",
            )
            for _ in range(2)
        ]
        listed = await aio_uploads.list_uploads_by_user(
            conn, user_id=user, before_created_at=None, before_id=None, page_size=5
        )
    assert rows[0] is not None and rows[1] is not None and rows[0].id == rows[1].id
    assert [r.id for r in listed] == [rows[0].id]
