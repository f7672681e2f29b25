from __future__ import annotations

import datetime
import threading
import uuid

import pytest

from chatdb import AsyncDatabase, Database, errors
from chatdb.flows.auth import hash_token, new_token
from chatdb.queries import auth, models
from chatdb.queries.aio import auth as aauth
from support.factories import digest, email, sign_up
from support.logins import logins

UTC = datetime.UTC


def later(**delta: float) -> datetime.datetime:
    return datetime.datetime.now(UTC) + datetime.timedelta(**delta)


def link(
    db: Database, user_id: uuid.UUID, provider_account_id: str | None = None
) -> models.Account:
    with db.system() as conn:
        return auth.link_account(
            conn,
            user_id=user_id,
            type="oauth",
            provider="github",
            provider_account_id=provider_account_id or uuid.uuid4().hex,
            access_token_ciphertext=b"\x01sealed-access",
            refresh_token_ciphertext=b"\x01sealed-refresh",
            id_token_ciphertext=None,
            token_key_version=1,
            expires_at=later(hours=1),
            token_type="bearer",
            scope="read:user",
            session_state=None,
        )


def test_link_account_stores_ciphertext_and_finds_user(database: Database) -> None:
    user = sign_up(database)
    account = link(database, user.id)
    assert account.access_token_ciphertext == b"\x01sealed-access"
    with database.system() as conn:
        found = auth.get_user_by_account(
            conn, provider="github", provider_account_id=account.provider_account_id
        )
        assert found is not None
        assert found.id == user.id
        assert auth.get_user_by_account(conn, provider="google", provider_account_id="x") is None


def test_link_account_twice_conflicts(database: Database) -> None:
    user = sign_up(database)
    account = link(database, user.id)
    with pytest.raises(errors.ConflictError) as info:
        link(database, sign_up(database).id, account.provider_account_id)
    assert info.value.constraint == "accounts_pkey"


def test_link_account_requires_key_version_with_ciphertext(database: Database) -> None:
    user = sign_up(database)
    with pytest.raises(errors.CheckViolation), database.system() as conn:
        auth.link_account(
            conn,
            user_id=user.id,
            type="oauth",
            provider="github",
            provider_account_id=uuid.uuid4().hex,
            access_token_ciphertext=b"sealed",
            refresh_token_ciphertext=None,
            id_token_ciphertext=None,
            token_key_version=None,
            expires_at=None,
            token_type=None,
            scope=None,
            session_state=None,
        )


def test_update_account_tokens_replaces_ciphertexts(database: Database) -> None:
    account = link(database, sign_up(database).id)
    with database.system() as conn:
        updated = auth.update_account_tokens(
            conn,
            provider="github",
            provider_account_id=account.provider_account_id,
            access_token_ciphertext=b"\x02new",
            refresh_token_ciphertext=None,
            id_token_ciphertext=None,
            token_key_version=2,
            expires_at=None,
        )
        assert updated is not None
        assert (updated.access_token_ciphertext, updated.refresh_token_ciphertext) == (
            b"\x02new",
            None,
        )
        missing = auth.update_account_tokens(
            conn,
            provider="github",
            provider_account_id="nobody",
            access_token_ciphertext=None,
            refresh_token_ciphertext=None,
            id_token_ciphertext=None,
            token_key_version=None,
            expires_at=None,
        )
        assert missing is None


def test_unlink_account_only_own_as_app_and_once(database: Database) -> None:
    me, other = sign_up(database), sign_up(database)
    mine, theirs = link(database, me.id), link(database, other.id)
    with database.as_user(me.id) as conn:
        assert [a.provider_account_id for a in auth.list_accounts_by_user(conn, user_id=me.id)] == [
            mine.provider_account_id
        ]
        assert auth.list_accounts_by_user(conn, user_id=other.id) == []
        assert (
            auth.unlink_account(
                conn, provider="github", provider_account_id=theirs.provider_account_id
            )
            == 0
        )
        assert (
            auth.unlink_account(
                conn, provider="github", provider_account_id=mine.provider_account_id
            )
            == 1
        )
    with database.system() as conn:
        assert (
            auth.unlink_account(
                conn, provider="github", provider_account_id=mine.provider_account_id
            )
            == 0
        )
        assert (
            auth.unlink_account(
                conn, provider="github", provider_account_id=theirs.provider_account_id
            )
            == 1
        )


def test_session_lifecycle_by_token_hash(database: Database) -> None:
    user = sign_up(database)
    token = new_token()
    with database.system() as conn:
        session = auth.create_session(
            conn,
            session_token_hash=hash_token(token),
            user_id=user.id,
            expires=later(days=30),
            fingerprint_id=None,
        )
        assert session.session_token_hash == hash_token(token) != token.encode()
        found = auth.get_session_and_user(conn, session_token_hash=hash_token(token))
        assert found is not None
        assert found.session == session
        assert found.user_profile.id == user.id
        assert auth.get_session_and_user(conn, session_token_hash=digest()) is None

        new_expiry = later(days=60)
        updated = auth.update_session(
            conn, session_token_hash=hash_token(token), expires=new_expiry
        )
        assert updated is not None
        assert updated.expires == new_expiry
        assert auth.update_session(conn, session_token_hash=digest(), expires=new_expiry) is None

        assert auth.delete_session(conn, session_token_hash=hash_token(token)) == 1
        assert auth.delete_session(conn, session_token_hash=hash_token(token)) == 0
        assert auth.get_session_and_user(conn, session_token_hash=hash_token(token)) is None


def test_create_session_refuses_raw_token_and_duplicates(database: Database) -> None:
    user = sign_up(database)
    with pytest.raises(errors.CheckViolation), database.system() as conn:
        auth.create_session(
            conn,
            session_token_hash=new_token().encode(),
            user_id=user.id,
            expires=later(days=1),
            fingerprint_id=None,
        )
    token_hash = digest()
    with database.system() as conn:
        auth.create_session(
            conn,
            session_token_hash=token_hash,
            user_id=user.id,
            expires=later(days=1),
            fingerprint_id=None,
        )
    with pytest.raises(errors.ConflictError), database.system() as conn:
        auth.create_session(
            conn,
            session_token_hash=token_hash,
            user_id=user.id,
            expires=later(days=1),
            fingerprint_id=None,
        )


def test_expired_session_is_not_returned_and_is_swept(database: Database) -> None:
    user = sign_up(database)
    expired, live = digest(), digest()
    with database.system() as conn:
        for token_hash, expires in ((expired, later(seconds=-1)), (live, later(days=1))):
            auth.create_session(
                conn,
                session_token_hash=token_hash,
                user_id=user.id,
                expires=expires,
                fingerprint_id=None,
            )
        assert auth.get_session_and_user(conn, session_token_hash=expired) is None
        assert auth.delete_expired_sessions(conn) >= 1
        assert auth.delete_expired_sessions(conn) == 0
        assert auth.delete_session(conn, session_token_hash=expired) == 0
        assert auth.get_session_and_user(conn, session_token_hash=live) is not None


def test_sessions_of_other_users_are_invisible_to_app(database: Database) -> None:
    me, other = sign_up(database), sign_up(database)
    theirs = digest()
    with database.system() as conn:
        auth.create_session(
            conn,
            session_token_hash=theirs,
            user_id=other.id,
            expires=later(days=1),
            fingerprint_id=None,
        )
    with database.as_user(me.id) as conn:
        assert auth.delete_session(conn, session_token_hash=theirs) == 0
        assert auth.delete_sessions_by_user(conn, user_id=other.id) == 0
    with database.system() as conn:
        assert auth.delete_sessions_by_user(conn, user_id=other.id) == 1


def test_verification_token_is_usable_once(database: Database) -> None:
    identifier, token = email(), new_token()
    with database.system() as conn:
        created = auth.create_verification_token(
            conn, identifier=identifier, token_hash=hash_token(token), expires=later(hours=1)
        )
        assert (
            auth.use_verification_token(conn, identifier=email(), token_hash=hash_token(token))
            is None
        )
        used = auth.use_verification_token(
            conn, identifier=identifier, token_hash=hash_token(token)
        )
        assert used == created
        again = auth.use_verification_token(
            conn, identifier=identifier, token_hash=hash_token(token)
        )
        assert again is None


def test_expired_verification_token_is_consumed_but_not_returned(database: Database) -> None:
    identifier, token_hash = email(), digest()
    with database.system() as conn:
        auth.create_verification_token(
            conn, identifier=identifier, token_hash=token_hash, expires=later(seconds=-1)
        )
        assert (
            auth.use_verification_token(conn, identifier=identifier, token_hash=token_hash) is None
        )
        row = conn.execute(
            "SELECT count(*) FROM verification_tokens WHERE identifier = %s", (identifier,)
        ).fetchone()
        assert row == (0,)
        auth.create_verification_token(
            conn, identifier=identifier, token_hash=token_hash, expires=later(seconds=-1)
        )
        assert auth.delete_expired_verification_tokens(conn) >= 1
        assert auth.delete_expired_verification_tokens(conn) == 0


def test_verification_tokens_are_not_reachable_as_app(database: Database) -> None:
    user = sign_up(database)
    with pytest.raises(errors.PermissionDenied), database.as_user(user.id) as conn:
        auth.use_verification_token(conn, identifier=user.email, token_hash=digest())


async def test_async_session_round_trip(async_database: AsyncDatabase, database: Database) -> None:
    user = sign_up(database)
    token_hash = digest()
    async with async_database.system() as conn:
        await aauth.create_session(
            conn,
            session_token_hash=token_hash,
            user_id=user.id,
            expires=later(days=1),
            fingerprint_id=None,
        )
        found = await aauth.get_session_and_user(conn, session_token_hash=token_hash)
        assert found is not None
        assert found.user_profile.email == user.email
        assert await aauth.delete_session(conn, session_token_hash=token_hash) == 1


def test_verification_token_used_by_many_requests_at_once_signs_in_exactly_one(
    db_url: str,
) -> None:
    # A magic link clicked twice (or prefetched by a mail scanner while the user clicks):
    # the DELETE ... RETURNING hands the token to exactly one of them.
    identifier, token = email(), new_token()
    with Database(**logins(db_url), pool_min_size=1, pool_max_size=8) as db:
        with db.system() as conn:
            auth.create_verification_token(
                conn, identifier=identifier, token_hash=hash_token(token), expires=later(hours=1)
            )
        start = threading.Barrier(8)
        used: list[models.VerificationToken | None] = []
        lock = threading.Lock()

        def use() -> None:
            start.wait()
            with db.system() as conn:
                row = auth.use_verification_token(
                    conn, identifier=identifier, token_hash=hash_token(token)
                )
            with lock:
                used.append(row)

        threads = [threading.Thread(target=use) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(used) == 8
    assert sum(row is not None for row in used) == 1
