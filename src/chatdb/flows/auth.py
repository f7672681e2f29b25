"""Password hashing and token digests for sign-in (Auth.js adapter and email+password).

- Passwords are stored as argon2id PHC strings (`users.password_hash`, which only accepts
  `$argon2id$...`). `verify_password` also says when a hash should be upgraded because the
  parameters changed (`needs_rehash`).
- Session and verification tokens are random strings handed to the browser/email; the
  database keeps only their SHA-256 digest (`sessions.session_token_hash`,
  `verification_tokens.token_hash`), so a leaked table cannot be replayed. Tokens are
  high-entropy, so a fast unsalted digest is the right tool (argon2 would only slow down
  every request).

No database access here: these are pure helpers used with the auth/users queries.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from chatdb.errors import ChatdbError, InvalidInput

# argon2-cffi's defaults are RFC 9106's "low memory" profile (argon2id, t=3, m=64 MiB, p=4).
_HASHER: Final = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified instead of a missing stored hash, so a user without a password costs the same
    argon2 work as a wrong password (no timing oracle for "has this account a password?").
    A hash of random bytes, so no password ever matches it; made on first use, not at import
    (one argon2 hash is 64 MiB and tens of milliseconds)."""
    return _HASHER.hash(secrets.token_bytes(32))


# Refuse absurd inputs before spending 64 MiB of memory on them.
MAX_PASSWORD_BYTES: Final = 4096
TOKEN_BYTES: Final = 32


class InvalidPassword(ChatdbError):
    """The password cannot be hashed (not text, empty, too long, or contains a NUL byte)."""


class InvalidToken(InvalidInput, ValueError):
    """A token that cannot be hashed: not text, empty, or not valid Unicode (a ValueError
    too, as it was before it was a chatdb error)."""


@dataclass(frozen=True, slots=True)
class PasswordCheck:
    """The outcome of `verify_password`: whether it matched, and whether to store a new hash."""

    ok: bool
    needs_rehash: bool = False

    def __bool__(self) -> bool:
        return self.ok


def _encode(password: str) -> bytes:
    if not isinstance(password, str):
        raise InvalidPassword("the password is not a string")
    try:
        data = password.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidPassword("the password is not valid Unicode text") from None
    if not data:
        raise InvalidPassword("the password is empty")
    if len(data) > MAX_PASSWORD_BYTES:
        raise InvalidPassword(f"the password is longer than {MAX_PASSWORD_BYTES} bytes")
    if b"\x00" in data:
        raise InvalidPassword("the password contains a NUL byte")
    return data


def hash_password(password: str) -> str:
    """The argon2id PHC string (`$argon2id$v=19$m=...`) to store in `users.password_hash`."""
    return _HASHER.hash(_encode(password))


def verify_password(password_hash: str | None, password: str) -> PasswordCheck:
    """Check `password` against a stored hash, in constant time with respect to the password.

    A missing hash (OAuth/email-link users), a malformed one, or an unusable password gives
    `ok=False` rather than an exception; a missing hash is still checked against a dummy
    hash, so it takes as long as a wrong password, so a sign-in form answers "wrong credentials" in
    every case. When it matches but the hash used older parameters, `needs_rehash` is true:
    store `hash_password(password)` (UpdateUserPasswordHash).
    """
    if not isinstance(password, str):
        raise InvalidInput("password must be a string", column="password")
    if password_hash is not None and not isinstance(password_hash, str):
        raise InvalidInput("password_hash must be a string or None", column="password_hash")
    try:
        data = _encode(password)
        # No stored hash: do the same work against a hash nothing matches, then refuse.
        _HASHER.verify(password_hash or _dummy_hash(), data)
    except (InvalidPassword, VerifyMismatchError, VerificationError, InvalidHashError):
        return PasswordCheck(ok=False)
    except UnicodeEncodeError:  # a lone surrogate: no stored hash holds one
        raise InvalidInput(
            "password_hash is not valid Unicode text", column="password_hash"
        ) from None
    if not password_hash:  # pragma: no cover - the dummy hash never matches
        return PasswordCheck(ok=False)
    return PasswordCheck(ok=True, needs_rehash=_HASHER.check_needs_rehash(password_hash))


def new_token() -> str:
    """A new random session or verification token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> bytes:
    """The SHA-256 digest (32 bytes) stored and looked up instead of the token itself."""
    if not isinstance(token, str) or not token:
        raise InvalidToken("the token must be a non-empty string", column="token")
    try:
        return hashlib.sha256(token.encode("utf-8")).digest()
    except UnicodeEncodeError:
        raise InvalidToken("the token is not valid Unicode text", column="token") from None


def token_matches(token: str, token_hash: bytes) -> bool:
    """Whether `token` hashes to `token_hash` (constant-time comparison)."""
    if not isinstance(token_hash, bytes):
        raise InvalidInput("token_hash must be bytes", column="token_hash")
    return hmac.compare_digest(hash_token(token), token_hash)
