"""The corpus's own settings: the text and dictionary APIs, timeouts and cache lifetimes (CORPUS_*)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from app.settings import DomainSettings


class CorpusSettings(DomainSettings):
    """Read from CORPUS_TEXT_URL, CORPUS_HTTP_TIMEOUT, ... (or a `.env` file)."""

    model_config = SettingsConfigDict(env_prefix="CORPUS_", env_file=".env", extra="ignore")

    text_url: str = Field(
        default="http://metaphorpsum.com/paragraphs/1/50", description="Text source: text/plain, one paragraph."
    )
    dictionary_url: str = Field(
        default="https://api.dictionaryapi.dev/api/v2/entries/en", description="Dictionary: GET {url}/{word}."
    )
    http_timeout: float = Field(default=5.0, description="Seconds per attempt at either API, body included.")
    dictionary_ttl_hours: float = 24.0
    unknown_word_ttl_hours: float = 1.0
    dictionary_deadline: float = Field(
        default=3.0, description="Seconds GET /dictionary waits, in all, for the lookups it starts."
    )
    dictionary_retry_after: float = Field(
        default=30.0, description="Seconds the dictionary API is left alone after every lookup in a round failed."
    )
