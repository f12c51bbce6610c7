"""Bookstore data for demos (`catalog seed --demo`) and scale (`catalog seed --books N`)."""

import asyncpg

from app.bookstore import sql
from app.seeding import Progress

SCALE_OPTION = "books"
SCALE_HELP = "load a deterministic synthetic catalogue of N books (about N/10 authors, 305 categories)"
PLAN_SCALE = 1_000_000  # books loaded into the plan-check database
BATCH = 100_000
CATEGORY_COUNT = 300
EMPTY_CATEGORIES = 5


async def is_empty(conn: asyncpg.Connection) -> bool:
    return not await sql.has_books(conn)


async def load_demo(conn: asyncpg.Connection) -> None:
    async with conn.transaction():
        await sql.demo_catalogue(conn)


async def clear(conn: asyncpg.Connection) -> None:
    await sql.truncate_bookstore(conn)


async def load_synthetic(conn: asyncpg.Connection, count: int, progress: Progress) -> None:
    """Authors 1..N/10 (the last 100 without books) and categories 1..305 (the last 5 empty), then
    books in batches of 100,000 with their category links; finally VACUUM ANALYZE."""
    author_count = max(count // 10, 110)
    async with conn.transaction():
        await sql.synthetic_authors(conn, author_count=author_count)
        await sql.synthetic_categories(conn, category_count=CATEGORY_COUNT + EMPTY_CATEGORIES)
    for first in range(1, count + 1, BATCH):
        last = min(first + BATCH - 1, count)
        async with conn.transaction():
            await sql.synthetic_books(conn, first_id=first, last_id=last, author_count=author_count - 100)
            await sql.synthetic_book_categories(conn, first_id=first, last_id=last, category_count=CATEGORY_COUNT)
        progress("books", last, count)
    await sql.reset_identities(conn)
    progress("vacuum analyze", 0, 0)
    await sql.analyze_bookstore(conn)
