# Generated from src/chatdb/cache/aio.py by tools/async_to_sync.py. DO NOT EDIT:
# edit the async source, then run `make sync-twins` (also part of `make generate`).
"""`ReadCache`: the read-through Redis cache over the `Database` handle.

cache = ReadCache(db)  # REDIS_URL; off (pass-through) when unset
chat_by_id = cache.cached(chats.get_chat_by_id, tags={"chat": "id"})
chat = chat_by_id(ANONYMOUS, id=chat_id)  # 300 s; signed_in(user_id): 60 s
chat_by_id.get_many(signed_in(user_id), [{"id": a}, {"id": b}])  # one MGET
cache.invalidate_chat(chat_id)  # after the writes that change it

The sync and async clients share keys, scopes, TTLs, chunks and failure handling (entries
written by one are read by the other). A miss runs the query in a read-only transaction of
the same scope (anonymous, the user, or the system role), so what is cached is exactly what
row-level security let that reader see, under a key that names the reader. Redis failures
never reach the caller: the read goes to PostgreSQL, one rate-limited WARNING is logged, and
a circuit breaker skips Redis for a while.

Stale-if-error: an anonymous entry stays in Redis `CHATDB_CACHE_STALE_IF_ERROR_S` past its
TTL. Past the TTL it is a miss, read from PostgreSQL as usual; only when PostgreSQL is
unavailable (`DatabaseUnavailable`) is the stale value served instead of the error (one
rate-limited WARNING, counted in `stats()["stale_served"]`). Signed-in and system reads are
never served stale.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, cast

import psycopg
import pydantic
import pydantic_core
import redis
from redis.backoff import NoBackoff
from redis.commands.core import Script
from redis.retry import Retry

from chatdb import errors
from chatdb.cache import core
from chatdb.cache.base import REDIS_FAILURES, CacheBase, Invalidation, decode_key
from chatdb.cache.settings import CacheSettings
from chatdb.database import Database, Scope

P = ParamSpec("P")
R = TypeVar("R")

_MISSING: Any = object()
_UNLINK_BATCH = 500
_DECODE_ERRORS = (pydantic.ValidationError, core.Corrupt, ValueError)


def connect(settings: CacheSettings) -> redis.Redis:
    """A Redis client over a bounded pool (`CHATDB_CACHE_MAX_CONNECTIONS`) with short
    timeouts and no retries: a slow cache is skipped, not waited for (the caller's fallback
    is PostgreSQL, which answers anyway). A call waits at most the socket timeout for a free
    connection. Callers (threads or tasks) borrow a connection per command, so callers that
    come and go never add connections."""
    pool = redis.BlockingConnectionPool.from_url(
        settings.redis_url,
        max_connections=settings.max_connections,
        timeout=settings.timeout_ms / 1000,
        socket_timeout=settings.timeout_ms / 1000,
        socket_connect_timeout=settings.connect_timeout_ms / 1000,
        retry=Retry(NoBackoff(), 0),
        client_name="chatdb-cache",
    )
    return redis.Redis(connection_pool=pool, retry=Retry(NoBackoff(), 0))


class ReadCache(CacheBase):
    """A read-through Redis cache for chosen read queries (see the module docstring)."""

    def __init__(
        self,
        database: Database,
        *,
        settings: CacheSettings | None = None,
        client: redis.Redis | None = None,
        **overrides: Any,
    ) -> None:
        super().__init__(settings, overrides)
        self.database = database
        self._owns_client = client is None
        self._client: redis.Redis | None = client
        if self._client is None and self.settings.enabled:
            self._client = connect(self.settings)  # connects lazily, on the first command
        self._script = self._client.register_script(core.STORE_SCRIPT) if self._client else None
        self._invalidate_script = (
            self._client.register_script(core.INVALIDATE_SCRIPT) if self._client else None
        )

    @property
    def enabled(self) -> bool:
        return self._client is not None

    def connection(self) -> tuple[redis.Redis, Script]:
        """The Redis client (shared by all callers; its pool is bounded) and its fill
        script. Raises when the cache is off."""
        if self._client is None or self._script is None:
            raise RuntimeError("the read cache is off (no REDIS_URL)")
        return self._client, self._script

    def cached(
        self,
        fn: Callable[Concatenate[psycopg.Connection[Any], P], R],
        *,
        tags: Mapping[str, str] | None = None,
        ttl_s: int | None = None,
        name: str | None = None,
        sql: str | None = None,
    ) -> CachedQuery[P, R]:
        """Wrap a generated `:one`/`:many` query function. `tags` maps a tag (`chat`,
        `companion`, `user`, ...) to the keyword argument holding its value, for
        `invalidate_tag`. `ttl_s` caps the scope's TTL. Raises ConfigError for a write, a
        query on the deny-list (credits, sessions, ...) or a function it cannot describe."""
        spec = self.spec(fn, tags=tags, ttl_s=ttl_s, name=name, sql=sql)
        return CachedQuery(self, fn, spec)

    def transaction(self, scope: core.CacheScope, *, primary: bool) -> Scope:
        """The transaction a miss runs in: same reader, read-only (replicas allowed) unless
        the data was just invalidated (`primary`)."""
        read_only = not primary
        if isinstance(scope, core.SignedIn):
            return self.database.as_user(scope.user_id, read_only=read_only)
        if isinstance(scope, core.System):
            return self.database.system(read_only=read_only)
        return self.database.anonymous(read_only=read_only)

    # -- invalidation -----------------------------------------------------------------------

    def invalidate_tag(self, tag: str, value: object) -> int | None:
        """Remove every entry tagged `tag=value` (any query, scope and code version); returns
        how many keys went, or None when Redis could not be reached (then the invalidation is
        replayed before this client uses Redis again)."""
        return self._invalidate(self.tag_target(tag, value))

    def invalidate_chat(self, chat_id: object) -> int | None:
        """After a write to a chat or its messages (title, visibility, new message, delete)."""
        return self.invalidate_tag("chat", chat_id)

    def invalidate_companion(self, companion_id: object) -> int | None:
        """After a companion's profile changes (or it is made private or deleted)."""
        return self.invalidate_tag("companion", companion_id)

    def invalidate_user(self, user_id: object) -> int | None:
        """Everything read as this user, and everything tagged `user=<id>` (e.g. their usage
        dashboards); after the user's own writes or their deletion."""
        return self._invalidate(self.user_target(str(user_id)))

    def invalidate_query(self, query: str | CachedQuery[Any, Any]) -> int | None:
        """Every entry of one query (by name, or the cached query itself)."""
        name = query if isinstance(query, str) else query.spec.name
        return self._invalidate(self.query_target(name))

    def invalidate_all(self) -> int | None:
        """Every entry under this prefix."""
        return self._invalidate(self.all_target())

    def _invalidate(self, target: Invalidation) -> int | None:
        if not self.enabled:
            return 0
        if not self.breaker.allow():
            self.pending.append(target)
            return None
        try:
            self.replay_pending()
            removed = self._apply(self.connection()[0], target)
        except REDIS_FAILURES as exc:
            self.pending.append(target)
            self.redis_failed("invalidate", exc)
            return None
        self.redis_succeeded()
        return removed

    def replay_pending(self) -> None:
        """Apply invalidations that failed earlier (raises the Redis error if it fails again;
        what was not applied stays pending)."""
        items = self.take_pending()
        for index, item in enumerate(items):
            try:
                self._apply(self.connection()[0], item)
            except REDIS_FAILURES:
                self.pending.extendleft(reversed(items[index:]))
                raise

    def _apply(self, client: redis.Redis, target: Invalidation) -> int:
        """Tombstones first (fills racing with this invalidation are refused), then each
        mark's index set, popped and UNLINKed in batches. `invalidate_all` SCANs the prefix
        instead (never KEYS: it blocks Redis for the whole keyspace)."""
        marks, patterns = target
        window_ms = int(self.settings.invalidation_window_s * 1000)
        if window_ms > 0:
            pipe = client.pipeline(transaction=False)
            for mark in marks:
                pipe.set(self.keys.tombstone(mark), b"1", px=window_ms)
            pipe.execute()
        script = cast(Script, self._invalidate_script)
        removed = 0
        for mark in marks:
            if mark == core.ALL_MARK:
                continue
            index = self.keys.index(mark)
            while True:
                unlinked, left = script(keys=[index], args=[core.INVALIDATE_BATCH])
                removed += int(unlinked)
                if not left:
                    break
        for pattern in patterns:
            entries: list[str] = []
            bookkeeping: list[str] = []
            for raw in client.scan_iter(match=pattern, count=1000):
                key = decode_key(raw)
                if self.keys.is_tombstone(key):
                    continue
                (bookkeeping if self.keys.is_bookkeeping(key) else entries).append(key)
                if len(entries) >= _UNLINK_BATCH:
                    removed += client.unlink(*entries)
                    entries = []
                if len(bookkeeping) >= _UNLINK_BATCH:
                    client.unlink(*bookkeeping)
                    bookkeeping = []
            if entries:
                removed += client.unlink(*entries)
            if bookkeeping:
                client.unlink(*bookkeeping)
        self.counters.invalidated_keys += removed
        return removed

    # -- lifecycle --------------------------------------------------------------------------

    def close(self) -> None:
        """Close the pool's connections (a client passed in is closed too)."""
        if self._client is not None:
            self._client.close()
            if self._owns_client:
                self._client.connection_pool.disconnect()

    def __enter__(self) -> ReadCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class CachedQuery(Generic[P, R]):
    """One cached query: call it with a scope and the query's keyword arguments."""

    def __init__(
        self,
        cache: ReadCache,
        fn: Callable[Concatenate[psycopg.Connection[Any], P], R],
        spec: core.QuerySpec,
    ) -> None:
        self.cache = cache
        self.fn = fn
        self.spec = spec
        self._call: Callable[..., R] = fn

    def __call__(self, scope: core.CacheScope, /, *args: P.args, **kwargs: P.kwargs) -> R:
        """The query's result for this reader: from Redis when cached, else from PostgreSQL
        (then stored for the scope's TTL)."""
        core.check_kwargs(self.spec, args, kwargs)
        return self.get_many(scope, [kwargs])[0]

    def key(self, scope: core.CacheScope, **kwargs: Any) -> str:
        """The Redis key of one call (for inspection and tests)."""
        return self.cache.keys.entry(self.spec, scope, kwargs)

    def get_many(self, scope: core.CacheScope, calls: Sequence[Mapping[str, Any]]) -> list[R]:
        """Results of several calls in order: one MGET for all of them (then one for
        chunks of large values, and one tombstone check when something missed), one
        transaction for the misses, one pipeline to store them."""
        calls = [dict(call) for call in calls]
        for call in calls:
            core.check_kwargs(self.spec, (), call)
        cache, spec, keys_ = self.cache, self.spec, self.cache.keys
        count = len(calls)
        results: list[Any] = [_MISSING] * count
        stale: dict[int, Any] = {}  # past their TTL: served only when PostgreSQL is down
        keys = [keys_.entry(spec, scope, call) for call in calls]
        redis_ok = just_invalidated = False
        if not cache.enabled or not cache.breaker.allow():
            cache.counters.bypassed += count
        else:
            try:
                client, script = cache.connection()
                cache.replay_pending()
                # A hit needs nothing else: fills are refused while a tombstone exists, so an
                # entry present now was stored after the last invalidation's window.
                raws = [client.get(keys[0])] if count == 1 else client.mget(keys)
                self._decode(client, keys, raws, results, stale)
                if any(value is _MISSING for value in results):
                    # A miss right after an invalidation reads the primary and stores nothing.
                    tombstones = sorted(
                        {t for call in calls for t in keys_.tombstones(spec, scope, call)}
                    )
                    just_invalidated = client.exists(*tombstones) > 0
            except REDIS_FAILURES as exc:
                cache.redis_failed("read", exc)
                results, stale = [_MISSING] * count, {}
            else:
                cache.redis_succeeded()
                redis_ok = True
        misses = [i for i, value in enumerate(results) if value is _MISSING]
        if redis_ok:
            cache.counters.hits += count - len(misses)
            cache.counters.misses += len(misses)
        if misses:

            def read(conn: Any) -> list[R]:
                return [self._call(conn, **calls[i]) for i in misses]

            try:
                values = cache.transaction(scope, primary=just_invalidated).run(read)
            except errors.DatabaseUnavailable as exc:
                if not all(i in stale for i in misses):
                    raise
                cache.served_stale(spec.name, exc)
                values = [stale[i] for i in misses]
                redis_ok = False  # nothing new to store
            for i, value in zip(misses, values, strict=True):
                results[i] = value
            if redis_ok and not just_invalidated:
                self._fill(client, script, scope, [(keys[i], calls[i], results[i]) for i in misses])
        return cast(list[R], results)

    def _decode(
        self,
        client: redis.Redis,
        keys: list[str],
        raws: Sequence[bytes | str | None],
        results: list[Any],
        stale: dict[int, Any],
    ) -> None:
        now_ms = int(time.time() * 1000)
        manifests: list[tuple[int, int | None, Mapping[str, Any], list[str]]] = []
        for i, raw in enumerate(raws):
            if not isinstance(raw, bytes):
                continue
            try:
                body, fresh_until = core.unstamp(raw)
                if body[:1] == core.INLINE:
                    value = self.spec.adapter.validate_json(body[1:])
                    _place(i, value, fresh_until, now_ms, results, stale)
                elif body[:1] == core.MANIFEST:
                    manifest, chunk_keys = core.manifest_chunk_keys(body, keys[i], self.cache.keys)
                    manifests.append((i, fresh_until, manifest, chunk_keys))
                else:
                    raise core.Corrupt("unknown entry format")
            except _DECODE_ERRORS as exc:
                self.cache.corrupt(self.spec.name, exc)
        if not manifests:
            return
        chunks = client.mget([k for _, _, _, chunk_keys in manifests for k in chunk_keys])
        offset = 0
        for i, fresh_until, manifest, chunk_keys in manifests:
            parts = chunks[offset : offset + len(chunk_keys)]
            offset += len(chunk_keys)
            if any(part is None for part in parts):
                continue  # expired or invalidated between the two reads: a plain miss
            try:
                payload = core.join_chunks(manifest, [cast(bytes, p) for p in parts])
                value = self.spec.adapter.validate_json(payload)
                _place(i, value, fresh_until, now_ms, results, stale)
            except _DECODE_ERRORS as exc:
                self.cache.corrupt(self.spec.name, exc)

    def _fill(
        self,
        client: redis.Redis,
        store: Script,
        scope: core.CacheScope,
        entries: list[tuple[str, Mapping[str, Any], Any]],
    ) -> None:
        cache = self.cache
        ttl = cache.ttl(self.spec, scope)
        keep = cache.stale_window(scope)
        fresh_until = int(time.time() * 1000) + ttl * 1000 if keep else None
        try:
            pipe = client.pipeline(transaction=False)
            queued = 0
            for key, call, value in entries:
                try:
                    payload = self.spec.adapter.dump_json(value)
                except pydantic_core.PydanticSerializationError as exc:
                    cache.corrupt(self.spec.name, exc)
                    continue
                if len(payload) > cache.settings.max_value_bytes:
                    continue
                encoded = core.encode(payload, key, cache.keys, cache.settings.chunk_bytes)
                if fresh_until is not None:
                    encoded = core.stamp(encoded, fresh_until)
                tombstones = cache.keys.tombstones(self.spec, scope, call)
                indexes = cache.keys.indexes(self.spec, scope, call)
                script_keys, args = core.store_arguments(
                    tombstones, key, encoded, ttl + keep, indexes
                )
                store(keys=script_keys, args=args, client=pipe)
                queued += 1
            if not queued:
                return
            outcomes = pipe.execute()
        except REDIS_FAILURES as exc:
            cache.redis_failed("fill", exc)
            return
        stored = sum(1 for outcome in outcomes if outcome == 1)
        cache.counters.fills += stored
        cache.counters.fills_refused += queued - stored

    def uncached(self, scope: core.CacheScope, /, *args: P.args, **kwargs: P.kwargs) -> R:
        """The result straight from PostgreSQL, in the scope's transaction (no Redis)."""
        core.check_kwargs(self.spec, args, kwargs)

        def read(conn: Any) -> R:
            return self._call(conn, **kwargs)

        return self.cache.transaction(scope, primary=False).run(read)


def _place(
    i: int,
    value: Any,
    fresh_until: int | None,
    now_ms: int,
    results: list[Any],
    stale: dict[int, Any],
) -> None:
    """A decoded entry is a hit while fresh; past its TTL it is kept aside as stale."""
    if fresh_until is not None and now_ms >= fresh_until:
        stale[i] = value
    else:
        results[i] = value
