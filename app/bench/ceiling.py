"""The ceiling: a bare ASGI app on asyncpg answering the benchmarked endpoints with the same SQL.

No framework, no validation, no dependency injection, no response models: it parses the query
string or JSON body, runs the same generated statements as the app's handlers (same pool settings:
app.database.create_pool), queues the same search-log entry on the same batching writer, and
writes the rows as JSON. What the app spends beyond this is what FastAPI and our code cost.
Served by uvicorn like the app: `python -m app.bench.ceiling` (BENCH_DATABASE_URL, HOST, PORT).
"""

import json
import os
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast
from urllib.parse import parse_qs

import asyncpg
import uvicorn
from starlette.types import Message, Receive, Scope, Send

from app.background import BatchWriter
from app.bookstore import sql as bookstore_sql
from app.bookstore.router import SearchLogEntry, write_search_logs
from app.cookbook import sql as cookbook_sql
from app.corpus import search_plan
from app.corpus import sql as corpus_sql
from app.database import create_pool
from app.inventory import sql as inventory_sql
from app.settings import Settings

Query = dict[str, list[str]]
Handler = Callable[[asyncpg.Connection, Query, bytes], Awaitable[Any]]


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot serialize {type(value).__name__}")


def _one(query: Query, name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _int(query: Query, name: str) -> int | None:
    value = _one(query, name)
    return int(value) if value is not None else None


class Ceiling:
    """The ASGI app: one pool, one search-log writer, a handler per path."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.settings = Settings(database_url=url)
        self.pool: asyncpg.Pool | None = None
        self.log = BatchWriter[SearchLogEntry]("ceiling search log", write_search_logs)
        self.routes: dict[tuple[str, str], Handler] = {
            ("GET", "/bookstore/books"): self.books,
            ("POST", "/corpus/search"): self.corpus_search,
            ("GET", "/cookbook/recipes/search"): self.recipes,
            ("GET", "/inventory/products"): self.products,
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(receive, send)
            return
        handler = self.routes.get((scope["method"], scope["path"]))
        if handler is None:
            await self.answer(send, 404, {"detail": "not found"})
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        query = parse_qs(scope["query_string"].decode())
        assert self.pool is not None
        async with self.pool.acquire() as conn:
            result = await handler(cast(asyncpg.Connection, conn), query, body)
        await self.answer(send, 200, result)

    async def lifespan(self, receive: Receive, send: Send) -> None:
        message: Message = await receive()
        self.pool = await create_pool(self.url, self.settings)
        self.log.start(self.pool)
        await send({"type": "lifespan.startup.complete"})
        message = await receive()
        assert message["type"] == "lifespan.shutdown"
        await self.log.stop(10)
        await self.pool.close()
        await send({"type": "lifespan.shutdown.complete"})

    @staticmethod
    async def answer(send: Send, status: int, payload: Any) -> None:
        body = json.dumps(payload, default=_plain).encode()
        await send({
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        })
        await send({"type": "http.response.body", "body": body})

    async def books(self, conn: asyncpg.Connection, query: Query, body: bytes) -> Any:
        """GET /bookstore/books: the app's list_books without a framework (no cursor)."""
        started = time.perf_counter()
        page_size = _int(query, "page_size") or 20
        author_id, category_id = _int(query, "author_id"), _int(query, "category_id")
        author, category, q = _one(query, "author"), _one(query, "category"), _one(query, "q")
        if author is not None:
            author_id = await bookstore_sql.author_id_by_name(conn, name=author.strip()) or 0
        if category is not None:
            category_id = await bookstore_sql.category_id_by_name(conn, name=category.strip()) or 0
        if category_id is None:
            rows: list[Any] = await bookstore_sql.books_page(
                conn, author_id=author_id, title_words=q, after_year=None, after_id=None, page_size=page_size + 1
            )
        else:
            rows = await bookstore_sql.books_in_category_page(
                conn, category_id=category_id, author_id=author_id, title_words=q, after_year=None, after_id=None,
                page_size=page_size + 1,
            )
        rows = rows[:page_size]
        filters = {k: v for k, v in {"author": author, "author_id": author_id, "category": category,
                                     "category_id": category_id, "q": q}.items() if v is not None}
        elapsed_ms = (time.perf_counter() - started) * 1000
        self.log.add(SearchLogEntry(filters, len(rows), elapsed_ms, datetime.now(UTC)))
        return rows

    async def corpus_search(self, conn: asyncpg.Connection, query: Query, body: bytes) -> Any:
        """POST /corpus/search: the app's search without a framework (no cursor)."""
        given = json.loads(body)
        words = list(dict.fromkeys(w.lower() for w in given["words"]))
        match_all = given.get("operator", "and") == "and"
        size = given.get("page_size") or 20
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            counts = await corpus_sql.word_paragraph_counts(conn, words=words)
            found = search_plan.outline(words, match_all, counts)
            rows = await search_plan.page(conn, found, match_all, None, size + 1)
            page, more = rows[:size], len(rows) > size
            total, relation = await search_plan.total(conn, found, match_all, None if more else len(page))
        return {"paragraphs": page, "total_count": total, "total_count_relation": relation, "next_cursor": None}

    async def recipes(self, conn: asyncpg.Connection, query: Query, body: bytes) -> Any:
        """GET /cookbook/recipes/search?ingredient_id=...: the app's driver path (no category, no cursor)."""
        wanted = [int(v) for v in query.get("ingredient_id", [])]
        size = _int(query, "page_size") or 20
        frequencies = await cookbook_sql.ingredient_frequencies(conn, ingredient_ids=wanted)
        rows = await cookbook_sql.recipes_by_ingredient_page(
            conn, driver_id=frequencies[0]["ingredient_id"], other_ids=[r["ingredient_id"] for r in frequencies[1:]],
            category_id=None, after_id=None, page_size=size + 1,
        )
        return {"recipes": rows[:size], "next_cursor": None}

    async def products(self, conn: asyncpg.Connection, query: Query, body: bytes) -> Any:
        """GET /inventory/products: the app's product page (no cursor)."""
        size = _int(query, "page_size") or 20
        rows = await inventory_sql.products_page(
            conn, category_id=_int(query, "category_id"), q=_one(query, "q"), low_stock=False, after_id=None,
            page_size=size + 1,
        )
        return rows[:size]


def main() -> None:
    app = Ceiling(os.environ["BENCH_DATABASE_URL"])
    uvicorn.run(app, host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8001")), log_level="info")


if __name__ == "__main__":
    main()
