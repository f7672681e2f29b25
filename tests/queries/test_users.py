from __future__ import annotations

import datetime
import uuid

import pytest

from chatdb import AsyncDatabase, Database, Page, errors
from chatdb.queries import models, users
from chatdb.queries.aio import users as ausers
from chatdb.queries.enums import UserRole, UserStatus
from support.factories import email, sign_up

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"


def count_users(db: Database, address: str) -> int:
    with db.system() as conn:
        row = conn.execute(
            "SELECT count(*) FROM users WHERE lower(email) = lower(%s)", (address,)
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_create_user_returns_profile_with_defaults(database: Database) -> None:
    user = sign_up(database, name="Ada")
    assert isinstance(user, models.UserProfile)
    assert user.name == "Ada"
    assert user.role is UserRole.USER
    assert user.status is UserStatus.ACTIVE
    assert user.credit_balance == 0  # RETURNING runs before the signup-credits trigger
    assert user.referral_code.startswith("ref-")
    assert not hasattr(user, "password_hash")


def test_create_user_with_same_email_in_other_case_conflicts_and_writes_nothing(
    database: Database,
) -> None:
    address = email()
    sign_up(database, address=address)
    with pytest.raises(errors.ConflictError) as info, database.system() as conn:
        users.create_user(
            conn,
            email=address.upper(),
            name=None,
            image=None,
            email_verified=None,
            password_hash=None,
        )
    assert info.value.constraint == "users_lower_email_key"
    assert count_users(database, address) == 1


@pytest.mark.parametrize(
    ("address", "password_hash", "error"),
    [
        ("not-an-email", None, errors.CheckViolation),
        ("x" * 400 + "@example.com", None, errors.CheckViolation),
        ("nul\x00@example.com", None, errors.InvalidInput),
        ("'; DROP TABLE users; --@example.com", "plaintext-password", errors.CheckViolation),
    ],
)
def test_create_user_rejects_bad_input(
    database: Database, address: str, password_hash: str | None, error: type[Exception]
) -> None:
    with pytest.raises(error), database.system() as conn:
        users.create_user(
            conn,
            email=address,
            name=None,
            image=None,
            email_verified=None,
            password_hash=password_hash,
        )


def test_app_role_cannot_create_users(database: Database) -> None:
    me = sign_up(database)
    with pytest.raises(errors.PermissionDenied), database.as_user(me.id) as conn:
        users.create_user(
            conn, email=email(), name=None, image=None, email_verified=None, password_hash=None
        )


def test_get_user_by_id_sees_only_self_as_app(database: Database) -> None:
    me, other = sign_up(database), sign_up(database)
    with database.as_user(me.id) as conn:
        found = users.get_user_by_id(conn, id=me.id)
        assert found is not None
        assert (found.id, found.email) == (me.id, me.email)
        assert users.get_user_by_id(conn, id=other.id) is None
        assert users.get_user_by_id(conn, id=uuid.uuid4()) is None
    with database.anonymous() as conn:
        assert users.get_user_by_id(conn, id=me.id) is None


def test_get_user_by_ids_returns_existing_in_id_order(database: Database) -> None:
    a, b = sign_up(database), sign_up(database)
    with database.system() as conn:
        found = users.get_user_by_ids(conn, ids=[b.id, uuid.uuid4(), a.id, a.id])
        assert [u.id for u in found] == sorted([a.id, b.id])
        assert users.get_user_by_ids(conn, ids=[]) == []


def test_get_user_by_email_is_case_insensitive(database: Database) -> None:
    address = email()
    user = sign_up(database, address=address)
    with database.system() as conn:
        found = users.get_user_by_email(conn, email=address.upper())
        assert found is not None
        assert found.id == user.id
        assert users.get_user_by_email(conn, email=f"  {address}") is None
        assert users.get_user_by_email(conn, email=email()) is None
        assert users.get_user_by_email(conn, email="' OR 1=1 --") is None


def test_get_user_credentials_by_email_is_system_only(database: Database) -> None:
    address = email()
    user = sign_up(database, address=address, password_hash=HASH)
    with database.system() as conn:
        creds = users.get_user_credentials_by_email(conn, email=address.upper())
    assert creds is not None
    assert (creds.id, creds.status, creds.password_hash) == (user.id, UserStatus.ACTIVE, HASH)
    with pytest.raises(errors.PermissionDenied), database.as_user(user.id) as conn:
        users.get_user_credentials_by_email(conn, email=address)


def test_update_user_password_hash_accepts_only_argon2id(database: Database) -> None:
    user = sign_up(database)
    with database.system() as conn:
        assert users.update_user_password_hash(conn, id=user.id, password_hash=HASH) == 1
        assert users.update_user_password_hash(conn, id=uuid.uuid4(), password_hash=HASH) == 0
    with pytest.raises(errors.CheckViolation), database.system() as conn:
        users.update_user_password_hash(conn, id=user.id, password_hash="hunter2")


def test_update_user_changes_only_given_fields_of_self(database: Database) -> None:
    me, other = sign_up(database, name="Me"), sign_up(database, name="Other")
    with database.as_user(me.id) as conn:
        updated = users.update_user(conn, id=me.id, name=None, image="https://x.test/a.png")
        assert updated is not None
        assert (updated.name, updated.image) == ("Me", "https://x.test/a.png")
        assert updated.updated_at >= me.updated_at
        assert users.update_user(conn, id=other.id, name="hacked", image=None) is None
    with database.system() as conn:
        still = users.get_user_by_id(conn, id=other.id)
    assert still is not None
    assert still.name == "Other"


def test_update_user_tells_keep_from_clear(database: Database) -> None:
    me = sign_up(database, name="Me")
    with database.as_user(me.id) as conn:
        users.update_user(conn, id=me.id, image="https://x.test/a.png")
        kept = users.update_user(conn, id=me.id)  # nothing given: everything kept
        assert kept is not None
        assert (kept.name, kept.image) == ("Me", "https://x.test/a.png")
        cleared = users.update_user(conn, id=me.id, clear_name=True, clear_image=True)
        assert cleared is not None
        assert (cleared.name, cleared.image) == (None, None)


def test_update_user_rejects_too_long_name(database: Database) -> None:
    me = sign_up(database)
    with pytest.raises(errors.CheckViolation), database.as_user(me.id) as conn:
        users.update_user(conn, id=me.id, name="n" * 201, image=None)


def test_update_user_email_marks_verified_and_refuses_taken_email(database: Database) -> None:
    a, b = sign_up(database), sign_up(database)
    now = datetime.datetime.now(datetime.UTC)
    with database.system() as conn:
        updated = users.update_user_email(conn, id=a.id, email=None, verified_at=now)
    assert updated.email == a.email
    assert updated.email_verified == now
    with pytest.raises(errors.ConflictError), database.system() as conn:
        users.update_user_email(conn, id=a.id, email=b.email.upper(), verified_at=None)
    with pytest.raises(errors.PermissionDenied), database.as_user(a.id) as conn:
        users.update_user_email(conn, id=a.id, email=email(), verified_at=None)


def test_delete_user_deletes_once_and_only_as_system(database: Database) -> None:
    user = sign_up(database)
    with pytest.raises(errors.PermissionDenied), database.as_user(user.id) as conn:
        users.delete_user(conn, id=user.id)
    with database.system() as conn:
        assert users.delete_user(conn, id=user.id) == 1
        assert users.delete_user(conn, id=user.id) == 0
        assert users.get_user_by_id(conn, id=user.id) is None


def _page(
    db: Database, size: int, after: tuple[datetime.datetime, uuid.UUID | None]
) -> Page[models.UserProfile, tuple[datetime.datetime, uuid.UUID]]:
    with db.system() as conn:
        rows = users.list_users(conn, after_at=after[0], after_id=after[1], page_size=size)
    return Page.from_rows(rows, size, cursor=lambda u: (u.created_at, u.id))


def test_list_users_pages_by_created_at_and_id(database: Database) -> None:
    made = [sign_up(database) for _ in range(3)]
    start = (made[0].created_at - datetime.timedelta(microseconds=1), None)

    exact = _page(database, 3, start)
    assert [u.id for u in exact.items] == [u.id for u in made]
    assert not exact.has_more
    assert exact.next_cursor is None

    first = _page(database, 2, start)
    assert [u.id for u in first.items] == [made[0].id, made[1].id]
    assert first.has_more
    assert first.next_cursor == (made[1].created_at, made[1].id)
    second = _page(database, 2, first.next_cursor)
    assert [u.id for u in second.items] == [made[2].id]
    assert not second.has_more

    assert _page(database, 2, (made[2].created_at, made[2].id)).items == []


def test_list_users_first_page_without_cursor(database: Database) -> None:
    sign_up(database)
    with database.system() as conn:
        rows = users.list_users(conn, after_at=None, after_id=None, page_size=1)
    assert len(rows) == 2
    assert (rows[0].created_at, rows[0].id) < (rows[1].created_at, rows[1].id)


async def test_async_get_user_by_email_and_update(async_database: AsyncDatabase) -> None:
    address = email()
    async with async_database.system() as conn:
        user = await ausers.create_user(
            conn, email=address, name="Async", image=None, email_verified=None, password_hash=None
        )
    async with async_database.as_user(user.id) as conn:
        updated = await ausers.update_user(conn, id=user.id, name="Renamed", image=None)
        assert updated is not None
        assert updated.name == "Renamed"
    async with async_database.system() as conn:
        found = await ausers.get_user_by_email(conn, email=address.upper())
    assert found is not None
    assert (found.id, found.name) == (user.id, "Renamed")
