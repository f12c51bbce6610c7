"""The bookstore's part of `scripts/bench`: its hot searches and the ceiling's handler for them
(the bench-module contract: app/bench/modules.py)."""

import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import asyncpg

from app.bench.cases import Case
from app.bench.ceiling import Ceiling, Query, Routes, integer, one
from app.bookstore import sql
from app.bookstore.router import SearchLogEntry, book_filters, books_page_json, write_search_logs

SIZED = True


async def cases(conn: asyncpg.Connection) -> list[Case]:
    largest = await sql.bench_largest_author(conn) or 0
    rarest = await sql.bench_rarest_author(conn) or 0
    author = await sql.author_by_id(conn, author_id=largest)
    name = author["name"] if author else ""
    category = await sql.bench_largest_category(conn) or 0
    found = await sql.category_by_id(conn, category_id=category)
    category_name = found["name"] if found else ""
    return [
        Case("bookstore", "largest author by id", f"/bookstore/books?author_id={largest}"),
        Case("bookstore", "largest author by name", f"/bookstore/books?author={quote(name)}"),
        Case("bookstore", "rarest author by id", f"/bookstore/books?author_id={rarest}"),
        Case("bookstore", "largest category", f"/bookstore/books?category_id={category}"),
        Case("bookstore", "largest category by name", f"/bookstore/books?category={quote(category_name)}"),
        Case("bookstore", "title words, largest author", f"/bookstore/books?author_id={largest}&q=golden"),
    ]


def _routes(ceiling: Ceiling, postgres_json: bool) -> Routes:
    search_log = ceiling.writer("bookstore search log", write_search_logs)

    async def books(conn: asyncpg.Connection, query: Query, body: bytes) -> Any:
        """GET /bookstore/books: the app's list_books without a framework (no cursor)."""
        started = time.perf_counter()
        page_size = integer(query, "page_size") or 20
        author_id, category_id = integer(query, "author_id"), integer(query, "category_id")
        author, category, q = one(query, "author"), one(query, "category"), one(query, "q")
        answer: Any
        if postgres_json:  # the app's statements, names sent or resolved first as the app does
            chosen = await book_filters(conn, author, author_id, category, category_id, q)
            found = await books_page_json(conn, chosen, q, None, None, page_size)
            answer, count = found["body"].encode(), found["items"]
        else:  # the row queries take ids: names resolved first, by statements of their own
            if author is not None:
                author_id = await sql.author_id_by_name(conn, name=author.strip()) or 0
            if category is not None:
                category_id = await sql.category_id_by_name(conn, name=category.strip()) or 0
            rows: list[Any]
            if category_id is None:
                rows = await sql.books_page(
                    conn, author_id=author_id, title_words=q, after_year=None, after_id=None, page_size=page_size + 1
                )
            else:
                rows = await sql.books_in_category_page(
                    conn,
                    category_id=category_id,
                    author_id=author_id,
                    title_words=q,
                    after_year=None,
                    after_id=None,
                    page_size=page_size + 1,
                )
            answer = rows[:page_size]
            count = len(answer)
        given = {"author": author, "author_id": author_id, "category": category, "category_id": category_id, "q": q}
        filters = {k: v for k, v in given.items() if v is not None}
        elapsed_ms = (time.perf_counter() - started) * 1000
        search_log.add(SearchLogEntry(filters, count, elapsed_ms, datetime.now(UTC)))
        return answer

    return {("GET", "/bookstore/books"): books}


def ceiling_routes(ceiling: Ceiling) -> Routes:
    return _routes(ceiling, postgres_json=False)


def postgres_json_routes(ceiling: Ceiling) -> Routes:
    return _routes(ceiling, postgres_json=True)
