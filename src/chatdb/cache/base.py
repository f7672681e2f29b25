"""What the sync and asyncio cache clients share beyond `core`: settings, counters, the
breaker, warnings, pending invalidations and the invalidation targets."""

from __future__ import annotations

import collections
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Final

import redis.exceptions

from chatdb.cache import core
from chatdb.cache.settings import CacheSettings, load_cache_settings

# What counts as "Redis is down or slow" (never raised to the caller). Socket timeouts are
# OSError (TimeoutError; asyncio.TimeoutError is TimeoutError on 3.11+).
REDIS_FAILURES: Final[tuple[type[BaseException], ...]] = (redis.exceptions.RedisError, OSError)
MAX_PENDING: Final = 1000

# (marks: each gets a tombstone, and each but `all` names an index set; SCAN patterns, only
# for `invalidate_all`)
Invalidation = tuple[list[str], list[str]]


class CacheBase:
    """Settings, counters, failure handling and invalidation targets of one cache client."""

    def __init__(self, settings: CacheSettings | None, overrides: Mapping[str, Any]) -> None:
        self.settings = settings or load_cache_settings(**overrides)
        self.keys = core.Keys(self.settings.prefix)
        self.breaker = core.Breaker(
            self.settings.breaker_failures, self.settings.breaker_cooldown_s
        )
        self.warnings = core.Warnings(self.settings.warn_interval_s)
        self.counters = core.Stats()
        # Invalidations that could not reach Redis, replayed before Redis is used again.
        self.pending: collections.deque[Invalidation] = collections.deque(maxlen=MAX_PENDING)

    def spec(
        self,
        fn: Callable[..., Any],
        *,
        tags: Mapping[str, str] | None,
        ttl_s: int | None,
        name: str | None,
        sql: str | None,
    ) -> core.QuerySpec:
        return core.make_spec(
            fn, version=self.settings.version, name=name, sql=sql, tags=tags, ttl_s=ttl_s
        )

    def ttl(self, spec: core.QuerySpec, scope: core.CacheScope) -> int:
        return core.ttl_for(spec, scope, self.settings.ttl_anonymous_s, self.settings.ttl_user_s)

    def stale_window(self, scope: core.CacheScope) -> int:
        """Seconds an entry of `scope` is kept past its TTL, to be served only when PostgreSQL
        is unavailable: anonymous (public) reads only, never a user's or the system's."""
        return self.settings.stale_if_error_s if isinstance(scope, core.Anonymous) else 0

    def stats(self) -> dict[str, float]:
        """Hits, misses, hit rate, fills, refused fills, bypassed reads, Redis errors, keys
        removed by invalidations, stale entries served while PostgreSQL was down; plus
        whether the breaker is open."""
        result = self.counters.as_dict()
        result["breaker_open"] = float(self.breaker.is_open)
        result["pending_invalidations"] = float(len(self.pending))
        return result

    # -- failures -----------------------------------------------------------------------

    def redis_failed(self, operation: str, exc: BaseException) -> None:
        """Count a Redis failure, maybe open the breaker, and warn (rate-limited). The
        message names the operation and the error class only: keys hold user ids."""
        self.counters.errors += 1
        opened = self.breaker.failure()
        if opened:
            self.warnings.warn(
                "unavailable",
                "Redis cache unavailable (%s during %s); reading from PostgreSQL, retrying "
                "Redis in %g s",
                exc.__class__.__name__,
                operation,
                self.settings.breaker_cooldown_s,
                error_class=exc.__class__.__name__,
            )
        elif operation == "invalidate":
            self.warnings.warn(
                "invalidation_failed",
                "Redis cache invalidation failed (%s); it is replayed when Redis is back, "
                "other processes may serve stale entries until their TTL",
                exc.__class__.__name__,
                error_class=exc.__class__.__name__,
            )

    def redis_succeeded(self) -> None:
        if self.breaker.success():
            core.logger.info("Redis cache reachable again", extra={"event": "cache_recovered"})

    def served_stale(self, name: str, exc: BaseException) -> None:
        """Count and warn (rate-limited) that PostgreSQL failed and stale entries were served
        instead; names the query and the error class only."""
        self.counters.stale_served += 1
        self.warnings.warn(
            "stale_served",
            "PostgreSQL unavailable (%s); served stale cache entries of %s",
            exc.__class__.__name__,
            name,
            query=name,
            error_class=exc.__class__.__name__,
        )

    def corrupt(self, name: str, exc: BaseException) -> None:
        self.warnings.warn(
            "corrupt",
            "unreadable cache entry of %s (%s); refilled from PostgreSQL",
            name,
            exc.__class__.__name__,
            query=name,
        )

    # -- invalidation targets -------------------------------------------------------------

    def tag_target(self, tag: str, value: object) -> Invalidation:
        return [f"{tag}={core.tag_value(value)}"], []

    def user_target(self, user_id: uuid.UUID | str) -> Invalidation:
        user = core.signed_in(user_id).user_id
        return [f"u={user}", f"user={user}"], []

    def query_target(self, name: str) -> Invalidation:
        return [f"q={name}"], []

    def all_target(self) -> Invalidation:
        return [core.ALL_MARK], [self.keys.all_pattern()]

    def take_pending(self) -> list[Invalidation]:
        items = list(self.pending)
        self.pending.clear()
        return items


def decode_key(key: bytes | str) -> str:
    return key.decode() if isinstance(key, bytes) else key
