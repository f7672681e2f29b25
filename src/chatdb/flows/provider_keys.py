"""Provider API key sealing: the pure half of the provider flows (no database).

Shared by `chatdb.flows.aio.providers` and its generated sync twin `chatdb.flows.providers`.
"""

from __future__ import annotations

import uuid
from typing import Final

from chatdb.crypto import KeyRing, Sealed, associated_data
from chatdb.queries import models

ROTATION_BATCH: Final = 500


def provider_key_ad(user_id: uuid.UUID, provider: str) -> bytes:
    """The associated data binding an API key ciphertext to its row."""
    return associated_data("provider_configs", user_id, provider)


def decrypt_provider_key(keyring: KeyRing, config: models.ProviderConfig) -> str | None:
    """The plain API key of a configuration row (None when it has none).

    Raises `chatdb.crypto.DecryptionError` when the ciphertext does not belong to this row
    (copied from another), was tampered with, or its key is not in the ring.
    """
    if config.api_key_ciphertext is None or config.api_key_version is None:
        return None
    sealed = Sealed(config.api_key_ciphertext, config.api_key_version)
    return keyring.decrypt(sealed, provider_key_ad(config.user_id, config.provider)).decode()


__all__ = ["ROTATION_BATCH", "decrypt_provider_key", "provider_key_ad"]
