"""Concurrency: racing creates never duplicate a name, and a slow query never blocks other requests."""

import asyncio
import time
from collections.abc import Iterator

import aiosql
import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from app.database import Connection
from app.main import create_app
from app.settings import ROOT
from tests.bookstore.helpers import add_book
from tests.conftest import make_settings
from tests.servers import served_in_thread

test_queries = aiosql.from_path(ROOT / "tests" / "sql", "asyncpg")


async def test_racing_creates_share_one_author_and_category(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    async def create(i: int) -> httpx.Response:
        body = {
            "title": f"Book {i}",
            "author": ["New Author", "NEW AUTHOR", "new author"][i % 3],
            "categories": [["Fresh", "Other"], ["OTHER", "fresh"]][i % 2],
            "published_year": 2000,
        }
        return await client.post("/bookstore/books", json=body)

    responses = await asyncio.gather(*(create(i) for i in range(30)))
    assert [r.status_code for r in responses] == [201] * 30
    assert len({r.json()["author_id"] for r in responses}) == 1
    assert await conn.fetchval("select count(*) from bookstore.authors") == 1
    assert await conn.fetchval("select count(*) from bookstore.categories") == 2
    assert await conn.fetchval("select count(*) from bookstore.book_category") == 60


@pytest.fixture
def served_app(database_url: str) -> Iterator[str]:
    """The real app plus a test-only slow endpoint, served by uvicorn on 127.0.0.1 in a thread."""
    app: FastAPI = create_app(make_settings(database_url, pool_max_size=10))

    @app.get("/test/slow")
    async def slow(conn: Connection, seconds: float) -> dict[str, bool]:
        return {"slept": await test_queries.hold_connection(conn, seconds=seconds)}

    with served_in_thread(app) as url:
        yield url


async def test_slow_query_does_not_block_other_requests(served_app: str) -> None:
    limits = httpx.Limits(max_connections=200)
    async with httpx.AsyncClient(base_url=served_app, limits=limits, timeout=30) as http:
        await add_book(http, author="Ann Apple", categories=["Fiction"])
        slow = asyncio.create_task(http.get("/test/slow", params={"seconds": 6}))
        await asyncio.sleep(0.5)
        assert not slow.done()

        started = time.monotonic()
        searches = await asyncio.gather(
            *(http.get("/bookstore/books", params={"author": "Ann Apple"}) for _ in range(100))
        )
        elapsed = time.monotonic() - started

        assert [r.status_code for r in searches] == [200] * 100, {r.status_code: r.text for r in searches}
        assert all(r.json()[0]["author"] == "Ann Apple" for r in searches)
        # All 100 searches finished while the slow query was still holding its connection.
        assert not slow.done(), f"searches took {elapsed:.1f}s, as long as the slow query"
        assert (await slow).json() == {"slept": True}
