"""GET /corpus/dictionary: the ten most frequent words with definitions cached in PostgreSQL."""

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import pytest

from app.corpus.settings import CorpusSettings
from app.main import create_app
from tests.conftest import make_settings
from tests.corpus.conftest import SHORT_TIMEOUTS, CorpusClient
from tests.corpus.helpers import store
from tests.corpus.upstream import FakeUpstream, entry
from tests.servers import served_in_thread

# Counts: a 7, the 7, cat 4, dog 3, is 3, and 2, bird 2, of 2, zebra 2, emu 1, fox 1, gnu 1, yak 1
# (ties in word order).
CORPUS = [
    "The cat and the dog. The cat is a cat.",
    "A dog is a bird of the zebra.",
    "The zebra, a bird of the yak; a cat is a fox.",
    "Dog emu gnu the a and.",
]
TOP_TEN = [
    ("a", 7),
    ("the", 7),
    ("cat", 4),
    ("dog", 3),
    ("is", 3),
    ("and", 2),
    ("bird", 2),
    ("of", 2),
    ("zebra", 2),
    ("emu", 1),
]


async def fresh_corpus(api: httpx.AsyncClient, upstream: FakeUpstream, conn: asyncpg.Connection) -> None:
    """Store CORPUS, then forget what the background warm-up cached and the requests it made."""
    await store(api, upstream, *CORPUS)
    await conn.execute("truncate corpus.definitions")
    upstream.requests.clear()


def by_word(response: httpx.Response) -> dict[str, dict[str, Any]]:
    assert response.status_code == 200, response.text
    return {w["word"]: w for w in response.json()["words"]}


async def test_top_ten_with_definitions(
    api: httpx.AsyncClient,
    upstream: FakeUpstream,
    conn: asyncpg.Connection,
) -> None:
    await fresh_corpus(api, upstream, conn)
    response = await api.get("/corpus/dictionary")
    assert response.status_code == 200, response.text
    words = response.json()["words"]
    assert [(w["word"], w["frequency"]) for w in words] == TOP_TEN
    found = {w["word"]: w for w in words}
    assert found["cat"]["definitions"] == [
        "A small domesticated carnivorous mammal.",
        "A person.",
        "To hoist the anchor.",
    ]
    assert found["cat"]["phonetic"] == "/kæt/"
    assert found["the"]["definitions"] == ["Definite grammatical article."]
    # Words the dictionary does not know stay, with no definitions.
    assert found["zebra"] == {"word": "zebra", "frequency": 2, "definitions": [], "phonetic": None}
    assert upstream.lookups() == 10
    cached = await conn.fetch("select word, found from corpus.definitions order by word")
    assert len(cached) == 10
    assert {r["word"] for r in cached if not r["found"]} == {"and", "bird", "of", "zebra", "emu"}


async def test_exclude_stopwords(api: httpx.AsyncClient, upstream: FakeUpstream, conn: asyncpg.Connection) -> None:
    await fresh_corpus(api, upstream, conn)
    response = await api.get("/corpus/dictionary", params={"exclude_stopwords": "true"})
    assert [(w["word"], w["frequency"]) for w in response.json()["words"]] == [
        ("cat", 4),
        ("dog", 3),
        ("bird", 2),
        ("zebra", 2),
        ("emu", 1),
        ("fox", 1),
        ("gnu", 1),
        ("yak", 1),
    ]
    # The list is a table a DBA can edit.
    await conn.execute("insert into corpus.stopwords (word) values ('cat')")
    response = await api.get("/corpus/dictionary", params={"exclude_stopwords": True})
    assert [w["word"] for w in response.json()["words"]][:2] == ["dog", "bird"]
    response = await api.get("/corpus/dictionary", params={"exclude_stopwords": False})
    assert [w["word"] for w in response.json()["words"]][:3] == ["a", "the", "cat"]
    assert (await api.get("/corpus/dictionary", params={"exclude_stopwords": "maybe"})).status_code == 422


async def test_empty_corpus(api: httpx.AsyncClient, upstream: FakeUpstream) -> None:
    assert (await api.get("/corpus/dictionary")).json() == {"words": []}
    assert upstream.lookups() == 0


async def test_second_call_is_served_from_the_cache(
    api: httpx.AsyncClient, upstream: FakeUpstream, conn: asyncpg.Connection
) -> None:
    await fresh_corpus(api, upstream, conn)
    first = await api.get("/corpus/dictionary")
    assert upstream.lookups() == 10
    second = await api.get("/corpus/dictionary")
    assert upstream.lookups() == 10
    assert second.json() == first.json()


@pytest.mark.parametrize(
    ("cached", "answered"),
    [([None], []), ([None, "A feline."], ["A feline."]), (["A feline.", None, "Ruler."], ["A feline.", "Ruler."])],
)
async def test_null_elements_in_cached_definitions_are_no_definitions(
    api: httpx.AsyncClient,
    upstream: FakeUpstream,
    conn: asyncpg.Connection,
    cached: list[str | None],
    answered: list[str],
) -> None:
    """A fresh cached array with NULL elements (written outside the app: no constraint forbids them)."""
    await fresh_corpus(api, upstream, conn)
    await api.get("/corpus/dictionary")
    await conn.execute("update corpus.definitions set definitions = $1::text[] where word = 'cat'", cached)
    cat = by_word(await api.get("/corpus/dictionary"))["cat"]
    assert cat["definitions"] == answered


async def test_stale_definitions_are_refreshed(
    api: httpx.AsyncClient, upstream: FakeUpstream, conn: asyncpg.Connection
) -> None:
    await fresh_corpus(api, upstream, conn)
    await api.get("/corpus/dictionary")
    upstream.requests.clear()
    upstream.entries["cat"] = [entry("cat", "A feline.", phonetic="/kat/")]
    # 23 hours old: still fresh under the 24-hour TTL.
    await conn.execute("update corpus.definitions set fetched_at = now() - interval '23 hours' where word = 'cat'")
    assert by_word(await api.get("/corpus/dictionary"))["cat"]["phonetic"] == "/kæt/"
    assert upstream.lookups() == 0
    # 25 hours old: refreshed.
    await conn.execute("update corpus.definitions set fetched_at = now() - interval '25 hours' where word = 'cat'")
    cat = by_word(await api.get("/corpus/dictionary"))["cat"]
    assert cat["definitions"] == ["A feline."] and cat["phonetic"] == "/kat/"
    assert dict(upstream.requests) == {"/api/v2/entries/en/cat": 1}
    assert await conn.fetchval(
        "select fetched_at > now() - interval '1 minute' from corpus.definitions where word = 'cat'"
    )


async def test_unknown_words_expire_sooner(
    api: httpx.AsyncClient, upstream: FakeUpstream, conn: asyncpg.Connection
) -> None:
    await fresh_corpus(api, upstream, conn)
    await api.get("/corpus/dictionary")
    upstream.requests.clear()
    # Two hours old: past the 1-hour TTL of unknown words, well within the 24 hours of known ones.
    await conn.execute("update corpus.definitions set fetched_at = now() - interval '2 hours'")
    upstream.entries["zebra"] = [entry("zebra", "A striped horse.")]
    words = by_word(await api.get("/corpus/dictionary"))
    assert upstream.lookups() == 5
    assert {p.rsplit("/", 1)[1] for p in upstream.requests} == {"and", "bird", "of", "zebra", "emu"}
    assert words["zebra"]["definitions"] == ["A striped horse."]
    assert await conn.fetchval("select found from corpus.definitions where word = 'zebra'")


async def test_ttls_come_from_the_settings(
    corpus_client: CorpusClient, upstream: FakeUpstream, conn: asyncpg.Connection
) -> None:
    async with corpus_client(dictionary_ttl_hours=0, unknown_word_ttl_hours=0) as api:
        await fresh_corpus(api, upstream, conn)
        await api.get("/corpus/dictionary")
        await api.get("/corpus/dictionary")
    assert upstream.lookups() == 20


async def test_dictionary_down_answers_at_once_from_cache_and_counts(
    api: httpx.AsyncClient, upstream: FakeUpstream, conn: asyncpg.Connection
) -> None:
    await fresh_corpus(api, upstream, conn)
    await api.get("/corpus/dictionary")
    await conn.execute("delete from corpus.definitions where word in ('the', 'dog')")
    await conn.execute("update corpus.definitions set fetched_at = now() - interval '3 days' where word = 'cat'")
    upstream.dictionary_mode = "fail"
    upstream.requests.clear()
    started = time.monotonic()
    words = by_word(await api.get("/corpus/dictionary"))
    assert time.monotonic() - started < 0.5
    assert [(w["word"], w["frequency"]) for w in words.values()] == TOP_TEN
    assert words["the"]["definitions"] == [] and words["dog"]["definitions"] == []
    # Stale definitions are kept when they cannot be refreshed.
    assert words["cat"]["definitions"][0] == "A small domesticated carnivorous mammal."
    assert words["a"]["definitions"] == ["The first letter of the English alphabet."]
    assert upstream.lookups() == 6  # the, dog and cat, each tried twice
    # Failures are not cached; the API is left alone for a while.
    assert await conn.fetchval("select count(*) from corpus.definitions where word in ('the', 'dog')") == 0
    again = await api.get("/corpus/dictionary")
    assert again.status_code == 200 and upstream.lookups() == 6


async def test_dictionary_hanging_is_cut_off_at_the_deadline(
    corpus_client: CorpusClient, upstream: FakeUpstream, conn: asyncpg.Connection
) -> None:
    async with corpus_client(**SHORT_TIMEOUTS) as api:
        await fresh_corpus(api, upstream, conn)
        upstream.dictionary_mode = "hang"
        started = time.monotonic()
        words = by_word(await api.get("/corpus/dictionary"))
        elapsed = time.monotonic() - started
    assert 0.5 < elapsed < 1.45, elapsed  # the 0.8 s deadline, not the 1.5 s hang
    assert len(words) == 10 and all(w["definitions"] == [] for w in words.values())
    assert await conn.fetchval("select count(*) from corpus.definitions") == 0


async def test_dictionary_unreachable(
    corpus_client: CorpusClient,
    closed_url: str,
    conn: asyncpg.Connection,
    upstream: FakeUpstream,
) -> None:
    async with corpus_client(dictionary_url=closed_url) as api:
        await store(api, upstream, *CORPUS)
        started = time.monotonic()
        words = by_word(await api.get("/corpus/dictionary"))
        assert time.monotonic() - started < 0.5
    assert len(words) == 10 and all(w["definitions"] == [] for w in words.values())


async def test_garbage_answers_are_not_cached(
    api: httpx.AsyncClient, upstream: FakeUpstream, conn: asyncpg.Connection
) -> None:
    await fresh_corpus(api, upstream, conn)
    upstream.dictionary_mode = "garbage"
    words = by_word(await api.get("/corpus/dictionary"))
    assert all(w["definitions"] == [] for w in words.values())
    assert await conn.fetchval("select count(*) from corpus.definitions") == 0
    upstream.dictionary_mode = "empty"
    upstream.requests.clear()
    async_words = by_word(await api.get("/corpus/dictionary"))
    assert len(async_words) == 10
    # Still within the pause after a round where every lookup failed.
    assert upstream.lookups() == 0


async def test_fetch_warms_the_cache(api: httpx.AsyncClient, upstream: FakeUpstream, conn: asyncpg.Connection) -> None:
    await store(api, upstream, *CORPUS)
    cached = {r["word"] for r in await conn.fetch("select word from corpus.definitions")}
    # The top ten, and the top ten without stopwords.
    assert cached == {w for w, _ in TOP_TEN} | {"fox", "gnu", "yak"}
    upstream.requests.clear()
    await api.get("/corpus/dictionary")
    await api.get("/corpus/dictionary", params={"exclude_stopwords": True})
    assert upstream.lookups() == 0


async def test_two_apps_warming_at_once(
    corpus_client: CorpusClient, upstream: FakeUpstream, conn: asyncpg.Connection
) -> None:
    async with corpus_client() as one, corpus_client() as two:
        await fresh_corpus(one, upstream, conn)
        answers = await asyncio.gather(*(http.get("/corpus/dictionary") for http in (one, two, one, two)))
    assert [a.status_code for a in answers] == [200] * 4
    assert await conn.fetchval("select count(*) from corpus.definitions") == 10
    assert by_word(answers[0])["cat"]["phonetic"] == "/kæt/"


@pytest.fixture
def served(database_url: str, upstream: FakeUpstream) -> Iterator[str]:
    """The real app served by uvicorn in a thread, so background tasks run after the response."""
    corpus = CorpusSettings(
        text_url=upstream.text_url,
        dictionary_url=upstream.dictionary_url,
        http_timeout=1.0,
        dictionary_deadline=1.0,
    )
    with served_in_thread(create_app(make_settings(database_url), corpus)) as url:
        yield url


async def test_warm_up_does_not_delay_the_fetch(served: str, upstream: FakeUpstream, conn: asyncpg.Connection) -> None:
    upstream.dictionary_mode = "hang"
    upstream.hang_seconds = 0.6
    async with httpx.AsyncClient(base_url=served, timeout=10) as http:
        response = await http.post("/corpus/fetch")
        assert response.status_code == 201, response.text
        # The answer came while the warm-up was still waiting on the hanging dictionary.
        assert await conn.fetchval("select count(*) from corpus.definitions") == 0
        upstream.dictionary_mode = "ok"
        # The warm-up started anyway and finishes on its own (its lookups retry after the hang).
        for _ in range(60):
            if await conn.fetchval("select count(*) from corpus.definitions"):
                break
            await asyncio.sleep(0.1)
        assert await conn.fetchval("select count(*) from corpus.definitions where word = 'cat'") == 1


async def test_no_connection_is_held_while_the_dictionary_hangs(
    corpus_client: CorpusClient, upstream: FakeUpstream, conn: asyncpg.Connection
) -> None:
    async with corpus_client(pool_min_size=1, pool_max_size=1, pool_acquire_timeout=0.3, **SHORT_TIMEOUTS) as api:
        await fresh_corpus(api, upstream, conn)
        upstream.dictionary_mode = "hang"
        slow = asyncio.create_task(api.get("/corpus/dictionary"))
        await asyncio.sleep(0.2)
        # With one connection in the pool and a 0.3 s acquire timeout, a held connection would be a 503.
        listed = await api.get("/corpus/paragraphs")
        assert listed.status_code == 200, listed.text
        assert not slow.done()
        assert (await slow).status_code == 200
