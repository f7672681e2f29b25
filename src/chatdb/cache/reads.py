"""The cached reads the product uses, wired to the generated queries, and what invalidates
them. Build once per process next to the `ReadCache`:

    reads = CachedReads(cache)
    reads.chat(ANONYMOUS, id=chat_id)                      # a shared chat, 300 s
    reads.chat_page(ANONYMOUS, id=chat_id, message_limit=50)
    reads.companion(signed_in(user_id), id=companion_id)   # 60 s, keyed by the user
    reads.usage_by_provider_model(signed_in(user_id), user_id=user_id, since=day_start)

| cached read | tags | invalidate after |
|---|---|---|
| `chat` (GetChatByID), `chat_page` (GetChatWithRecentMessages), `chat_tags` (ListChatTags) | `chat` | any write to the chat or its messages, tags, visibility, deletion: `invalidate_chat(chat_id)` |
| `companion` (GetCompanion) | `companion` | UpdateCompanionConfig, visibility change, deletion: `invalidate_companion(id)` |
| `usage_by_provider_model` (UsageByProviderModel) | `user` | usage is append-only and a dashboard tolerates 60 s; `invalidate_user(user_id)` to force |
| `daily_usage` (DailyUsage, the signed-in user's rows) | scope `u=<id>` | RefreshUsageDailyStats runs: `invalidate_query("DailyUsage")` |

Never cached (the deny-list refuses them): credits and the ledger, sessions and accounts,
quotas, tokens, billing.
"""

from __future__ import annotations

from chatdb.cache.aio import AsyncReadCache
from chatdb.cache.sync import ReadCache
from chatdb.queries import chats, companions, usage
from chatdb.queries.aio import chats as aio_chats
from chatdb.queries.aio import companions as aio_companions
from chatdb.queries.aio import usage as aio_usage


class CachedReads:
    """The product's cached reads over a `ReadCache`."""

    def __init__(self, cache: ReadCache) -> None:
        self.cache = cache
        self.chat = cache.cached(chats.get_chat_by_id, tags={"chat": "id"})
        self.chat_page = cache.cached(chats.get_chat_with_recent_messages, tags={"chat": "id"})
        self.chat_tags = cache.cached(chats.list_chat_tags, tags={"chat": "chat_id"})
        self.companion = cache.cached(companions.get_companion, tags={"companion": "id"})
        self.usage_by_provider_model = cache.cached(
            usage.usage_by_provider_model, tags={"user": "user_id"}
        )
        self.daily_usage = cache.cached(usage.daily_usage)


class AsyncCachedReads:
    """The same reads over an `AsyncReadCache` (same keys: entries are shared)."""

    def __init__(self, cache: AsyncReadCache) -> None:
        self.cache = cache
        self.chat = cache.cached(aio_chats.get_chat_by_id, tags={"chat": "id"})
        self.chat_page = cache.cached(aio_chats.get_chat_with_recent_messages, tags={"chat": "id"})
        self.chat_tags = cache.cached(aio_chats.list_chat_tags, tags={"chat": "chat_id"})
        self.companion = cache.cached(aio_companions.get_companion, tags={"companion": "id"})
        self.usage_by_provider_model = cache.cached(
            aio_usage.usage_by_provider_model, tags={"user": "user_id"}
        )
        self.daily_usage = cache.cached(aio_usage.daily_usage)
