"""Provider configurations: the default switch and API keys encrypted at rest.

API keys are sealed with AES-256-GCM (`chatdb.crypto.KeyRing`) with the row's user id and
provider as associated data: a ciphertext copied to another user's or provider's row does
not decrypt. The key id is stored beside the ciphertext (api_key_version), so rows sealed
under an old key stay readable after a rotation and `rotate_provider_keys` re-seals them.

    keyring = KeyRing.from_env()
    async with db.as_user(u) as conn:
        await save_provider_key(conn, keyring=keyring, user_id=u, provider="openai", api_key=key)
        await read_provider_key(conn, keyring=keyring, user_id=u, provider="openai")
    async with db.system() as conn:             # background job, every user's rows
        await rotate_provider_keys(conn, keyring=keyring)
"""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
from pydantic import JsonValue

from chatdb import errors
from chatdb.crypto import KeyRing, Sealed
from chatdb.flows.provider_keys import ROTATION_BATCH, decrypt_provider_key, provider_key_ad
from chatdb.queries import models
from chatdb.queries.aio import providers as q


async def set_default_provider(
    conn: psycopg.AsyncConnection[Any], *, user_id: uuid.UUID, provider: str
) -> models.ProviderConfig:
    """Make `provider` the user's default (and every other one not), atomically.

    Raises `NotFoundError` when the user has no configuration for that provider.
    """
    row = await q.set_default_provider(conn, user_id=user_id, provider=provider)
    if row is None:
        raise errors.NotFoundError(
            "no configuration for this provider: save it before making it the default",
            table="provider_configs",
            column="provider",
        )
    return row


async def save_provider_key(
    conn: psycopg.AsyncConnection[Any],
    *,
    keyring: KeyRing,
    user_id: uuid.UUID,
    provider: str,
    api_key: str,
    base_url: str | None = None,
    default_model: str | None = None,
    settings: JsonValue | None = None,
) -> models.ProviderConfig:
    """Store the user's API key for `provider`, encrypted, creating the configuration if
    needed. `base_url`, `default_model` and `settings` replace the stored ones when given and
    are kept otherwise. The plain key is never sent to the database."""
    if not isinstance(api_key, str) or not api_key.strip():
        raise errors.InvalidInput(
            "api_key must be a non-empty string",
            table="provider_configs",
            column="api_key_ciphertext",
        )
    current = await q.get_provider_config(conn, user_id=user_id, provider=provider)
    if current is not None:
        base_url = current.base_url if base_url is None else base_url
        default_model = current.default_model if default_model is None else default_model
        settings = current.settings if settings is None else settings
    sealed = keyring.encrypt(api_key, provider_key_ad(user_id, provider))
    row = await q.upsert_provider_config(
        conn,
        user_id=user_id,
        provider=provider,
        api_key_ciphertext=sealed.ciphertext,
        api_key_version=sealed.key_id,
        base_url=base_url,
        default_model=default_model,
        settings=settings,
    )
    if row is None:  # pragma: no cover - an upsert always returns its row
        raise errors.DatabaseError("UpsertProviderConfig returned no row")
    return row


async def read_provider_key(
    conn: psycopg.AsyncConnection[Any], *, keyring: KeyRing, user_id: uuid.UUID, provider: str
) -> str | None:
    """The user's plain API key for `provider`; None when there is no configuration or key."""
    config = await q.get_provider_config(conn, user_id=user_id, provider=provider)
    return None if config is None else decrypt_provider_key(keyring, config)


async def rotate_provider_keys(
    conn: psycopg.AsyncConnection[Any], *, keyring: KeyRing, batch_size: int = ROTATION_BATCH
) -> int:
    """Re-encrypt every API key sealed under another key than the ring's current one; returns
    how many were re-encrypted. Run as `chatdb_system` (all users' rows). A row whose key was
    replaced concurrently is skipped (its new ciphertext is already current). Idempotent."""
    rotated = 0
    after: uuid.UUID | None = None
    while True:
        batch = await q.list_provider_keys_to_rotate(
            conn, current_version=keyring.current, after_id=after, batch_size=batch_size
        )
        for row in batch:
            if row.api_key_ciphertext is None or row.api_key_version is None:
                continue
            sealed = keyring.rotate(
                Sealed(row.api_key_ciphertext, row.api_key_version),
                provider_key_ad(row.user_id, row.provider),
            )
            rotated += await q.replace_provider_key(
                conn,
                id=row.id,
                new_ciphertext=sealed.ciphertext,
                new_version=sealed.key_id,
                old_ciphertext=row.api_key_ciphertext,
            )
        if len(batch) < batch_size:
            return rotated
        after = batch[-1].id


__all__ = [
    "decrypt_provider_key",
    "provider_key_ad",
    "read_provider_key",
    "rotate_provider_keys",
    "save_provider_key",
    "set_default_provider",
]
