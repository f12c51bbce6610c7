"""POST /corpus/search answers with the page's JSON built by PostgreSQL (search_plan.page_json): the
same values of the same JSON types as the rows serialised through schemas.SearchResult gave before."""

import json
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx

from app.corpus import schemas, search_plan, sql
from app.pagination import encode_cursor
from tests.corpus.helpers import store
from tests.corpus.upstream import FakeUpstream
from tests.pages import typed

PARAGRAPHS = [
    'The river ran “quoted” and "double" with a \\ backslash.',
    "Ærø river\tbank, a tab and a control\u0001character.",
    "📚 books about the river",
    "Nothing to see here.",
    "The sea, the sea.",
    "River, river, river!",
    "Only the sea.",
]
# created_at in each shape pydantic writes: with microseconds, without, a year below 1000.
STAMPS = [
    datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC),
    datetime(2024, 12, 31, 23, 59, 59, 120000, tzinfo=UTC),
    datetime(5, 1, 1, tzinfo=UTC),
]


async def expected(conn: asyncpg.Connection, words: list[str], match_all: bool, after_id: int | None, size: int) -> Any:
    """The answer as the handler built it before: rows, then schemas.SearchResult."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        counts = await sql.word_paragraph_counts(conn, words=words)
        found = search_plan.outline(words, match_all, counts)
        rows = await search_plan.page(conn, found, match_all, after_id, size + 1)
        page, more = rows[:size], len(rows) > size
        total, relation = await search_plan.total(
            conn, found, match_all, len(page) if after_id is None and not more else None
        )
    return schemas.SearchResult(
        paragraphs=[schemas.Paragraph(**r) for r in page],
        total_count=total,
        total_count_relation=relation,
        next_cursor=encode_cursor([page[-1]["id"]]) if more else None,
    ).model_dump(mode="json")


async def test_answers_hold_the_values_and_types_the_rows_gave(
    api: httpx.AsyncClient, upstream: FakeUpstream, conn: asyncpg.Connection
) -> None:
    ids = await store(api, upstream, *PARAGRAPHS)
    for paragraph_id, stamp in zip(ids, STAMPS):  # the only way to give a row an old or round timestamp
        await conn.execute("update corpus.paragraphs set created_at = $2 where id = $1", paragraph_id, stamp)
    searches = [
        (["river"], True),
        (["river", "sea"], False),
        (["the", "sea"], True),
        (["zyzzyva"], True),
        (["zyzzyva", "sea"], False),
        (["river", "zyzzyva"], True),
    ]
    for words, match_all in searches:
        for size in (1, 2, 20):
            after_id: int | None = None
            pages = 0
            while True:
                body: dict[str, Any] = {"words": words, "operator": "and" if match_all else "or", "page_size": size}
                if after_id is not None:
                    body["cursor"] = encode_cursor([after_id])
                response = await api.post("/corpus/search", json=body)
                assert response.status_code == 200, response.text
                assert response.headers["content-type"] == "application/json"
                got = json.loads(response.content)
                assert typed(got) == typed(await expected(conn, words, match_all, after_id, size)), (words, size, pages)
                pages += 1
                if got["next_cursor"] is None:
                    break
                after_id = got["paragraphs"][-1]["id"]
                assert pages <= len(PARAGRAPHS)
    stamps = {
        p["id"]: p["created_at"]
        for p in (
            await api.post(
                "/corpus/search",
                json={"words": ["river", "sea", "nothing", "books"], "operator": "or", "page_size": 100},
            )
        ).json()["paragraphs"]
    }
    assert [stamps[i] for i in ids[:3]] == [
        "2001-02-03T04:05:06Z",
        "2024-12-31T23:59:59.120000Z",
        "0005-01-01T00:00:00Z",
    ]
