"""Helpers for the corpus tests."""

import asyncpg
import httpx

from tests.corpus.upstream import FakeUpstream

# Every word with its count and its number of paragraphs, recomputed from the stored paragraphs
# (the same definition as the app).
RECOUNT = """
select w.lexeme as word, sum(cardinality(w.positions))::bigint as frequency, count(*) as paragraphs
from corpus.paragraphs as p
cross join lateral unnest(p.content_words) as w (lexeme, positions, weights)
group by w.lexeme
"""


async def store(api: httpx.AsyncClient, upstream: FakeUpstream, *paragraphs: str) -> list[int]:
    """Fetch each paragraph through POST /corpus/fetch (the fake source serves them in order); their ids."""
    upstream.paragraphs = list(paragraphs)
    upstream.served = 0
    ids = []
    for _ in paragraphs:
        response = await api.post("/corpus/fetch")
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


async def word_counts(conn: asyncpg.Connection) -> dict[str, int]:
    return {r["word"]: r["frequency"] for r in await conn.fetch("select word, frequency from corpus.word_counts")}


async def recount(conn: asyncpg.Connection) -> dict[str, int]:
    return {r["word"]: r["frequency"] for r in await conn.fetch(RECOUNT)}


async def paragraph_counts(conn: asyncpg.Connection) -> dict[str, int]:
    """Each word's number of paragraphs as the app keeps it (corpus.word_counts.paragraphs)."""
    return {r["word"]: r["paragraphs"] for r in await conn.fetch("select word, paragraphs from corpus.word_counts")}


async def recount_paragraphs(conn: asyncpg.Connection) -> dict[str, int]:
    return {r["word"]: r["paragraphs"] for r in await conn.fetch(RECOUNT)}


async def search(api: httpx.AsyncClient, *words: str, operator: str = "and", **extra: object) -> httpx.Response:
    return await api.post("/corpus/search", json={"words": list(words), "operator": operator, **extra})
