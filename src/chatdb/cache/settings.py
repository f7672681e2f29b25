"""The read cache's settings, from the environment (like `chatdb.config`, kept beside it so the
runtime never learns about the cache).

| variable | default | meaning |
|---|---|---|
| `REDIS_URL` | unset = cache off | `redis://`, `rediss://` or `unix://` URL of the cache |
| `CHATDB_CACHE_TIMEOUT_MS` | 100 | socket read/write timeout of one Redis command |
| `CHATDB_CACHE_CONNECT_TIMEOUT_MS` | 100 | TCP connect timeout to Redis |
| `CHATDB_CACHE_MAX_CONNECTIONS` | 16 | Redis connections of one cache client (shared by its threads or tasks); a call waits at most the timeout above for a free one, then reads PostgreSQL |
| `CHATDB_CACHE_TTL_ANONYMOUS_S` | 300 | TTL of entries read by anonymous (signed-out) readers |
| `CHATDB_CACHE_TTL_USER_S` | 60 | TTL of entries read by a signed-in user (or the system role) |
| `CHATDB_CACHE_STALE_IF_ERROR_S` | 3600 | how long an anonymous entry is kept past its TTL, served only while PostgreSQL is unavailable (0 = never) |
| `CHATDB_CACHE_CHUNK_BYTES` | 524288 | values larger than this are stored in chunks plus a manifest |
| `CHATDB_CACHE_MAX_VALUE_BYTES` | 33554432 | values larger than this are not cached at all |
| `CHATDB_CACHE_BREAKER_FAILURES` | 2 | consecutive Redis failures that open the circuit breaker |
| `CHATDB_CACHE_BREAKER_COOLDOWN_S` | 5 | how long an open breaker skips Redis before one probe |
| `CHATDB_CACHE_WARN_INTERVAL_S` | 60 | at most one WARNING per kind of failure in this interval |
| `CHATDB_CACHE_INVALIDATION_WINDOW_S` | 5 | after an invalidation, fills of the same data go to the primary and are not stored |
| `CHATDB_CACHE_VERSION` | `1` | bump to orphan every entry (they expire by TTL) |
| `CHATDB_CACHE_PREFIX` | `chatdb` | first part of every key (one Redis shared by several apps or test runs) |
"""

from __future__ import annotations

import re

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from chatdb.errors import ConfigError

_KEY_PART = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class CacheSettings(BaseSettings):
    """Settings of `chatdb.cache`; field `x` is read from the variable in its alias."""

    model_config = SettingsConfigDict(populate_by_name=True, extra="ignore", frozen=True)

    redis_url: str = Field("", alias="REDIS_URL", repr=False)
    timeout_ms: int = Field(100, alias="CHATDB_CACHE_TIMEOUT_MS", ge=1, le=60_000)
    connect_timeout_ms: int = Field(100, alias="CHATDB_CACHE_CONNECT_TIMEOUT_MS", ge=1, le=60_000)
    max_connections: int = Field(16, alias="CHATDB_CACHE_MAX_CONNECTIONS", ge=1, le=10_000)
    ttl_anonymous_s: int = Field(300, alias="CHATDB_CACHE_TTL_ANONYMOUS_S", ge=1)
    ttl_user_s: int = Field(60, alias="CHATDB_CACHE_TTL_USER_S", ge=1)
    stale_if_error_s: int = Field(3600, alias="CHATDB_CACHE_STALE_IF_ERROR_S", ge=0)
    chunk_bytes: int = Field(512 * 1024, alias="CHATDB_CACHE_CHUNK_BYTES", ge=1024)
    max_value_bytes: int = Field(32 * 1024 * 1024, alias="CHATDB_CACHE_MAX_VALUE_BYTES", ge=1024)
    breaker_failures: int = Field(2, alias="CHATDB_CACHE_BREAKER_FAILURES", ge=1)
    breaker_cooldown_s: float = Field(5.0, alias="CHATDB_CACHE_BREAKER_COOLDOWN_S", gt=0)
    warn_interval_s: float = Field(60.0, alias="CHATDB_CACHE_WARN_INTERVAL_S", ge=0)
    invalidation_window_s: float = Field(5.0, alias="CHATDB_CACHE_INVALIDATION_WINDOW_S", ge=0)
    version: str = Field("1", alias="CHATDB_CACHE_VERSION")
    prefix: str = Field("chatdb", alias="CHATDB_CACHE_PREFIX")

    @field_validator("redis_url")
    @classmethod
    def _scheme(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @field_validator("version", "prefix")
    @classmethod
    def _key_part(cls, value: str) -> str:
        if not _KEY_PART.match(value):
            raise ValueError("1 to 64 characters of A-Z a-z 0-9 _ . -")
        return value

    @property
    def enabled(self) -> bool:
        return bool(self.redis_url)


def load_cache_settings(**overrides: object) -> CacheSettings:
    """Read and validate the cache settings; `overrides` (by field name) win over the
    environment. A bad value raises `ConfigError` naming its variable."""
    try:
        return CacheSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        info = CacheSettings.model_fields.get(field)
        variable = info.alias if info and info.alias else field
        raise ConfigError(
            f"{variable} is invalid: {first['msg']}",
            fix=f"fix or unset {variable} (see chatdb.cache.settings)",
            variable=variable,
        ) from None
