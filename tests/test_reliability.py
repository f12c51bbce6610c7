"""Errors say what a client needs and no more; request ids; limits (body size, statement and pool timeouts)."""

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from app.main import create_app
from tests.conftest import assert_error, make_settings
from tests.servers import served_in_thread

BOOK = {"title": "Frankenstein", "author": "Mary Shelley", "published_year": 1818, "isbn": "978-0-14-143947-1"}


@pytest.fixture
async def small_limits(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """An app with a 1,000-byte body limit, a 500 ms statement timeout and a 0.1 s pool wait."""
    app = create_app(
        make_settings(
            database_url, max_body_bytes=1000, statement_timeout_ms=500, pool_acquire_timeout=0.1, pool_max_size=2
        )
    )
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
            yield http


async def test_every_answer_has_a_request_id_and_errors_repeat_it(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    ok = await client.get("/health")
    assert len(ok.headers["x-request-id"]) >= 16
    with caplog.at_level(logging.INFO, logger="app.requests"):
        missing = await client.get("/bookstore/books/424242")
    rid = missing.headers["x-request-id"]
    assert missing.json()["request_id"] == rid and rid != ok.headers["x-request-id"]
    assert any(rid in record.getMessage() and "404" in record.getMessage() for record in caplog.records)


async def test_a_clients_request_id_is_kept_and_a_strange_one_replaced(client: httpx.AsyncClient) -> None:
    mine = await client.get("/bookstore/books/424242", headers={"X-Request-ID": "lb-7f3a.42"})
    assert mine.headers["x-request-id"] == "lb-7f3a.42" == mine.json()["request_id"]
    odd = await client.get("/health", headers={"X-Request-ID": "<script>" + "x" * 100})
    assert odd.headers["x-request-id"] != "<script>" + "x" * 100 and odd.headers["x-request-id"].isalnum()


async def test_database_refusals_carry_no_postgresql_wording(client: httpx.AsyncClient) -> None:
    first = await client.post("/bookstore/books", json=BOOK)
    assert first.status_code == 201
    again = await client.post("/bookstore/books", json={**BOOK, "title": "Another"})
    assert_error(again, 409, "already exists", "isbn")
    author_in_use = await client.delete(f"/bookstore/authors/{first.json()['author_id']}")
    assert_error(author_in_use, 409, "still")
    for answer in (again, author_in_use):
        for leak in ("Key (", "violates", "DETAIL", "asyncpg", "relation"):
            assert leak not in answer.text


async def test_an_unexpected_failure_is_json_with_no_stack(database_url: str) -> None:
    app: FastAPI = create_app(make_settings(database_url))

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret detail at /srv/catalog/app/x.py line 3")

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            answer = await http.get("/boom")
    assert answer.status_code == 500
    assert answer.json()["request_id"]
    assert "secret" not in answer.text and "Traceback" not in answer.text and ".py" not in answer.text


async def test_a_body_over_the_limit_answers_413(small_limits: httpx.AsyncClient) -> None:
    big = {**BOOK, "title": "x" * 2000}
    answer = await small_limits.post("/bookstore/books", json=big)
    assert_error(answer, 413, "larger than the limit of 1,000 bytes")
    assert answer.headers["x-request-id"] == answer.json()["request_id"]
    assert (await small_limits.post("/bookstore/books", json=BOOK)).status_code == 201


@pytest.fixture
def served_small_limits(database_url: str) -> Iterator[str]:
    with served_in_thread(create_app(make_settings(database_url, max_body_bytes=1000))) as url:
        yield url


def test_a_chunked_body_is_cut_off_at_the_limit(served_small_limits: str) -> None:
    """No Content-Length: the body is counted as it arrives, and refused once past the limit."""
    sent = 0

    def chunks() -> Iterator[bytes]:
        nonlocal sent
        yield b'{"title": "'
        for _ in range(1000):  # 1 MB offered in all
            sent += 1000
            yield b"x" * 1000
        yield b'"}'

    with httpx.Client(base_url=served_small_limits, timeout=30) as http:
        try:
            answer = http.post("/bookstore/books", content=chunks(), headers={"Content-Type": "application/json"})
        except httpx.HTTPError:  # the server may close the connection before the client finished sending
            pytest.skip("the server closed the connection while the client was still sending")
        assert_error(answer, 413, "larger than the limit")


async def test_a_statement_timeout_answers_503_with_retry_after(
    small_limits: httpx.AsyncClient, database_url: str
) -> None:
    blocker = await asyncpg.connect(database_url)
    try:
        async with blocker.transaction():
            await blocker.execute("lock table bookstore.authors in access exclusive mode")
            answer = await small_limits.get("/bookstore/authors")
    finally:
        await blocker.close()
    assert_error(answer, 503, "too long")
    assert int(answer.headers["retry-after"]) > 0


async def test_no_free_connection_answers_503_with_retry_after(
    small_limits: httpx.AsyncClient, database_url: str
) -> None:
    blocker = await asyncpg.connect(database_url)
    try:
        async with blocker.transaction():
            await blocker.execute("lock table bookstore.authors in access exclusive mode")
            # Two slow requests hold both pooled connections; the third waits 0.1 s for one.
            answers = await asyncio.gather(*(small_limits.get("/bookstore/authors") for _ in range(3)))
    finally:
        await blocker.close()
    assert all(a.status_code == 503 for a in answers)
    assert any("no database connection became free" in a.json()["detail"] for a in answers)
    assert all(int(a.headers["retry-after"]) > 0 for a in answers)
