"""The I/O-free part of the read cache, shared by the sync and asyncio clients: scopes, keys,
the deny-list, value encoding (chunks + manifest), the circuit breaker and the warning limiter.

Key layout (every part is visible; invalidation reads per-mark index sets, see `Keys.marks`):

    <prefix>:v1:<shape>:<Query>:<scope>:<tags>:<args>
    chatdb:v1:3f9c0a1b2c4d:GetChatByID:anon:,chat=8a6f...,:5d41402abc4b2a76b9719d911017c592

- `shape`: a hash of CHATDB_CACHE_VERSION, the query's SQL and the JSON schema of its result
  type, so a changed query or model never reads an entry written by the old code;
- `scope`: `anon`, `u=<user uuid>` or `system`: who read it (the transaction ran as that
  reader, under row-level security), so an entry is only ever served to the same reader;
- `tags`: `,chat=<id>,` etc. (or `-`): what the entry depends on, for invalidation;
- `args`: a hash of all the arguments.

Chunked values: the key holds a manifest; chunks live at `<key>#<generation>:<n>`, written in
the same atomic script, so a reader never mixes chunks of two writes.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import re
import secrets
import sys
import threading
import time
import typing
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import orjson
from pydantic import TypeAdapter
from pydantic_core import to_jsonable_python

from chatdb.errors import ConfigError

logger: Final = logging.getLogger("chatdb.cache")

KEY_VERSION: Final = "v1"
ALL_MARK: Final = "all"
INLINE: Final = b"\x01"
MANIFEST: Final = b"\x02"
# An entry kept past its TTL for stale-if-error: STAMPED + 8-byte big-endian "fresh until"
# (Unix milliseconds) + the INLINE or MANIFEST value.
STAMPED: Final = b"\x03"

# -- scopes -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Anonymous:
    """A signed-out reader: only public data is visible. Longest TTL."""

    key: str = "anon"


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A signed-in user; their entries are keyed by their id and never served to anyone else."""

    user_id: uuid.UUID

    @property
    def key(self) -> str:
        return f"u={self.user_id}"


@dataclass(frozen=True, slots=True)
class System:
    """The system role (back office, cross-user dashboards): bypasses row-level security, so
    its entries are only served to other system-scoped reads."""

    key: str = "system"


CacheScope = Anonymous | SignedIn | System
ANONYMOUS: Final = Anonymous()
SYSTEM: Final = System()


def signed_in(user_id: uuid.UUID | str) -> SignedIn:
    """The scope of a signed-in user (a canonical uuid: a malformed id raises ValueError)."""
    return SignedIn(user_id if isinstance(user_id, uuid.UUID) else uuid.UUID(str(user_id)))


# -- the deny-list ------------------------------------------------------------------------

# Critical data is never cached: a stale balance or a session that outlives its sign-out is
# a bug (or a breach). Refused by query name, and by the tables and columns the SQL reads, so
# a harmless-sounding name over a critical table is refused too.
DENIED_NAME_WORDS: Final = (
    "credit",
    "ledger",
    "balance",
    "session",
    "password",
    "token",
    "verification",
    "quota",
    "payment",
    "subscription",
    "secret",
)
DENIED_SQL_NAMES: Final = (
    "sessions",
    "credit_ledger",
    "verification_tokens",
    "accounts",
    "external_tokens",
    "payments",
    "subscriptions",
    "credit_balance",
    "password_hash",
    "quota",
    "api_key_ciphertext",
)
_DENIED_SQL = re.compile(r"\b(" + "|".join(DENIED_SQL_NAMES) + r")\b", re.IGNORECASE)
_WRITES = re.compile(r"\b(insert|update|delete|merge|truncate|nextval|setval)\b", re.IGNORECASE)
_COMMENT = re.compile(r"--[^\n]*")
_LITERAL = re.compile(r"'(?:[^']|'')*'")
_NAME_LINE = re.compile(r"^--\s*name:\s*(\w+)\s+:(\w+)")
_QUERY_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")
_TAG_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def denied_reason(name: str, sql: str | None) -> str | None:
    """Why the query `name` (with its SQL, when known) may never be cached, or None."""
    lowered = name.lower()
    for word in DENIED_NAME_WORDS:
        if word in lowered:
            return f"its name says it reads critical data ({word})"
    if sql is not None:
        code = _LITERAL.sub("''", _COMMENT.sub("", sql))
        match = _DENIED_SQL.search(code)
        if match:
            return f"it reads critical data ({match.group(1).lower()})"
        if _WRITES.search(code):
            return "it is not a plain read (it writes, locks or uses a sequence)"
    return None


# -- what a generated function is ---------------------------------------------------------

DENIED_TABLES: Final = frozenset(
    {"sessions", "credit_ledger", "verification_tokens", "accounts", "external_tokens"}
    | {"payments", "subscriptions"}
)
DENIED_COLUMNS: Final = frozenset(
    {"credit_balance", "password_hash", "quota", "api_key_ciphertext", "token_ciphertext"}
)


class QueryInfo(typing.Protocol):
    """The metadata a generated function carries as `fn.query` (`support.Query`): read by
    duck typing, since the runtime imports no generated module."""

    @property
    def name(self) -> str: ...
    @property
    def command(self) -> str: ...
    @property
    def sql(self) -> str: ...
    @property
    def reads(self) -> frozenset[str]: ...
    @property
    def read_only(self) -> bool: ...
    @property
    def columns(self) -> tuple[str, ...]: ...


def query_info(fn: Callable[..., Any]) -> QueryInfo | None:
    """`fn.query` when fn is a generated query function, else None."""
    info = getattr(fn, "query", None)
    needed = ("name", "command", "sql", "reads", "read_only", "columns")
    if info is None or not all(hasattr(info, attr) for attr in needed):
        return None
    return typing.cast(QueryInfo, info)


def denied_by_metadata(info: QueryInfo) -> str | None:
    """Why a generated query may never be cached, from what it reads and returns."""
    if not info.read_only:
        return "it is not a plain read (it writes, locks or uses a sequence)"
    tables = sorted(info.reads & DENIED_TABLES)
    if tables:
        return f"it reads critical data ({tables[0]})"
    columns = sorted(set(info.columns) & DENIED_COLUMNS)
    if columns:
        return f"it reads critical data ({columns[0]})"
    return None


def query_sql(fn: Callable[..., Any]) -> str | None:
    """The SQL constant of a generated query function (`get_chat_by_id` -> `GET_CHAT_BY_ID`,
    for async twins in the sync module they import it from), or None."""
    name = getattr(fn, "__name__", "")
    module_name = getattr(fn, "__module__", "") or ""
    candidates = [module_name]
    if ".aio." in module_name:
        candidates.append(module_name.replace(".aio.", ".", 1))
    for candidate in candidates:
        module = sys.modules.get(candidate)
        value = getattr(module, name.upper(), None) if module is not None else None
        if isinstance(value, str) and value.startswith("-- name:"):
            return value
    return None


def result_adapter(fn: Callable[..., Any]) -> TypeAdapter[Any]:
    """A pydantic adapter for the function's declared return type (`Model | None`,
    `list[Model]`, `int`, ...): how values are written to and read from the cache."""
    try:
        hints = typing.get_type_hints(fn)
    except Exception as exc:
        raise ConfigError(
            f"cannot read the return type of {getattr(fn, '__qualname__', fn)!r}: {exc}"
        ) from exc
    if "return" not in hints:
        raise ConfigError(
            f"{getattr(fn, '__qualname__', fn)!r} has no return annotation",
            fix="annotate the return type; the cache serialises values by it",
        )
    return TypeAdapter(hints["return"])


@dataclass(frozen=True)
class QuerySpec:
    """Everything the cache knows about one cached query."""

    name: str
    shape: str
    adapter: TypeAdapter[Any]
    tags: Mapping[str, str]  # tag name -> keyword argument holding its value
    ttl_s: int | None
    parameters: frozenset[str]


def make_spec(
    fn: Callable[..., Any],
    *,
    version: str,
    name: str | None,
    sql: str | None,
    tags: Mapping[str, str] | None,
    ttl_s: int | None,
) -> QuerySpec:
    """Validate and describe `fn` for caching; ConfigError when it may not be cached.

    A generated function is described by its metadata (`fn.query`: name, command, relations
    read, result columns, read-only); any other callable needs name= and sql=, which are
    checked against the name and SQL deny-lists.
    """
    info = query_info(fn) if sql is None else None
    command = None
    if info is not None:
        sql = info.sql
        name = name or info.name
        command = info.command.lstrip(":")
    else:
        sql = sql if sql is not None else query_sql(fn)
        if sql is not None:
            match = _NAME_LINE.match(sql)
            if match:
                name = name or match.group(1)
                command = match.group(2)
    if not name:
        raise ConfigError(
            f"cannot tell which query {getattr(fn, '__qualname__', fn)!r} runs",
            fix="cache a generated chatdb.queries function, or pass name= (and sql=)",
        )
    if not _QUERY_NAME.match(name):
        raise ConfigError(f"cache: query name {name!r} is not an identifier")
    if command is not None and command not in ("one", "many"):
        raise ConfigError(
            f"{name} is :{command}; only :one and :many reads are cached",
            fix="cache read queries only",
        )
    reason = denied_by_metadata(info) if info is not None else denied_reason(name, sql)
    if reason:
        raise ConfigError(
            f"{name} is never cached: {reason}",
            fix="read it from PostgreSQL every time (critical data is on the deny-list)",
        )
    parameters = _keyword_parameters(fn)
    for tag, argument in (tags or {}).items():
        if not _TAG_NAME.match(tag):
            raise ConfigError(f"cache: tag name {tag!r} must be a lower-case identifier")
        if parameters is not None and argument not in parameters:
            raise ConfigError(
                f"cache: tag {tag!r} names argument {argument!r}, which {name} does not take"
            )
    if ttl_s is not None and ttl_s <= 0:
        raise ConfigError(f"cache: ttl_s of {name} must be positive")
    adapter = result_adapter(fn)
    try:
        schema = orjson.dumps(adapter.json_schema(), option=orjson.OPT_SORT_KEYS)
    except Exception:
        schema = repr(adapter).encode()
    digest = hashlib.blake2b(digest_size=6)
    for part in (version.encode(), (sql or name).encode(), schema):
        digest.update(part)
        digest.update(b"\0")
    return QuerySpec(
        name=name,
        shape=digest.hexdigest(),
        adapter=adapter,
        tags=dict(tags or {}),
        ttl_s=ttl_s,
        parameters=frozenset(parameters or ()),
    )


def _keyword_parameters(fn: Callable[..., Any]) -> set[str] | None:
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    params = list(signature.parameters.values())[1:]  # the connection comes first
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return None
    return {p.name for p in params}


# -- keys ---------------------------------------------------------------------------------


def tag_value(value: object) -> str:
    """How a tag value appears in keys: canonical uuid text, else str()."""
    text = str(value)
    if not text or len(text) > 200 or any(c in text for c in ",:\r\n "):
        raise ValueError("a cache tag value must be 1-200 characters without , : or spaces")
    return text


def glob_escape(text: str) -> str:
    """`text` matched literally by Redis' glob patterns."""
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)


@dataclass(frozen=True)
class Keys:
    """The key layout under one prefix."""

    prefix: str

    @property
    def root(self) -> str:
        return f"{self.prefix}:{KEY_VERSION}"

    def entry(self, spec: QuerySpec, scope: CacheScope, kwargs: Mapping[str, Any]) -> str:
        tags = self.tag_part(spec, kwargs)
        args = hashlib.blake2b(
            orjson.dumps(to_jsonable_python(dict(kwargs)), option=orjson.OPT_SORT_KEYS),
            digest_size=16,
        ).hexdigest()
        return f"{self.root}:{spec.shape}:{spec.name}:{scope.key}:{tags}:{args}"

    @staticmethod
    def tag_part(spec: QuerySpec, kwargs: Mapping[str, Any]) -> str:
        if not spec.tags:
            return "-"
        pairs = sorted(f"{tag}={tag_value(kwargs[arg])}" for tag, arg in spec.tags.items())
        return "," + ",".join(pairs) + ","

    def chunk(self, key: str, generation: str, index: int) -> str:
        return f"{key}#{generation}:{index}"

    # Marks: what an entry depends on (`q=<Query>`, `u=<user>` for a signed-in reader, one
    # per tag, and `all`). An invalidation names marks; each mark has a tombstone (set by an
    # invalidation for CHATDB_CACHE_INVALIDATION_WINDOW_S; while one exists, fills of matching
    # entries read the primary and are not stored) and, except `all`, an index set.
    def marks(self, spec: QuerySpec, scope: CacheScope, kwargs: Mapping[str, Any]) -> list[str]:
        marks = [f"q={spec.name}"]
        if isinstance(scope, SignedIn):
            marks.append(scope.key)
        marks.extend(f"{tag}={tag_value(kwargs[arg])}" for tag, arg in spec.tags.items())
        return marks

    def tombstones(
        self, spec: QuerySpec, scope: CacheScope, kwargs: Mapping[str, Any]
    ) -> list[str]:
        return [self.tombstone(mark) for mark in [*self.marks(spec, scope, kwargs), ALL_MARK]]

    def tombstone(self, mark: str) -> str:
        return f"{self.root}:tomb:{mark}"

    # Index sets: `<root>:idx:<mark>` holds the keys (entries and their chunks) stored with
    # that mark, whatever their shape, so an invalidation reads one set instead of scanning
    # the keyspace. Written by the fill script with the entry; expire after the longest entry.
    def indexes(self, spec: QuerySpec, scope: CacheScope, kwargs: Mapping[str, Any]) -> list[str]:
        return [self.index(mark) for mark in self.marks(spec, scope, kwargs)]

    def index(self, mark: str) -> str:
        return f"{self.root}:idx:{mark}"

    def is_tombstone(self, key: str) -> bool:
        return key.startswith(f"{self.root}:tomb:")

    def is_bookkeeping(self, key: str) -> bool:
        """A tombstone or an index set (not an entry)."""
        return key.startswith((f"{self.root}:tomb:", f"{self.root}:idx:"))

    def all_pattern(self) -> str:
        """Every key under the prefix: `invalidate_all` (rare) SCANs it."""
        return f"{glob_escape(self.root)}:*"


# -- values -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Encoded:
    """What one fill writes: the value at the key and, for a chunked value, its chunks."""

    main: bytes
    chunks: list[tuple[str, bytes]] = field(default_factory=list)


class Corrupt(Exception):
    """An entry that cannot be read back (treated as a miss)."""


def encode(
    payload: bytes, key: str, keys: Keys, chunk_bytes: int, generation: str | None = None
) -> Encoded:
    if len(payload) <= chunk_bytes:
        return Encoded(INLINE + payload)
    generation = generation or secrets.token_hex(6)
    chunks = [
        (keys.chunk(key, generation, i), payload[offset : offset + chunk_bytes])
        for i, offset in enumerate(range(0, len(payload), chunk_bytes))
    ]
    manifest = {
        "g": generation,
        "n": len(chunks),
        "len": len(payload),
        "h": hashlib.blake2b(payload, digest_size=16).hexdigest(),
    }
    return Encoded(MANIFEST + orjson.dumps(manifest), chunks)


def stamp(encoded: Encoded, fresh_until_ms: int) -> Encoded:
    """The same value, marked fresh until `fresh_until_ms` (kept longer for stale-if-error)."""
    return Encoded(STAMPED + fresh_until_ms.to_bytes(8, "big") + encoded.main, encoded.chunks)


def unstamp(raw: bytes) -> tuple[bytes, int | None]:
    """The INLINE/MANIFEST value and, for a stamped entry, until when it is fresh."""
    if raw[:1] != STAMPED:
        return raw, None
    if len(raw) < 10:
        raise Corrupt("truncated stamp")
    return raw[9:], int.from_bytes(raw[1:9], "big")


def manifest_chunk_keys(raw: bytes, key: str, keys: Keys) -> tuple[Mapping[str, Any], list[str]]:
    try:
        manifest = orjson.loads(raw[1:])
        keys_ = [keys.chunk(key, str(manifest["g"]), i) for i in range(int(manifest["n"]))]
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise Corrupt("bad manifest") from exc
    return manifest, keys_


def join_chunks(manifest: Mapping[str, Any], chunks: list[bytes | None]) -> bytes:
    if any(chunk is None for chunk in chunks):
        raise Corrupt("a chunk is missing (expired or invalidated)")
    payload = b"".join(c for c in chunks if c is not None)
    if len(payload) != manifest["len"] or (
        hashlib.blake2b(payload, digest_size=16).hexdigest() != manifest["h"]
    ):
        raise Corrupt("chunks do not match their manifest")
    return payload


# One atomic fill: refused when any tombstone exists; chunks first, then the key (a script
# runs as one unit, so no reader sees the manifest without its chunks), then the key and its
# chunks join each index set of the entry, whose TTL is raised to the chunks' when shorter.
# Each fill also drops up to two members of each set that no longer exist (expired entries),
# so a set that keeps being refreshed does not accumulate them.
# KEYS = tombstones..., key, chunk keys..., index sets...
# ARGV = n_tombstones, n_chunks, ttl_ms, chunk_ttl_ms, value, chunk values...
STORE_SCRIPT: Final = """
local nt = tonumber(ARGV[1])
local nc = tonumber(ARGV[2])
for i = 1, nt do
  if redis.call('EXISTS', KEYS[i]) == 1 then return 0 end
end
local ttl = tonumber(ARGV[3])
local chunk_ttl = tonumber(ARGV[4])
local key = nt + 1
for i = key + 1, key + nc do
  redis.call('SET', KEYS[i], ARGV[i - key + 5], 'PX', chunk_ttl)
end
redis.call('SET', KEYS[key], ARGV[5], 'PX', ttl)
for i = key + nc + 1, #KEYS do
  local index = KEYS[i]
  for _, old in ipairs(redis.call('SRANDMEMBER', index, 2)) do
    if redis.call('EXISTS', old) == 0 then redis.call('SREM', index, old) end
  end
  for j = key, key + nc do
    redis.call('SADD', index, KEYS[j])
  end
  if redis.call('PTTL', index) < chunk_ttl then
    redis.call('PEXPIRE', index, chunk_ttl)
  end
end
return 1
"""

# One batch of an invalidation by index: pop up to ARGV[1] members of the set KEYS[1] and
# UNLINK them; returns {keys removed, members left}. SPOP removes what it returns, so a key
# added concurrently is never lost from the set (it goes in a later batch or invalidation),
# and no batch blocks Redis for long.
INVALIDATE_SCRIPT: Final = """
local members = redis.call('SPOP', KEYS[1], tonumber(ARGV[1]))
local removed = 0
if #members > 0 then removed = redis.call('UNLINK', unpack(members)) end
return {removed, redis.call('SCARD', KEYS[1])}
"""
INVALIDATE_BATCH: Final = 500


def store_arguments(
    tombstones: list[str], key: str, encoded: Encoded, ttl_s: int, indexes: list[str]
) -> tuple[list[str], list[bytes | int]]:
    ttl_ms = ttl_s * 1000
    keys_ = [*tombstones, key, *(k for k, _ in encoded.chunks), *indexes]
    # Chunks outlive their manifest a little, so a manifest never points at expired chunks.
    args: list[bytes | int] = [
        len(tombstones),
        len(encoded.chunks),
        ttl_ms,
        ttl_ms + 10_000,
        encoded.main,
        *(v for _, v in encoded.chunks),
    ]
    return keys_, args


# -- failure handling ---------------------------------------------------------------------


class Breaker:
    """A circuit breaker: after `failures` consecutive Redis failures, skip Redis for
    `cooldown_s`; then let one call probe it (half-open) and close on its success."""

    def __init__(
        self, failures: int, cooldown_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.failures = failures
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._lock = threading.Lock()
        self._consecutive = 0
        self._open_until: float | None = None
        self._probing = False

    @property
    def is_open(self) -> bool:
        return self._open_until is not None

    def allow(self) -> bool:
        """Whether this call may use Redis now."""
        with self._lock:
            if self._open_until is None:
                return True
            if self._probing or self._clock() < self._open_until:
                return False
            self._probing = True
            return True

    def success(self) -> bool:
        """Record a success; True when this closed an open breaker (Redis recovered)."""
        with self._lock:
            recovered = self._open_until is not None
            self._consecutive = 0
            self._open_until = None
            self._probing = False
            return recovered

    def failure(self) -> bool:
        """Record a failure; True when this opened the breaker."""
        with self._lock:
            self._consecutive += 1
            was_open = self._open_until is not None
            if was_open or self._consecutive >= self.failures:
                self._open_until = self._clock() + self.cooldown_s
                self._probing = False
                return not was_open
            return False


class Warnings:
    """At most one WARNING per kind in `interval_s`; the next one says how many were held back."""

    def __init__(self, interval_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval_s = interval_s
        self._clock = clock
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}
        self._lock = threading.Lock()

    def warn(self, kind: str, message: str, *args: object, **fields: Any) -> None:
        with self._lock:
            now = self._clock()
            last = self._last.get(kind)
            if last is not None and now - last < self.interval_s:
                self._held[kind] = self._held.get(kind, 0) + 1
                return
            self._last[kind] = now
            held = self._held.pop(kind, 0)
        logger.warning(
            message,
            *args,
            extra={"event": f"cache_{kind}", "suppressed": held, **fields},
        )


@dataclass
class Stats:
    """Counters of one cache client (`ReadCache.stats()`)."""

    hits: int = 0
    misses: int = 0
    fills: int = 0
    fills_refused: int = 0
    bypassed: int = 0
    errors: int = 0
    invalidated_keys: int = 0
    stale_served: int = 0

    def as_dict(self) -> dict[str, float]:
        looked_up = self.hits + self.misses
        return {
            "hits": self.hits,
            "misses": self.misses,
            "hit_rate": self.hits / looked_up if looked_up else 0.0,
            "fills": self.fills,
            "fills_refused": self.fills_refused,
            "bypassed": self.bypassed,
            "errors": self.errors,
            "invalidated_keys": self.invalidated_keys,
            "stale_served": self.stale_served,
        }


def ttl_for(spec: QuerySpec, scope: CacheScope, anonymous_s: int, user_s: int) -> int:
    base = anonymous_s if isinstance(scope, Anonymous) else user_s
    return min(base, spec.ttl_s) if spec.ttl_s is not None else base


def check_kwargs(spec: QuerySpec, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    if args:
        raise TypeError(f"{spec.name}: pass the query's arguments by keyword")
    missing = [arg for arg in spec.tags.values() if arg not in kwargs]
    if missing:
        raise TypeError(f"{spec.name}: missing argument(s) {', '.join(missing)}")
