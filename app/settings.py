"""Settings read from the environment (and an optional `.env` file)."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Everything the service can be told from outside; names are the environment variables."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="PostgreSQL 15+ URL; unset means an embedded PostgreSQL 18 under data_dir.",
    )
    data_dir: Path = Field(default=ROOT / ".data", description="Where the embedded server keeps its files.")
    host: str = "127.0.0.1"
    port: int = 8000
    pool_min_size: int = 2
    pool_max_size: int = 10
    pool_acquire_timeout: float = Field(
        default=5.0, description="Seconds a request waits for a connection before it gets a 503."
    )
    statement_timeout_ms: int = Field(default=15_000, description="Per-statement limit for app sessions.")
    catalog_domains: str | None = Field(
        default=None, description="Comma-separated domains to mount; unset means every domain that exists."
    )
    queries_dir: Path = ROOT / "queries"
    schema_dir: Path = ROOT / "schema"

    corpus_text_url: str = "http://metaphorpsum.com/paragraphs/1/50"
    corpus_dictionary_url: str = "https://api.dictionaryapi.dev/api/v2/entries/en"
    corpus_http_timeout: float = 5.0
    corpus_dictionary_ttl_hours: float = 24.0
    corpus_unknown_word_ttl_hours: float = 1.0
    corpus_dictionary_deadline: float = 3.0
    corpus_dictionary_retry_after: float = Field(
        default=30.0, description="Seconds the dictionary API is left alone after every lookup in a round failed."
    )

    def domain_filter(self) -> set[str] | None:
        """The domains asked for by CATALOG_DOMAINS, or None for all of them."""
        if not self.catalog_domains:
            return None
        return {name.strip() for name in self.catalog_domains.split(",") if name.strip()}


@lru_cache
def get_settings() -> Settings:
    return Settings()
