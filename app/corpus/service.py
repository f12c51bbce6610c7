"""The text source and dictionary API clients (httpx: a timeout and one retry each), and the
definitions cache built on them.

One httpx.AsyncClient per app, opened and closed by the router's lifespan (`lifespan` below) and
kept on app.state.corpus.
"""

import asyncio
import logging
import time
import unicodedata
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import quote

import asyncpg
import httpx
from fastapi import FastAPI, Request

from app.corpus import sql
from app.corpus.settings import CorpusSettings
from app.errors import BadGateway, GatewayTimeout
from app.metrics import CountingTransport
from app.queries import Connection, JsonValue
from app.settings import domain_settings

log = logging.getLogger(__name__)

ATTEMPTS = 2  # one retry
MAX_PARAGRAPH_CHARS = 10_000  # the paragraphs table's check constraint
MAX_DEFINITIONS = 20  # per word, across meanings
TOP_WORDS = 10
ALLOWED_CONTROL = {"\n", "\r", "\t"}


class DictionaryError(Exception):
    """The dictionary API failed for a word (unreachable, timed out, an error status or garbage)."""


@dataclass(frozen=True)
class Definition:
    """The dictionary's answer for one word; found is False for a word it does not know (404)."""

    word: str
    found: bool
    definitions: list[str] = field(default_factory=list)
    phonetic: str | None = None


@dataclass
class CorpusService:
    """The shared HTTP client and what the app remembers about the dictionary API between requests."""

    settings: CorpusSettings
    http: httpx.AsyncClient
    dictionary_down_until: float = 0.0
    warming: bool = False

    # --- text source -------------------------------------------------------------------------------

    async def fetch_paragraph(self) -> str:
        """One paragraph from the text source; BadGateway or GatewayTimeout naming the source and the failure."""
        url = self.settings.text_url
        timeout = self.settings.http_timeout
        problem, timed_out = "", False
        for _ in range(ATTEMPTS):
            try:
                async with asyncio.timeout(timeout):
                    response = await self.http.get(url, headers={"Accept": "text/plain"})
            except (TimeoutError, httpx.TimeoutException):
                problem, timed_out = f"did not answer within {timeout:g}s", True
                continue
            except httpx.HTTPError as exc:
                problem, timed_out = f"could not be reached ({type(exc).__name__}: {exc})", False
                continue
            text, problem = paragraph_text(response)
            if text is not None:
                return text
            timed_out = False
        error = GatewayTimeout if timed_out else BadGateway
        raise error(f"text source {url} {problem} (tried {ATTEMPTS} times); nothing was stored")

    # --- dictionary ----------------------------------------------------------------------------------

    def dictionary_available(self) -> bool:
        """False for a while after a round of lookups in which every one failed."""
        return time.monotonic() >= self.dictionary_down_until

    async def lookup(self, word: str) -> Definition:
        """The dictionary's entry for `word` (found=False on 404); DictionaryError on any failure."""
        url = f"{self.settings.dictionary_url.rstrip('/')}/{quote(word, safe='')}"
        timeout = self.settings.http_timeout
        problem = ""
        for _ in range(ATTEMPTS):
            try:
                async with asyncio.timeout(timeout):
                    response = await self.http.get(url, headers={"Accept": "application/json"})
            except (TimeoutError, httpx.TimeoutException):
                problem = f"did not answer within {timeout:g}s"
                continue
            except httpx.HTTPError as exc:
                problem = f"could not be reached ({type(exc).__name__}: {exc})"
                continue
            if response.status_code == 404:
                return Definition(word=word, found=False)
            if response.status_code != 200:
                problem = f"answered HTTP {response.status_code}"
                if response.status_code < 500 and response.status_code != 429:
                    break
                continue
            try:
                return parse_entries(word, response.json())
            except ValueError as exc:
                problem = f"sent an answer that is not dictionary JSON ({exc})"
        raise DictionaryError(f"dictionary API {url} {problem}")

    async def lookup_many(self, words: list[str]) -> dict[str, Definition]:
        """Definitions for `words`, looked up concurrently within one overall deadline.

        Words whose lookup failed or did not finish in time are left out. When every lookup
        failed, the API is left alone for corpus_dictionary_retry_after seconds.
        """
        if not words or not self.dictionary_available():
            return {}
        tasks = {asyncio.create_task(self.lookup(word)): word for word in words}
        done, pending = await asyncio.wait(tasks, timeout=self.settings.dictionary_deadline)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
            log.warning("dictionary lookups still running at the deadline: %s", sorted(tasks[t] for t in pending))
        found: dict[str, Definition] = {}
        failed: list[BaseException] = []
        for task in done:
            exc = task.exception()
            if exc is None:
                found[tasks[task]] = task.result()
            else:
                failed.append(exc)
        if failed:
            log.warning("%d of %d dictionary lookups failed, e.g. %s", len(failed), len(tasks), failed[0])
        if not found:
            retry_after = self.settings.dictionary_retry_after
            self.dictionary_down_until = time.monotonic() + retry_after
            log.warning("dictionary API unavailable: answering from the cache for %gs", retry_after)
        return found


def paragraph_text(response: httpx.Response) -> tuple[str | None, str]:
    """The paragraph in a text source's answer, or None and what is wrong with the answer."""
    if response.status_code != 200:
        return None, f"answered HTTP {response.status_code}"
    media_type = response.headers.get("content-type", "text/plain").split(";")[0].strip().lower()
    if not media_type.startswith("text/") or media_type == "text/html":
        return None, f"answered with content type {media_type!r}, not plain text"
    try:
        text = response.content.decode(response.charset_encoding or "utf-8").strip()
    except (UnicodeDecodeError, LookupError):
        return None, "sent a body that is not valid text"
    if not text:
        return None, "sent an empty body"
    if any(unicodedata.category(c) == "Cc" and c not in ALLOWED_CONTROL for c in text):
        return None, "sent a body with control characters, not a paragraph"
    if text.startswith("<"):
        return None, "sent markup, not a paragraph"
    if len(text) > MAX_PARAGRAPH_CHARS:
        return None, f"sent {len(text):,} characters; a paragraph may have at most {MAX_PARAGRAPH_CHARS:,}"
    if not any(c.isalnum() for c in text):
        return None, "sent a body without a single word"
    return text, ""


def parse_entries(word: str, payload: Any) -> Definition:
    """A dictionaryapi.dev answer (a list of entries with meanings and definitions) as one Definition."""
    if not isinstance(payload, list) or not all(isinstance(entry, dict) for entry in payload):
        raise ValueError("expected a list of entries")
    definitions: list[str] = []
    phonetic: str | None = None
    for entry in payload:
        if phonetic is None:
            phonetic = _phonetic(entry)
        meanings = entry.get("meanings") or []
        if not isinstance(meanings, list):
            raise ValueError("meanings is not a list")
        for meaning in meanings:
            for item in (meaning.get("definitions") or []) if isinstance(meaning, dict) else []:
                text = item.get("definition") if isinstance(item, dict) else None
                if isinstance(text, str) and text.strip() and text.strip() not in definitions:
                    definitions.append(text.strip())
    if not payload:
        return Definition(word=word, found=False)
    return Definition(word=word, found=True, definitions=definitions[:MAX_DEFINITIONS], phonetic=phonetic)


def _phonetic(entry: dict[str, Any]) -> str | None:
    text = entry.get("phonetic")
    if isinstance(text, str) and text.strip():
        return text.strip()
    for item in entry.get("phonetics") or []:
        text = item.get("text") if isinstance(item, dict) else None
        if isinstance(text, str) and text.strip():
            return text.strip()
    return None


# --- the definitions cache --------------------------------------------------------------------------


async def top_words(conn: Connection, settings: CorpusSettings, exclude_stopwords: bool) -> list[sql.TopWordsRow]:
    """The ten most frequent words with their cached definitions and whether those are fresh."""
    return await sql.top_words(
        conn,
        exclude_stopwords=exclude_stopwords,
        word_count=TOP_WORDS,
        found_ttl_seconds=settings.dictionary_ttl_hours * 3600,
        unknown_ttl_seconds=settings.unknown_word_ttl_hours * 3600,
    )


async def save_definitions(conn: Connection, found: dict[str, Definition]) -> None:
    entries: list[JsonValue] = [asdict(found[word]) for word in sorted(found)]
    await sql.save_definitions(conn, entries=entries)


async def dictionary(
    borrow: Callable[[], AbstractAsyncContextManager[Connection]],
    service: CorpusService,
    exclude_stopwords: bool,
) -> list[dict[str, Any]]:
    """The top ten words with definitions: cached ones while fresh, missing or stale ones looked up
    (within the deadline) and cached. A word whose lookup failed keeps its stale definitions, or none.
    `borrow()` lends a pooled connection; none is held while the dictionary API is being asked."""
    async with borrow() as conn:
        top = await top_words(conn, service.settings, exclude_stopwords)
    fetched = await service.lookup_many([r["word"] for r in top if not r["fresh"]])
    if fetched:
        async with borrow() as conn:
            await save_definitions(conn, fetched)
    answer = []
    for r in top:
        entry = fetched.get(r["word"])
        if entry is not None:
            definitions, phonetic = entry.definitions, entry.phonetic
        else:
            # no constraint keeps NULL out of the cached array: a NULL element is no definition
            definitions, phonetic = [d for d in r["definitions"] if d is not None], r["phonetic"]
        answer.append(
            {"word": r["word"], "frequency": r["frequency"], "definitions": definitions, "phonetic": phonetic}
        )
    return answer


async def warm_cache(pool: asyncpg.Pool, service: CorpusService) -> None:
    """Background task: look up the current top words (with and without stopwords) that have no fresh
    definition. One at a time per app; two apps warming at once only upsert the same rows twice."""
    if service.warming or not service.dictionary_available():
        return
    service.warming = True
    try:
        async with pool.acquire() as conn:
            top = await top_words(conn, service.settings, False) + await top_words(conn, service.settings, True)
        stale = sorted({r["word"] for r in top if not r["fresh"]})
        fetched = await service.lookup_many(stale)
        if fetched:
            async with pool.acquire() as conn:
                await save_definitions(conn, fetched)
    except Exception:
        log.exception("could not warm the definitions cache")
    finally:
        service.warming = False


# --- app lifetime -----------------------------------------------------------------------------------


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Opens the shared HTTP client for the app's lifetime (the router's lifespan)."""
    settings = domain_settings(app, CorpusSettings)
    async with httpx.AsyncClient(
        timeout=settings.http_timeout,
        follow_redirects=True,
        headers={"User-Agent": "catalog-corpus/0.1"},
        transport=CountingTransport(),
    ) as http:
        app.state.corpus = CorpusService(settings=settings, http=http)
        yield


def corpus_service(request: Request) -> CorpusService:
    """FastAPI dependency: the app's CorpusService."""
    found: CorpusService = request.app.state.corpus
    return found
