"""Configuration from the environment, validated once at start-up.

Every setting has a documented environment variable and default (README, "Configuration").
An invalid value raises `ConfigError` naming the variable, before any connection is made.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from chatdb.errors import ConfigError


class Settings(BaseSettings):
    """chatdb's settings; field `x` is read from the variable in its alias."""

    model_config = SettingsConfigDict(populate_by_name=True, extra="ignore", frozen=True)

    database_url: str = Field(
        "",
        alias="DATABASE_URL",
        description="the application login (chatdb_app_login); alone, it serves everything",
    )
    database_system_url: str = Field(
        "",
        alias="DATABASE_SYSTEM_URL",
        description="the login for system transactions (chatdb_system_login)",
    )
    replica_urls: str = Field(
        "", alias="DATABASE_REPLICA_URLS", description="comma-separated read replica URLs"
    )
    pool_min_size: int = Field(1, alias="DB_POOL_MIN_SIZE", ge=0)
    pool_max_size: int = Field(10, alias="DB_POOL_MAX_SIZE", ge=1)
    pool_max_idle_s: float = Field(600.0, alias="DB_POOL_MAX_IDLE_S", gt=0)
    pool_max_lifetime_s: float = Field(3600.0, alias="DB_POOL_MAX_LIFETIME_S", gt=0)
    pool_timeout_s: float = Field(
        30.0,
        alias="DB_POOL_TIMEOUT_S",
        gt=0,
        description="how long a caller waits for a pooled connection",
    )
    connect_timeout_s: int = Field(10, alias="DB_CONNECT_TIMEOUT_S", ge=1)
    statement_timeout_ms: int = Field(30_000, alias="DB_STATEMENT_TIMEOUT_MS", ge=0)
    idle_in_transaction_timeout_ms: int = Field(
        60_000, alias="DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", ge=0
    )
    tcp_keepalives: bool = Field(True, alias="DB_TCP_KEEPALIVES")
    keepalives_idle_s: int = Field(30, alias="DB_KEEPALIVES_IDLE_S", ge=1)
    keepalives_interval_s: int = Field(
        10,
        alias="DB_KEEPALIVES_INTERVAL_S",
        ge=1,
        description="seconds between unanswered keepalive probes",
    )
    keepalives_count: int = Field(
        5,
        alias="DB_KEEPALIVES_COUNT",
        ge=1,
        description="unanswered probes before the connection counts as dead",
    )
    application_name: str = Field("chatdb", alias="DB_APPLICATION_NAME", max_length=63)
    sslmode: Literal["", "disable", "allow", "prefer", "require", "verify-ca", "verify-full"] = (
        Field("", alias="DB_SSLMODE")
    )
    sslrootcert: str = Field("", alias="DB_SSLROOTCERT")
    pgbouncer: bool = Field(
        False,
        alias="DB_PGBOUNCER",
        description="PgBouncer transaction mode: no prepared statements, settings per transaction",
    )
    max_retries: int = Field(3, alias="DB_MAX_RETRIES", ge=0, le=20)
    retry_delay_ms: int = Field(50, alias="DB_RETRY_DELAY_MS", ge=0)
    slow_query_ms: int = Field(500, alias="DB_SLOW_QUERY_MS", ge=0)
    read_your_writes_s: float = Field(
        5.0,
        alias="DB_READ_YOUR_WRITES_S",
        ge=0,
        description="after a user's write, their reads go to the primary for this long",
    )
    log_format: Literal["json", "text"] = Field("json", alias="LOG_FORMAT")
    environment: str = Field(
        "development",
        alias="CHATDB_ENVIRONMENT",
        pattern=r"^[A-Za-z0-9_.-]{1,64}$",
        description="deployment environment named in every JSON log record",
    )
    service: str = Field(
        "chatdb",
        alias="CHATDB_SERVICE",
        pattern=r"^[A-Za-z0-9_.-]{1,64}$",
        description="service name in every JSON log record",
    )
    encryption_keys: str = Field(
        "",
        alias="CHATDB_ENCRYPTION_KEYS",
        repr=False,
        description="key ring: `id:base64key,id:base64key`",
    )
    encryption_key_id: str = Field(
        "", alias="CHATDB_ENCRYPTION_KEY_ID", description="the key id new ciphertexts use"
    )

    @field_validator("replica_urls")
    @classmethod
    def _strip_urls(cls, value: str) -> str:
        return ",".join(part.strip() for part in value.split(",") if part.strip())

    @property
    def replicas(self) -> list[str]:
        return [url for url in self.replica_urls.split(",") if url]


def _names() -> set[str]:
    """Every keyword `load_settings` accepts: field names and their variable names."""
    names = set(Settings.model_fields)
    names.update(info.alias for info in Settings.model_fields.values() if info.alias)
    return names


def _build(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        info = Settings.model_fields.get(field)
        variable = info.alias if info and info.alias else field
        raise ConfigError(
            f"{variable} is invalid: {first['msg']}",
            fix=f"fix or unset {variable} (see README, Configuration)",
            variable=variable,
        ) from None


def load_settings(**overrides: object) -> Settings:
    """Read and validate the settings; `overrides` (by field name) win over the environment.

    The environment is validated whole even where an override wins, so a bad variable fails
    every entry point (the CLI passes its own pool sizes); an unknown override is an error,
    not silently ignored.
    """
    unknown = sorted(set(overrides) - _names())
    if unknown:
        raise ConfigError(
            f"unknown setting(s) {', '.join(unknown)}",
            fix="pass Settings field names (see chatdb.config.Settings)",
        )
    settings = _build()
    if overrides:
        settings = _build(**overrides)
    if settings.pool_min_size > settings.pool_max_size:
        raise ConfigError(
            "DB_POOL_MIN_SIZE is larger than DB_POOL_MAX_SIZE",
            fix="make DB_POOL_MIN_SIZE <= DB_POOL_MAX_SIZE",
            variable="DB_POOL_MIN_SIZE",
        )
    from chatdb import dburl

    if settings.database_url:
        dburl.validate_url(settings.database_url)
    if settings.database_system_url:
        dburl.validate_url(settings.database_system_url, "DATABASE_SYSTEM_URL")
    for url in settings.replicas:
        dburl.validate_url(url, "DATABASE_REPLICA_URLS")
    if settings.encryption_keys or settings.encryption_key_id:
        from chatdb.crypto import KeyRing

        KeyRing.parse(settings.encryption_keys, settings.encryption_key_id)
    return settings
