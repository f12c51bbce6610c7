"""The search log: one row per filtered search, written in batches after the response, never
breaking it, and drained at shutdown."""

import logging

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from app.main import create_app
from tests.bookstore.helpers import add_book
from tests.conftest import make_settings
from tests.pages import walk


async def written(app: FastAPI) -> None:
    """Wait until the search log writer has written everything queued so far."""
    await app.state.bookstore_search_log.drained()


async def test_filtered_searches_are_logged_most_recent_first(client: httpx.AsyncClient, app: FastAPI) -> None:
    await add_book(client, author="Ann Apple", categories=["Fiction"])
    await add_book(client, author="Ann Apple", categories=["Poetry"])
    await client.get("/bookstore/books", params={"author": "ann apple"})
    await client.get("/bookstore/books", params={"category": "Poetry", "q": "untitled"})
    await client.get("/bookstore/books")  # no author or category filter: not logged
    await client.get("/bookstore/books", params={"q": "untitled"})  # title words alone: not logged
    await written(app)
    logs = (await client.get("/bookstore/logs")).json()
    assert [entry["filters"] for entry in logs] == [{"category": "Poetry", "q": "untitled"}, {"author": "ann apple"}]
    assert [entry["result_count"] for entry in logs] == [1, 2]
    assert all(entry["duration_ms"] >= 0 and entry["searched_at"] for entry in logs)


async def test_logs_paginate(client: httpx.AsyncClient, app: FastAPI) -> None:
    for i in range(7):
        await client.get("/bookstore/books", params={"author_id": i + 1})
    await written(app)
    items, pages = await walk(client, "/bookstore/logs?page_size=3")
    assert pages == 3
    assert [entry["filters"]["author_id"] for entry in items] == [7, 6, 5, 4, 3, 2, 1]


async def test_failing_log_write_never_breaks_the_search(
    client: httpx.AsyncClient, app: FastAPI, conn: asyncpg.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    await add_book(client, author="Ann Apple")
    await conn.execute("alter table bookstore.search_logs add constraint refuse_all check (false) not valid")
    with caplog.at_level(logging.ERROR):
        response = await client.get("/bookstore/books", params={"author": "Ann Apple"})
        await written(app)
    assert response.status_code == 200
    assert [b["author"] for b in response.json()] == ["Ann Apple"]
    assert "search log" in caplog.text
    assert await conn.fetchval("select count(*) from bookstore.search_logs") == 0


async def test_searches_queued_at_shutdown_are_written(database_url: str, conn: asyncpg.Connection) -> None:
    application = create_app(make_settings(database_url))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            answers = [await http.get("/bookstore/books", params={"author_id": i}) for i in range(1, 51)]
    # The lifespan has ended: the pool is closed, and every search was written before it closed.
    assert all(a.status_code == 200 for a in answers)
    assert await conn.fetchval("select count(*) from bookstore.search_logs") == 50
