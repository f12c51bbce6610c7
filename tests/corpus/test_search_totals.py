"""total_count at scale: exact up to 10,000 matches or from the word counts, a flagged lower bound
beyond; and the same pages whichever access path (primary key or GIN index) a search takes."""

import asyncpg
import httpx

from app.corpus import search_plan, seed
from tests.corpus.helpers import search

# Paragraphs of the synthetic corpus: "the" is in ~96%, "of" ~86%, so "the" AND "of" has > 10,000 matches.
PARAGRAPHS = 15_000


def no_progress(stage: str, done: int, total: int) -> None:
    pass


async def matching_ids(conn: asyncpg.Connection, words: list[str], match_all: bool) -> list[int]:
    """Every matching paragraph id, newest first, by brute force (no index, no word counts)."""
    return [
        r["id"]
        for r in await conn.fetch(
            "select id from corpus.paragraphs where content_words @@ corpus.words_query($1, $2) order by id + 0 desc",
            words,
            match_all,
        )
    ]


async def all_pages(api: httpx.AsyncClient, words: list[str], operator: str, page_size: int) -> list[int]:
    """Every id a client sees by following next_cursor, at most five pages."""
    ids: list[int] = []
    cursor = None
    for _ in range(5):
        body = (await search(api, *words, operator=operator, page_size=page_size, cursor=cursor)).json()
        ids += [p["id"] for p in body["paragraphs"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    return ids


async def test_totals_exact_or_flagged_lower_bound(conn: asyncpg.Connection, api: httpx.AsyncClient) -> None:
    await seed.load_synthetic(conn, PARAGRAPHS, no_progress)
    rare = await conn.fetchval(
        "select word from corpus.word_counts where paragraphs between 30 and 60 order by paragraphs, word limit 1"
    )
    mid = await conn.fetchval(
        "select word from corpus.word_counts where paragraphs between 500 and 900 order by paragraphs, word limit 1"
    )
    cases = [
        (["the"], "and"),  # one word: exact from the word counts, though > 10,000
        (["the", "of"], "or"),  # lower bound: the paragraphs of "the"
        (["the", "of"], "and"),  # counted up to 10,000
        ([rare], "and"),
        ([rare, "the"], "and"),  # GIN path, counted exactly
        ([rare, mid], "or"),
        ([mid, "of"], "and"),
        ([rare, "zyzzyva"], "or"),  # the absent word is dropped
        (["the", "zyzzyva"], "and"),  # nothing, without a search
        (["don't"], "or"),  # a phrase whose lexemes occur nowhere
    ]
    for words, operator in cases:
        truth = await matching_ids(conn, words, operator == "and")
        body = (await search(api, *words, operator=operator, page_size=7)).json()
        assert [p["id"] for p in body["paragraphs"]] == truth[:7], (words, operator)
        if len(truth) < search_plan.MAX_COUNT or words == ["the"]:
            assert (body["total_count"], body["total_count_relation"]) == (len(truth), "eq"), (words, operator)
        else:
            assert body["total_count_relation"] == "gte", (words, operator)
            assert search_plan.MAX_COUNT <= body["total_count"] <= len(truth), (words, operator)
        assert await all_pages(api, words, operator, 7) == truth[:35], (words, operator)
    # An OR of very common words reports its most common word's paragraphs as the lower bound.
    body = (await search(api, "the", "of", operator="or")).json()
    assert body["total_count"] == len(await matching_ids(conn, ["the"], False))
