"""POST /corpus/fetch: store a paragraph from the text source, or 502/504 and store nothing."""

import asyncio
import time

import asyncpg
import httpx

from tests.conftest import assert_error
from tests.corpus.conftest import SHORT_TIMEOUTS, CorpusClient
from tests.corpus.helpers import paragraph_counts, recount, recount_paragraphs, store, word_counts
from tests.corpus.upstream import FakeUpstream


async def nothing_stored(conn: asyncpg.Connection) -> bool:
    paragraphs = await conn.fetchval("select count(*) from corpus.paragraphs")
    counts = await conn.fetchval("select count(*) from corpus.word_counts")
    return bool(paragraphs == 0 and counts == 0)


async def test_fetch_stores_the_paragraph_and_counts_its_words(
    api: httpx.AsyncClient, upstream: FakeUpstream, conn: asyncpg.Connection
) -> None:
    upstream.paragraphs = ["  The cat saw the other cat, and THE dog.\n"]
    response = await api.post("/corpus/fetch")
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"id", "content", "created_at"}
    assert body["content"] == "The cat saw the other cat, and THE dog."
    assert upstream.texts() == 1

    stored = await api.get(f"/corpus/paragraphs/{body['id']}")
    assert stored.status_code == 200
    assert stored.json() == body
    assert await word_counts(conn) == {"the": 3, "cat": 2, "saw": 1, "other": 1, "and": 1, "dog": 1}


async def test_counts_add_up_over_fetches(
    api: httpx.AsyncClient,
    upstream: FakeUpstream,
    conn: asyncpg.Connection,
) -> None:
    await store(api, upstream, "One cat.", "One dog, one cat.", "A well-known fact: don't panic.")
    counts = await word_counts(conn)
    assert counts["one"] == 3 and counts["cat"] == 2 and counts["dog"] == 1
    # The word definition of the search: the parser's lexemes, hyphenated words also as their parts,
    # apostrophes splitting words.
    assert counts["well-known"] == counts["well"] == counts["known"] == 1
    assert counts["don"] == counts["t"] == 1
    assert counts == await recount(conn)
    # And in how many paragraphs each word is: "one" twice in the second paragraph, so in 2, not 3.
    paragraphs = await paragraph_counts(conn)
    assert paragraphs["one"] == 2 and paragraphs["cat"] == 2 and paragraphs["dog"] == 1
    assert paragraphs == await recount_paragraphs(conn)


async def test_server_error_is_retried_once(
    api: httpx.AsyncClient,
    upstream: FakeUpstream,
    conn: asyncpg.Connection,
) -> None:
    upstream.fail_next = 1
    response = await api.post("/corpus/fetch")
    assert response.status_code == 201, response.text
    assert upstream.texts() == 2


async def test_source_failing_is_502_and_nothing_stored(
    api: httpx.AsyncClient, upstream: FakeUpstream, conn: asyncpg.Connection
) -> None:
    upstream.text_mode = "fail"
    response = await api.post("/corpus/fetch")
    assert_error(response, 502, "text source", upstream.text_url, "HTTP 500", "nothing was stored")
    assert upstream.texts() == 2  # the first try and one retry
    assert await nothing_stored(conn)


async def test_source_hanging_is_504_within_two_timeouts(
    corpus_client: CorpusClient, upstream: FakeUpstream, conn: asyncpg.Connection
) -> None:
    upstream.text_mode = "hang"
    async with corpus_client(**SHORT_TIMEOUTS) as api:
        started = time.monotonic()
        response = await api.post("/corpus/fetch")
        elapsed = time.monotonic() - started
    assert_error(response, 504, "text source", "did not answer within 0.3s")
    assert elapsed < 1.45, elapsed  # two 0.3 s timeouts, not the 1.5 s hang
    assert await nothing_stored(conn)


async def test_empty_body_is_502(api: httpx.AsyncClient, upstream: FakeUpstream, conn: asyncpg.Connection) -> None:
    upstream.text_mode = "empty"
    assert_error(await api.post("/corpus/fetch"), 502, "text source", "empty body")
    assert await nothing_stored(conn)


async def test_blank_paragraph_is_502(api: httpx.AsyncClient, upstream: FakeUpstream, conn: asyncpg.Connection) -> None:
    upstream.paragraphs = [" \n\t "]
    assert_error(await api.post("/corpus/fetch"), 502, "text source", "empty body")
    upstream.paragraphs = ["... -- !!!"]
    assert_error(await api.post("/corpus/fetch"), 502, "text source", "without a single word")
    assert await nothing_stored(conn)


async def test_garbage_is_502(api: httpx.AsyncClient, upstream: FakeUpstream, conn: asyncpg.Connection) -> None:
    upstream.text_mode = "garbage"
    assert_error(await api.post("/corpus/fetch"), 502, "text source", "application/octet-stream")
    upstream.text_mode = "html"
    assert_error(await api.post("/corpus/fetch"), 502, "text source", "text/html")
    upstream.text_mode = "ok"
    upstream.paragraphs = ["nul \x00 inside"]
    assert_error(await api.post("/corpus/fetch"), 502, "text source", "control characters")
    upstream.paragraphs = ["word " * 2001]
    assert_error(await api.post("/corpus/fetch"), 502, "text source", "at most 10,000")
    assert await nothing_stored(conn)


async def test_unreachable_source_is_502(
    corpus_client: CorpusClient,
    closed_url: str,
    conn: asyncpg.Connection,
) -> None:
    async with corpus_client(text_url=closed_url) as api:
        response = await api.post("/corpus/fetch")
    assert_error(response, 502, "text source", closed_url, "could not be reached")
    assert await nothing_stored(conn)


async def test_concurrent_fetches_never_lose_or_double_a_count(
    corpus_client: CorpusClient, upstream: FakeUpstream, conn: asyncpg.Connection
) -> None:
    upstream.paragraphs = [
        "The cat and the dog and the bird.",
        "A dog is the best friend of a cat, and the cat knows it.",
        "Zebra crossing, the zebra crossed; the end.",
        "Don't count the well-known chickens before the well-known eggs hatch.",
        "The the the the the.",
    ]
    async with corpus_client(pool_max_size=8) as api:
        responses = await asyncio.gather(*(api.post("/corpus/fetch") for _ in range(60)))
    assert [r.status_code for r in responses] == [201] * 60
    assert len({r.json()["id"] for r in responses}) == 60
    assert await conn.fetchval("select count(*) from corpus.paragraphs") == 60
    counts = await word_counts(conn)
    assert counts == await recount(conn)
    assert await paragraph_counts(conn) == await recount_paragraphs(conn)
    # 12 of each paragraph: "the" occurs 3 + 2 + 2 + 2 + 5 times in the five.
    assert counts["the"] == 12 * 14


async def test_no_connection_is_held_while_the_source_hangs(
    corpus_client: CorpusClient, upstream: FakeUpstream
) -> None:
    async with corpus_client(pool_min_size=1, pool_max_size=1, pool_acquire_timeout=0.3, **SHORT_TIMEOUTS) as api:
        upstream.text_mode = "hang"
        slow = asyncio.create_task(api.post("/corpus/fetch"))
        await asyncio.sleep(0.1)
        # With one connection in the pool and a 0.3 s acquire timeout, a held connection would be a 503.
        listed = await api.get("/corpus/paragraphs")
        assert listed.status_code == 200, listed.text
        assert not slow.done()
        assert (await slow).status_code == 504
