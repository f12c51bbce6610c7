"""Settings read from the environment (and an optional `.env` file)."""

from functools import lru_cache
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.applications import Starlette

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Everything the service can be told from outside; names are the environment variables."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="PostgreSQL 15+ URL; unset means an embedded PostgreSQL 18 under data_dir.",
    )
    data_dir: Path = Field(default=ROOT / ".data", description="Where the embedded server keeps its files.")
    embedded_tcp_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="`catalog serve` with the embedded server: also reach it on 127.0.0.1:PORT (GUI tools); "
        "scripts/serve sets 54329 unless given.",
    )
    catalog_plans_keep: int = Field(
        default=2,
        ge=0,
        description="Earlier builds of the checking database kept for branch switches (0 in CI: one build is cached).",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    pool_min_size: int = 2
    pool_max_size: int = 10
    web_concurrency: int = Field(
        default=1, ge=1, description="Worker processes of `catalog serve` when --workers is not given."
    )
    pool_headroom_connections: int = Field(
        default=10,
        ge=0,
        description="Server connections `catalog serve` leaves free for migrations, admin and psql when it sizes the pools.",
    )
    database_statement_cache_size: int = Field(
        default=100,
        ge=0,
        description="asyncpg's prepared statements kept per connection; 0 behind PgBouncer in transaction mode before 1.21.",
    )
    database_startup_settings: bool = Field(
        default=True,
        description="Send the session settings (jit, statement_timeout...) when connecting; false behind PgBouncer, "
        'which refuses them: set them on the role or database instead (docs/performance.md, "Workers and PgBouncer").',
    )
    pool_acquire_timeout: float = Field(
        default=5.0, description="Seconds a request waits for a connection before it gets a 503."
    )
    statement_timeout_ms: int = Field(default=15_000, description="Per-statement limit for app sessions.")
    background_drain_seconds: float = Field(
        default=10.0, description="At shutdown, how long queued background writes (search logs, views) may take."
    )
    max_body_bytes: int = Field(
        default=1024 * 1024, description="Largest request body accepted; a larger one answers 413 before it is read."
    )
    retry_after_seconds: int = Field(default=5, description="Retry-After of every 503 answer.")
    connect_timeout: float = Field(default=5.0, description="Seconds to open one database connection.")
    app_role: str = Field(default="catalog_app", description="Role the app serves as (catalog migrate creates it).")
    app_role_password: str = Field(default="catalog_app", description="Password catalog migrate gives app_role.")
    app_database_url: str | None = Field(
        default=None, description="URL the app serves with; unset means DATABASE_URL's server logged in as app_role."
    )
    database_listen_url: str | None = Field(
        default=None,
        description="URL the app's schema change listener connects to (the primary itself, not a pooler in transaction "
        "mode); unset: the URL the app serves with (docs/reliability.md).",
    )
    schema_poll_interval_ms: int = Field(
        default=1000,
        ge=10,
        description="Where notices cannot reach the listener (a pooler in transaction mode), how often it reads the "
        "applied migrations instead.",
    )
    database_replica_urls: str | None = Field(
        default=None,
        description="Comma-separated URLs of read replicas (streaming replicas of the primary), each logged in as "
        "the role the app serves as; unset: every statement runs on the primary (docs/replicas.md).",
    )
    replica_max_lag_ms: int = Field(
        default=500,
        ge=0,
        description="A replica serves reads without a Consistency-Token only while its lag is below this.",
    )
    replica_poll_interval_ms: int = Field(
        default=100, ge=10, description="How often each server's WAL position is polled in the background."
    )
    catalog_domains: str | None = Field(
        default=None, description="Comma-separated domains to mount; unset means every domain that exists."
    )
    metrics: bool = Field(
        default=True,
        description="Serve /metrics and time requests and statements (docs/operating.md); off (METRICS=off) for a bench comparison.",
    )
    log_format: Literal["text", "json"] = Field(
        default="text", description="text: readable lines; json: one JSON object per line (docs/operating.md)."
    )
    access_log: bool = Field(default=True, description="One line per answered request (ACCESS_LOG=off: none).")
    auth_mode: Literal["protect", "open"] = Field(
        default="protect",
        description="protect: writes need a credential once keys or a provider exist (before that, loopback only); "
        "open: no access control at all (logged at startup).",
    )
    auth_reads: bool = Field(default=False, description="Reads need a credential with <domain>:read too.")
    auth_jwks_url: str | None = Field(default=None, description="The identity provider's JWKS (published keys).")
    auth_issuer: str | None = Field(default=None, description="The `iss` every accepted token must carry.")
    auth_audience: str | None = Field(default=None, description="The `aud` every accepted token must carry.")
    auth_jwks_cooldown_seconds: float = Field(
        default=10.0, ge=0, description="Least time between two JWKS fetches caused by a token of an unknown key id."
    )
    auth_refresh_seconds: float = Field(
        default=2.0,
        gt=0,
        description="How often each process reloads the API keys (revocation takes effect within it).",
    )
    queries_dir: Path = ROOT / "queries"
    schema_dir: Path = ROOT / "schema"

    @property
    def times_statements(self) -> bool:
        """Whether requests' database time is measured: for /metrics or for the JSON access log."""
        return self.metrics or (self.log_format == "json" and self.access_log)

    def replica_urls(self) -> list[str]:
        """DATABASE_REPLICA_URLS as a list (empty when unset)."""
        return [url.strip() for url in (self.database_replica_urls or "").split(",") if url.strip()]

    def domain_filter(self) -> set[str] | None:
        """The domains asked for by CATALOG_DOMAINS, or None for all of them."""
        if not self.catalog_domains:
            return None
        return {name.strip() for name in self.catalog_domains.split(",") if name.strip()}


@lru_cache
def get_settings() -> Settings:
    return Settings()


class DomainSettings(BaseSettings):
    """Base of a domain's own settings, kept in app/<domain>/settings.py, never in this file.

    A subclass sets `model_config = SettingsConfigDict(env_prefix="<DOMAIN>_", env_file=".env", extra="ignore")`,
    so `CORPUS_TEXT_URL` sets the corpus's `text_url`.
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")


AnyDomainSettings = TypeVar("AnyDomainSettings", bound=DomainSettings)


def domain_settings(app: Starlette, kind: type[AnyDomainSettings]) -> AnyDomainSettings:
    """This app's instance of a domain's settings: the one given to create_app, else read once from the environment."""
    known: dict[type[DomainSettings], DomainSettings] = app.state.domain_settings
    found = known.get(kind)
    if found is None:
        found = known[kind] = kind()
    assert isinstance(found, kind)
    return found
