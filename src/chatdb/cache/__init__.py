"""An opt-in Redis read-through cache for chosen read queries (beside `chatdb.flows`).

It imports the runtime and wraps generated query functions; neither knows about it.

    from chatdb.cache import ANONYMOUS, ReadCache, signed_in
    from chatdb.queries import chats

    cache = ReadCache(db)                                    # REDIS_URL; off when unset
    chat_by_id = cache.cached(chats.get_chat_by_id, tags={"chat": "id"})
    chat_by_id(ANONYMOUS, id=chat_id)                        # anonymous: TTL 300 s
    chat_by_id(signed_in(user_id), id=chat_id)               # keyed by the user: TTL 60 s
    cache.invalidate_chat(chat_id)                           # after writes to the chat

`AsyncReadCache` is the asyncio twin (`chatdb.cache.aio`). Credits, sessions and other
critical data are refused (`core.DENIED_NAME_WORDS`, `core.DENIED_SQL_NAMES`). Design and
measurements: docs/decisions/004-read-cache.md.
"""

from chatdb.cache.aio import AsyncCachedQuery, AsyncReadCache
from chatdb.cache.core import ANONYMOUS, SYSTEM, Anonymous, CacheScope, SignedIn, System, signed_in
from chatdb.cache.settings import CacheSettings, load_cache_settings
from chatdb.cache.sync import CachedQuery, ReadCache

__all__ = [
    "ANONYMOUS",
    "SYSTEM",
    "Anonymous",
    "AsyncCachedQuery",
    "AsyncReadCache",
    "CacheScope",
    "CacheSettings",
    "CachedQuery",
    "ReadCache",
    "SignedIn",
    "System",
    "load_cache_settings",
    "signed_in",
]
