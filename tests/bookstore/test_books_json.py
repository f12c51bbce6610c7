"""GET /bookstore/books answers with JSON PostgreSQL built (books_page_json): the same values of the same
JSON types as the rows serialised through schemas.Book gave before, page by page and across pages."""

from typing import Any
from urllib.parse import quote

import asyncpg
import httpx
from fastapi import FastAPI

from app.bookstore import schemas, sql
from tests.bookstore.helpers import add_book
from tests.pages import typed, walk

BOOKS: list[dict[str, Any]] = [
    {
        "title": "River of Salt",
        "author": "Ada Ng",
        "categories": ["Poetry", "Épopée"],
        "published_year": 2001,
        "isbn": "978-0-441-47812-5",
        "price": "9.99",
    },
    {"title": "Golden River", "author": "Ada Ng", "categories": ["Poetry"], "published_year": 2001, "price": "12.00"},
    {
        "title": 'Ærø: “quotes”, "double" and \\ back\u0001slash',
        "author": "Ada Ng",
        "published_year": 1999,
        "price": "0.10",
    },
    {
        "title": "📚 Books about books",
        "author": "Bo Ek",
        "categories": ["Reference"],
        "published_year": 2020,
        "price": "99999999.99",
    },
    {
        "title": "Tab\there",
        "author": "Bo Ek",
        "categories": ["Poetry", "Reference", "Zines"],
        "published_year": 2020,
        "price": "0.01",
    },
    {"title": "No Price", "author": "Bo Ek", "categories": ["Zines"], "published_year": 1850},
    {"title": "Round Price", "author": "Cy Oh", "categories": ["Poetry"], "published_year": 2010, "price": "100"},
    {"title": "Half Price", "author": "Cy Oh", "published_year": 2010, "price": "1.5"},
    {"title": "River Deep", "author": "Cy Oh", "categories": ["Épopée"], "published_year": 1970, "price": "19.90"},
    {"title": "Last River", "author": "Ada Ng", "categories": ["Poetry"], "published_year": 1, "price": "7"},
]


async def expected(conn: asyncpg.Connection, author_id: int | None, category_id: int | None, q: str | None) -> Any:
    """Every matching book as schemas.Book serialised it for the answer before (rows, then pydantic)."""
    if category_id is None:
        rows: list[Any] = await sql.books_page(
            conn, author_id=author_id, title_words=q, after_year=None, after_id=None, page_size=1000
        )
    else:
        rows = await sql.books_in_category_page(
            conn,
            category_id=category_id,
            author_id=author_id,
            title_words=q,
            after_year=None,
            after_id=None,
            page_size=1000,
        )
    return [schemas.Book(**row).model_dump(mode="json") for row in rows]


async def test_pages_hold_the_values_and_types_the_rows_gave(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    made = [await add_book(client, **book) for book in BOOKS]
    ada, cy = made[0]["author_id"], made[6]["author_id"]
    poetry = await sql.category_id_by_name(conn, name="poetry")
    zines = await sql.category_id_by_name(conn, name="Zines")
    assert poetry is not None and zines is not None
    searches: list[tuple[str, int | None, int | None, str | None]] = [
        ("", None, None, None),
        (f"author_id={ada}", ada, None, None),
        (f"author={quote('ADA NG')}", ada, None, None),
        (f"author_id={cy}", cy, None, None),
        (f"category_id={poetry}", None, poetry, None),
        (f"category={quote('ÉPOPÉE'.lower())}", None, await sql.category_id_by_name(conn, name="épopée"), None),
        (f"category_id={poetry}&author_id={ada}", ada, poetry, None),
        (f"category_id={zines}", None, zines, None),
        ("q=river", None, None, "river"),
        (f"q=river&category_id={poetry}", None, poetry, "river"),
        ("author_id=999999", 999999, None, None),
        ("category=Nothing%20Here", None, 0, None),
        ("q=zeppelin", None, None, "zeppelin"),
    ]
    for query, author_id, category_id, q in searches:
        want = await expected(conn, author_id, category_id, q)
        for page_size in (1, 3, 100):
            items, pages = await walk(
                client, f"/bookstore/books?{query}&page_size={page_size}", page_size, max_pages=len(BOOKS) + 1
            )
            assert typed(items) == typed(want), (query, page_size)
            assert pages == max(1, -(-len(want) // page_size)), (query, page_size)
    prices = {book["title"]: book["price"] for book in await expected(conn, None, None, None)}
    assert prices["Golden River"] == 12.0 and isinstance(prices["Golden River"], float)
    assert prices["No Price"] is None and prices["📚 Books about books"] == 99999999.99


async def test_search_log_counts_the_books_answered(client: httpx.AsyncClient, app: FastAPI) -> None:
    for book in BOOKS:
        await add_book(client, **book)
    for query, count in (("author=Ada%20Ng&page_size=3", 3), ("author=Bo%20Ek", 3), ("author_id=999999", 0)):
        assert (await client.get(f"/bookstore/books?{query}")).status_code == 200
        await app.state.bookstore_search_log.drained()
        logs = (await client.get("/bookstore/logs")).json()
        assert logs[0]["result_count"] == count, (query, logs[0])
