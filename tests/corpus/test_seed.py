"""The corpus seeds: the demo corpus and the deterministic synthetic one, with their word counts."""

import asyncpg
import httpx

from app.cli import build_parser
from app.corpus import seed
from app.settings import Settings
from tests.corpus.helpers import paragraph_counts, recount, recount_paragraphs, search, word_counts


def no_progress(stage: str, done: int, total: int) -> None:
    pass


async def test_synthetic_corpus(conn: asyncpg.Connection) -> None:
    assert await seed.is_empty(conn)
    await seed.load_synthetic(conn, 3000, no_progress)
    assert not await seed.is_empty(conn)
    lengths = await conn.fetchrow(
        "select count(*) as n, min(cardinality(regexp_split_to_array(content, ' '))) as least,"
        " max(cardinality(regexp_split_to_array(content, ' '))) as most from corpus.paragraphs"
    )
    assert lengths is not None and lengths["n"] == 3000
    assert 30 <= lengths["least"] and lengths["most"] <= 80
    counts = await word_counts(conn)
    assert counts == await recount(conn)
    assert await paragraph_counts(conn) == await recount_paragraphs(conn)
    top = sorted(counts, key=lambda w: (-counts[w], w))
    assert top[:3] == ["the", "of", "and"]
    # Skewed: the most frequent word is about 8% of all words, and most words are rare.
    total = sum(counts.values())
    assert 0.06 < counts["the"] / total < 0.10
    assert sum(1 for f in counts.values() if f < 10) > len(counts) / 3
    # The identity continues after the loaded ids.
    assert await conn.fetchval("insert into corpus.paragraphs (content) values ('x') returning id") == 3001


async def test_synthetic_corpus_is_deterministic(conn: asyncpg.Connection) -> None:
    await seed.load_synthetic(conn, 500, no_progress)
    first = await conn.fetchval("select md5(string_agg(content, '|' order by id)) from corpus.paragraphs")
    await seed.clear(conn)
    assert await seed.is_empty(conn)
    assert await conn.fetchval("select count(*) from corpus.word_counts") == 0
    await seed.load_synthetic(conn, 500, no_progress)
    again = await conn.fetchval("select md5(string_agg(content, '|' order by id)) from corpus.paragraphs")
    assert again == first


async def test_demo_corpus(conn: asyncpg.Connection, api: httpx.AsyncClient) -> None:
    await seed.load_demo(conn)
    assert await conn.fetchval("select count(*) from corpus.paragraphs") >= 30
    assert await word_counts(conn) == await recount(conn)
    response = await search(api, "one")
    assert response.json()["total_count"] > 3
    assert (await api.get("/corpus/dictionary")).status_code == 200


def test_cli_takes_paragraphs() -> None:
    args = build_parser(Settings()).parse_args(["seed", "--paragraphs", "1000"])
    assert args.paragraphs == 1000
