"""Encryption of secrets at rest (provider API keys, OAuth and third-party tokens).

AES-256-GCM from `cryptography`. Keys come from the environment as a key ring
(`CHATDB_ENCRYPTION_KEYS="1:<base64 32 bytes>,2:<...>"`, `CHATDB_ENCRYPTION_KEY_ID=2`); the key
id is stored beside each ciphertext so old rows stay readable after a rotation, and
`rotate()` re-encrypts them under the current key. Associated data binds a ciphertext to
its row (e.g. user id + provider): copied to another row, it fails to decrypt.
"""

from __future__ import annotations

import base64
import binascii
import os
import uuid
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from chatdb.errors import ChatdbError, ConfigError, InvalidInput

NONCE_BYTES = 12
TAG_BYTES = 16


class DecryptionError(ChatdbError):
    """A ciphertext does not decrypt: wrong key, tampered, or bound to another row."""


@dataclass(frozen=True, slots=True)
class Sealed:
    """A ciphertext (nonce + AES-GCM output) and the id of the key that sealed it."""

    ciphertext: bytes
    key_id: int


class KeyRing:
    """The encryption keys by id, and which one seals new secrets."""

    def __init__(self, keys: dict[int, bytes], current: int) -> None:
        if current not in keys:
            raise ConfigError(
                f"CHATDB_ENCRYPTION_KEY_ID={current} names no key in CHATDB_ENCRYPTION_KEYS",
                fix="add that key to the ring or pick an id that is in it",
                variable="CHATDB_ENCRYPTION_KEY_ID",
            )
        for key_id, key in keys.items():
            if len(key) != 32:
                raise ConfigError(
                    f"CHATDB_ENCRYPTION_KEYS: key {key_id} is {len(key)} bytes, not 32",
                    fix="generate one with `python -c 'import os,base64;print(base64.b64encode(os.urandom(32)).decode())'`",
                    variable="CHATDB_ENCRYPTION_KEYS",
                )
        self._keys = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self.current = current

    @classmethod
    def parse(cls, ring: str, current: str = "") -> KeyRing:
        """Parse `id:base64,id:base64`; the current key defaults to the highest id."""
        keys: dict[int, bytes] = {}
        for item in filter(None, (part.strip() for part in ring.split(","))):
            key_id, sep, encoded = item.partition(":")
            try:
                if not sep:
                    raise ValueError
                keys[int(key_id)] = base64.b64decode(encoded, validate=True)
            except (ValueError, binascii.Error):
                raise ConfigError(
                    "CHATDB_ENCRYPTION_KEYS is malformed",
                    fix="use `1:<base64 of 32 random bytes>[,2:<...>]`",
                    variable="CHATDB_ENCRYPTION_KEYS",
                ) from None
        if not keys:
            raise ConfigError(
                "CHATDB_ENCRYPTION_KEYS is empty: secrets cannot be encrypted",
                fix="set CHATDB_ENCRYPTION_KEYS=1:<base64 of 32 random bytes>",
                variable="CHATDB_ENCRYPTION_KEYS",
            )
        try:
            chosen = int(current) if current else max(keys)
        except ValueError:
            raise ConfigError(
                "CHATDB_ENCRYPTION_KEY_ID is not an integer", variable="CHATDB_ENCRYPTION_KEY_ID"
            ) from None
        return cls(keys, chosen)

    @classmethod
    def from_env(cls) -> KeyRing:
        return cls.parse(
            os.environ.get("CHATDB_ENCRYPTION_KEYS", ""),
            os.environ.get("CHATDB_ENCRYPTION_KEY_ID", ""),
        )

    def encrypt(self, plaintext: str | bytes, associated_data: bytes) -> Sealed:
        if not isinstance(plaintext, str | bytes):
            raise InvalidInput("a secret to encrypt must be text or bytes")
        try:
            data = plaintext.encode() if isinstance(plaintext, str) else plaintext
        except UnicodeEncodeError:
            raise InvalidInput("a secret to encrypt is not valid Unicode text") from None
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._keys[self.current].encrypt(nonce, data, associated_data)
        return Sealed(nonce + sealed, self.current)

    def decrypt(self, sealed: Sealed, associated_data: bytes) -> bytes:
        aead = self._keys.get(sealed.key_id)
        if aead is None:
            raise DecryptionError(f"no key with id {sealed.key_id} in CHATDB_ENCRYPTION_KEYS")
        ciphertext = sealed.ciphertext
        # A nonce and at least the 16-byte tag; anything shorter is truncated (AESGCM itself
        # would raise ValueError on a short nonce).
        if not isinstance(ciphertext, bytes) or len(ciphertext) < NONCE_BYTES + TAG_BYTES:
            raise DecryptionError("ciphertext is truncated or not bytes: it cannot decrypt")
        nonce, body = ciphertext[:NONCE_BYTES], ciphertext[NONCE_BYTES:]
        try:
            return aead.decrypt(nonce, body, associated_data)
        except (InvalidTag, ValueError, TypeError):
            raise DecryptionError(
                "ciphertext does not decrypt: wrong key, tampered, or bound to another row"
            ) from None

    def rotate(self, sealed: Sealed, associated_data: bytes) -> Sealed:
        """Re-encrypt under the current key (unchanged when it already is)."""
        if sealed.key_id == self.current:
            return sealed
        return self.encrypt(self.decrypt(sealed, associated_data), associated_data)


def associated_data(*parts: object) -> bytes:
    """Stable bytes binding a secret to its row, e.g. `associated_data(user_id, provider)`."""
    for part in parts:
        if not isinstance(part, str | int | uuid.UUID):
            raise InvalidInput("associated data is made of text, integers and UUIDs only")
    try:
        return b"\x1f".join(str(part).encode() for part in parts)
    except UnicodeEncodeError:
        raise InvalidInput("associated data is not valid Unicode text") from None
