"""The search log: one row per filtered search, written after the response, never breaking it."""

import asyncio
import logging

import asyncpg
import httpx
import pytest

from tests.bookstore.helpers import add_book, walk


async def test_filtered_searches_are_logged_most_recent_first(client: httpx.AsyncClient) -> None:
    await add_book(client, author="Ann Apple", categories=["Fiction"])
    await add_book(client, author="Ann Apple", categories=["Poetry"])
    await client.get("/bookstore/books", params={"author": "ann apple"})
    await client.get("/bookstore/books", params={"category": "Poetry", "q": "untitled"})
    await client.get("/bookstore/books")  # no author or category filter: not logged
    await client.get("/bookstore/books", params={"q": "untitled"})  # title words alone: not logged
    logs = (await client.get("/bookstore/logs")).json()
    assert [entry["filters"] for entry in logs] == [{"category": "Poetry", "q": "untitled"}, {"author": "ann apple"}]
    assert [entry["result_count"] for entry in logs] == [1, 2]
    assert all(entry["duration_ms"] >= 0 and entry["searched_at"] for entry in logs)


async def test_logs_paginate(client: httpx.AsyncClient) -> None:
    for i in range(7):
        await client.get("/bookstore/books", params={"author_id": i + 1})
    items, pages = await walk(client, "/bookstore/logs?page_size=3")
    assert pages == 3
    assert [entry["filters"]["author_id"] for entry in items] == [7, 6, 5, 4, 3, 2, 1]


async def test_failing_log_write_never_breaks_the_search(
    client: httpx.AsyncClient, conn: asyncpg.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    await add_book(client, author="Ann Apple")
    await conn.execute("alter table bookstore.search_logs add constraint refuse_all check (false) not valid")
    with caplog.at_level(logging.ERROR):
        response = await client.get("/bookstore/books", params={"author": "Ann Apple"})
        await asyncio.sleep(0)
    assert response.status_code == 200
    assert [b["author"] for b in response.json()] == ["Ann Apple"]
    assert "search log" in caplog.text
    assert await conn.fetchval("select count(*) from bookstore.search_logs") == 0
