"""Editing a companion so that cached reads of it never outlive the change.

`chatdb.cache.reads` caches GetCompanion under the `companion` tag (60 s for a signed-in
reader, 300 s for anonymous readers of a public companion). A configuration change must drop
those entries, and only once it is committed: invalidating earlier would let a concurrent
read cache the old row again before the commit. So this flow owns its transaction:

    updated = update_companion_config(db, cache=read_cache, user_id=user_id, id=companion_id,
                                      expected_version=seen.version, personality={...})
"""

from __future__ import annotations

import uuid

from pydantic import JsonValue

from chatdb.aio import AsyncDatabase
from chatdb.cache import AsyncReadCache
from chatdb.queries import models
from chatdb.queries.aio import companions


async def update_companion_config(
    database: AsyncDatabase,
    *,
    cache: AsyncReadCache | None,
    user_id: uuid.UUID,
    id: uuid.UUID,
    expected_version: int,
    provider: str | None = None,
    model: str | None = None,
    personality: JsonValue | None = None,
    knowledge: JsonValue | None = None,
    interaction: JsonValue | None = None,
    tool_config: JsonValue | None = None,
    tool_access: list[str] | None = None,
) -> models.Companion | None:
    """UpdateCompanionConfig as `user_id` in a transaction of its own, then, once committed,
    `cache.invalidate_companion(id)`. A None setting keeps the current one. None (and no
    invalidation) when the version moved on or the companion is not the user's. A cache that
    cannot reach Redis keeps the invalidation pending and applies it before its next read.
    """
    async with database.as_user(user_id) as conn:
        updated = await companions.update_companion_config(
            conn,
            id=id,
            expected_version=expected_version,
            provider=provider,
            model=model,
            personality=personality,
            knowledge=knowledge,
            interaction=interaction,
            tool_config=tool_config,
            tool_access=tool_access,
        )
    if updated is not None and cache is not None:
        await cache.invalidate_companion(id)
    return updated
