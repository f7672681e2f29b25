from __future__ import annotations

import datetime

import pytest
from argon2 import PasswordHasher

from chatdb import Database
from chatdb.flows import auth as auth_flows
from chatdb.flows.auth import (
    InvalidPassword,
    hash_password,
    hash_token,
    new_token,
    token_matches,
    verify_password,
)
from chatdb.queries import auth, users
from support.factories import email, sign_up


def test_hash_password_is_argon2id_and_salted() -> None:
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first.startswith("$argon2id$")
    assert first != second
    assert verify_password(first, "correct horse")
    assert not verify_password(first, "Correct horse")


@pytest.mark.parametrize("bad", ["", "x" * 5000, "nul\x00byte"])
def test_hash_password_refuses_unusable_passwords(bad: str) -> None:
    with pytest.raises(InvalidPassword):
        hash_password(bad)
    assert not verify_password(hash_password("ok"), bad)


@pytest.mark.parametrize("stored", [None, "", "not-a-hash", "$argon2id$garbage"])
def test_verify_password_with_missing_or_malformed_hash_is_false(stored: str | None) -> None:
    assert verify_password(stored, "anything").ok is False


class _CountingHasher(PasswordHasher):
    """The real argon2id hasher (same parameters), counting the hashes it verifies."""

    def __init__(self) -> None:
        super().__init__()
        self.verified: list[str] = []

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verified.append(hash if isinstance(hash, str) else hash.decode())
        return super().verify(hash, password)


@pytest.mark.parametrize("stored", [None, ""])
def test_verify_password_without_a_stored_hash_still_does_the_argon2_work(
    monkeypatch: pytest.MonkeyPatch, stored: str | None
) -> None:
    hasher = _CountingHasher()
    monkeypatch.setattr(auth_flows, "_HASHER", hasher)
    assert verify_password(stored, "a password").ok is False
    # One real verification, against a hash of the current parameters (so it costs as much
    # as checking a wrong password of a user who has one).
    assert len(hasher.verified) == 1
    assert hasher.verified[0].startswith("$argon2id$")
    assert not hasher.check_needs_rehash(hasher.verified[0])


def test_verify_password_flags_old_parameters_for_rehash() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("pw")
    check = verify_password(weak, "pw")
    assert check.ok
    assert check.needs_rehash
    assert not verify_password(hash_password("pw"), "pw").needs_rehash


def test_tokens_are_random_and_hash_to_32_bytes() -> None:
    a, b = new_token(), new_token()
    assert a != b
    assert len(a) >= 43
    assert len(hash_token(a)) == 32
    assert hash_token(a) == hash_token(a) != hash_token(b)
    assert token_matches(a, hash_token(a))
    assert not token_matches(b, hash_token(a))
    with pytest.raises(ValueError, match="empty"):
        hash_token("")


def test_password_sign_in_and_session_round_trip(database: Database) -> None:
    address = email()
    user = sign_up(database, address=address, password_hash=hash_password("s3cret!"))
    with database.system() as conn:
        creds = users.get_user_credentials_by_email(conn, email=address)
        assert creds is not None
        assert verify_password(creds.password_hash, "s3cret!")
        assert not verify_password(creds.password_hash, "wrong")
        token = new_token()
        auth.create_session(
            conn,
            session_token_hash=hash_token(token),
            user_id=user.id,
            expires=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1),
            fingerprint_id=None,
        )
        found = auth.get_session_and_user(conn, session_token_hash=hash_token(token))
        assert found is not None
        assert found.user_profile.id == user.id
        row = conn.execute(
            "SELECT count(*) FROM sessions WHERE session_token_hash = %s", (token.encode(),)
        ).fetchone()
        assert row == (0,)
