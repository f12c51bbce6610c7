"""Fake text and dictionary APIs on 127.0.0.1: the real formats, plus failure modes on demand.

Text (like metaphorpsum.com): GET /paragraphs/1/50 answers text/plain, one paragraph.
Dictionary (like api.dictionaryapi.dev): GET /api/v2/entries/en/{word} answers a JSON list of entries,
or 404 {"title": "No Definitions Found", ...} for a word it does not know.

Each API's mode is one of: ok, fail (HTTP 500), hang (answers after hang_seconds), garbage,
empty (200 with an empty body), html (text source only). fail_next makes the next N requests fail.
"""

import asyncio
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from tests.servers import served_in_thread

TEXT_PATH = "/paragraphs/1/50"
DICTIONARY_PATH = "/api/v2/entries/en"

NOT_FOUND = {
    "title": "No Definitions Found",
    "message": "Sorry pal, we couldn't find definitions for the word you were looking for.",
    "resolution": "You can try the search again at later time or head to the web instead.",
}


def entry(word: str, *definitions: str, phonetic: str | None = None, part: str = "noun") -> dict[str, Any]:
    """One dictionaryapi.dev entry for `word` with the given definitions."""
    return {
        "word": word,
        "phonetic": phonetic,
        "phonetics": [{"text": phonetic, "audio": ""}] if phonetic else [],
        "meanings": [
            {
                "partOfSpeech": part,
                "definitions": [{"definition": d, "synonyms": [], "antonyms": []} for d in definitions],
                "synonyms": [],
                "antonyms": [],
            }
        ],
        "license": {"name": "CC BY-SA 3.0", "url": "https://creativecommons.org/licenses/by-sa/3.0"},
        "sourceUrls": [f"https://en.wiktionary.org/wiki/{word}"],
    }


DEFAULT_ENTRIES: dict[str, list[dict[str, Any]]] = {
    "the": [entry("the", "Definite grammatical article.", phonetic="/ðə/", part="article")],
    "cat": [
        entry("cat", "A small domesticated carnivorous mammal.", "A person.", phonetic="/kæt/"),
        entry("cat", "To hoist the anchor.", part="verb"),
    ],
    "a": [entry("a", "The first letter of the English alphabet.", phonetic="/eɪ/")],
    "is": [entry("is", "Third-person singular present of be.", part="verb")],
    "sheep": [entry("sheep", "A woolly ruminant.", phonetic="/ʃiːp/")],
    "dog": [entry("dog", "A domesticated canid.", phonetic="/dɒɡ/")],
}


@dataclass
class FakeUpstream:
    """State shared with the server thread; reset() between tests."""

    url: str = ""
    text_mode: str = "ok"
    dictionary_mode: str = "ok"
    hang_seconds: float = 1.5
    fail_next: int = 0
    paragraphs: list[str] = field(default_factory=lambda: ["The cat is a sheep from the right perspective."])
    entries: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: dict(DEFAULT_ENTRIES))
    requests: Counter[str] = field(default_factory=Counter)
    served: int = 0

    def reset(self) -> None:
        fresh = FakeUpstream(url=self.url)
        for name in ("text_mode", "dictionary_mode", "hang_seconds", "fail_next", "paragraphs", "entries", "served"):
            setattr(self, name, getattr(fresh, name))
        self.requests.clear()

    @property
    def text_url(self) -> str:
        return self.url + TEXT_PATH

    @property
    def dictionary_url(self) -> str:
        return self.url + DICTIONARY_PATH

    def count(self, prefix: str) -> int:
        """Requests received whose path starts with `prefix`."""
        return sum(n for path, n in self.requests.items() if path.startswith(prefix))

    def lookups(self) -> int:
        return self.count(DICTIONARY_PATH)

    def texts(self) -> int:
        return self.count(TEXT_PATH)


def build_app(state: FakeUpstream) -> FastAPI:
    app = FastAPI()

    async def common(mode: str, path: str) -> Response | None:
        state.requests[path] += 1
        if state.fail_next > 0:
            state.fail_next -= 1
            return PlainTextResponse("Internal Server Error", status_code=500)
        if mode == "fail":
            return PlainTextResponse("Internal Server Error", status_code=500)
        if mode == "hang":
            await asyncio.sleep(state.hang_seconds)
        if mode == "empty":
            return Response(b"", media_type="text/plain")
        return None

    @app.get(TEXT_PATH)
    async def paragraph() -> Response:
        hanging = state.text_mode == "hang"
        answer = await common(state.text_mode, TEXT_PATH)
        if answer is not None:
            return answer
        if hanging:
            # A late answer, by then maybe to a later test: it must not take that test's paragraphs.
            return PlainTextResponse("A late answer from a source that hung.")
        if state.text_mode == "garbage":
            return Response(b"\xff\xfe\x00\x01binary\x00", media_type="application/octet-stream")
        if state.text_mode == "html":
            return Response("<html><body>Bad gateway</body></html>", media_type="text/html")
        text = state.paragraphs[state.served % len(state.paragraphs)]
        state.served += 1
        return PlainTextResponse(text)

    @app.get(DICTIONARY_PATH + "/{word}")
    async def lookup(word: str) -> Response:
        answer = await common(state.dictionary_mode, f"{DICTIONARY_PATH}/{word}")
        if answer is not None:
            return answer
        if state.dictionary_mode == "garbage":
            return JSONResponse({"surprise": ["not", "a", "list", "of", "entries"]})
        if word not in state.entries:
            return JSONResponse(NOT_FOUND, status_code=404)
        return JSONResponse(state.entries[word])

    return app


def serve() -> Iterator[FakeUpstream]:
    """Run the fake APIs in a thread for as long as the generator is open."""
    state = FakeUpstream()
    with served_in_thread(build_app(state)) as url:
        state.url = url
        yield state
