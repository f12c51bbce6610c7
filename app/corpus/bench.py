"""The corpus's part of `scripts/bench`: its hot searches and the ceiling's handler for them
(the bench-module contract: app/bench/modules.py)."""

import json
from typing import Any

import asyncpg

from app.bench.cases import Case
from app.bench.ceiling import Ceiling, Query, Routes
from app.corpus import search_plan, sql

SIZED = True
PAIR_RANK = 1000  # the two-word AND case: the words at this rank by paragraph count and the next


async def cases(conn: asyncpg.Connection) -> list[Case]:
    rare = await sql.bench_rarest_word(conn)
    pair = [r["word"] for r in await sql.bench_words_at_rank(conn, word_rank=PAIR_RANK, word_count=2)]
    return [
        Case("corpus", "rare word", "/corpus/search", {"words": [rare], "operator": "and"}),
        Case("corpus", "absent word", "/corpus/search", {"words": ["zyzzyva"], "operator": "and"}),
        Case("corpus", "two words AND", "/corpus/search", {"words": pair, "operator": "and"}),
        Case("corpus", '"the" OR "of"', "/corpus/search", {"words": ["the", "of"], "operator": "or"}),
    ]


def ceiling_routes(ceiling: Ceiling) -> Routes:
    async def search(conn: asyncpg.Connection, query: Query, body: bytes) -> Any:
        """POST /corpus/search: the app's search without a framework (no cursor)."""
        given = json.loads(body)
        words = list(dict.fromkeys(given["words"]))
        match_all = given.get("operator", "and") == "and"
        size = given.get("page_size") or 20
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            counts = await sql.word_paragraph_counts(conn, words=words)
            found = search_plan.outline(words, match_all, counts)
            rows = await search_plan.page(conn, found, match_all, None, size + 1)
            page, more = rows[:size], len(rows) > size
            total, relation = await search_plan.total(conn, found, match_all, None if more else len(page))
        return {"paragraphs": page, "total_count": total, "total_count_relation": relation, "next_cursor": None}

    return {("POST", "/corpus/search"): search}


def postgres_json_routes(ceiling: Ceiling) -> Routes:
    async def search(conn: asyncpg.Connection, query: Query, body: bytes) -> Any:
        """POST /corpus/search with the page's JSON built by PostgreSQL (the app's search_plan.page_json),
        spliced into the answer's object."""
        given = json.loads(body)
        words = list(dict.fromkeys(given["words"]))
        match_all = given.get("operator", "and") == "and"
        size = given.get("page_size") or 20
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            counts = await sql.word_paragraph_counts(conn, words=words)
            found = search_plan.outline(words, match_all, counts)
            page = await search_plan.page_json(conn, found, match_all, None, size)
            more = page["next_id"] is not None
            total, relation = await search_plan.total(conn, found, match_all, None if more else page["items"])
        return (
            f'{{"paragraphs":{page["body"]},"total_count":{total},"total_count_relation":"{relation}","next_cursor":null}}'
        ).encode()

    return {("POST", "/corpus/search"): search}
