"""Every version of a document id belongs to one owner, whatever the writer's role."""

from __future__ import annotations

import threading
import uuid

import psycopg

from .helpers import APP, SYSTEM, acting, count, expect_error, insert, new_user


def test_a_user_cannot_add_a_version_to_another_users_document(conn: psycopg.Connection) -> None:
    alice, mallory = new_user(conn), new_user(conn)
    doc = insert(conn, "documents", user_id=alice, title="Plan")
    with acting(conn, APP, mallory):
        expect_error(
            conn,
            "INSERT INTO documents (id, user_id, title) VALUES (%s, %s, 'Hijack')",
            (doc, mallory),
            constraint="documents_single_owner_check",
        )
    assert count(conn, "documents", "id = %s", (doc,)) == 1


def test_the_system_role_cannot_mix_owners_either(conn: psycopg.Connection) -> None:
    alice, bob = new_user(conn), new_user(conn)
    doc = insert(conn, "documents", user_id=alice, title="Plan")
    with acting(conn, SYSTEM):
        expect_error(
            conn,
            "INSERT INTO documents (id, user_id, title) VALUES (%s, %s, 'v2')",
            (doc, bob),
            constraint="documents_single_owner_check",
        )


def test_the_owner_saves_new_versions(conn: psycopg.Connection) -> None:
    alice = new_user(conn)
    doc = insert(conn, "documents", user_id=alice, title="Plan")
    with acting(conn, APP, alice):
        conn.execute(
            "INSERT INTO documents (id, user_id, title, created_at) "
            "VALUES (%s, %s, 'Plan v2', date_trunc('milliseconds', now()) + interval '1 second')",
            (doc, alice),
        )
    assert count(conn, "documents", "id = %s", (doc,)) == 2


def test_concurrent_first_versions_by_two_users_leave_one_owner(db_url: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as setup:
        alice, bob = new_user(setup), new_user(setup)
    doc = uuid.uuid4()
    save = "INSERT INTO documents (id, user_id, title) VALUES (%s, %s, 'First')"
    outcome: list[BaseException | None] = []
    with psycopg.connect(db_url) as first, psycopg.connect(db_url) as second:
        with acting(first, APP, alice):
            first.execute(save, (doc, alice))  # not committed yet

            def racer() -> None:
                try:
                    with acting(second, APP, bob):
                        second.execute(save, (doc, bob))
                    second.commit()
                    outcome.append(None)
                except psycopg.Error as exc:
                    second.rollback()
                    outcome.append(exc)

            thread = threading.Thread(target=racer)
            thread.start()
            thread.join(0.5)  # the second writer waits for the first (or, unfixed, passes)
        first.commit()
        thread.join(10)
    assert len(outcome) == 1
    error = outcome[0]
    assert isinstance(error, psycopg.Error)
    assert error.diag.constraint_name == "documents_single_owner_check"
    with psycopg.connect(db_url) as check:
        owners = check.execute("SELECT DISTINCT user_id FROM documents WHERE id = %s", (doc,))
        assert owners.fetchall() == [(alice,)]
