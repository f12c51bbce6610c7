"""Inventory data for demos (`catalog seed --demo`) and scale (`catalog seed --products N`)."""

import asyncpg

from app.inventory import sql
from app.seeding import Progress

SCALE_OPTION = "products"
SCALE_HELP = "load a deterministic synthetic inventory of N products (about N/1000 categories, skewed)"
PLAN_SCALE = 1_000_000  # products loaded into the plan-check database
BATCH = 100_000
EMPTY_CATEGORIES = 5


async def is_empty(conn: asyncpg.Connection) -> bool:
    return not await sql.has_products(conn)


async def load_demo(conn: asyncpg.Connection) -> None:
    async with conn.transaction():
        await sql.demo_inventory(conn)


async def clear(conn: asyncpg.Connection) -> None:
    await sql.truncate_inventory(conn)


async def load_synthetic(conn: asyncpg.Connection, count: int, progress: Progress) -> None:
    """Categories 1..N/1000 (the last 5 empty), then products with their ledgers in batches of
    100,000 (the category totals follow through the products trigger); finally VACUUM ANALYZE."""
    used_categories = max(count // 1000, 20)
    async with conn.transaction():
        await sql.synthetic_categories(conn, category_count=used_categories + EMPTY_CATEGORIES)
    for first in range(1, count + 1, BATCH):
        last = min(first + BATCH - 1, count)
        async with conn.transaction():
            await sql.synthetic_products(conn, first_id=first, last_id=last, category_count=used_categories)
            await sql.synthetic_movements(conn, first_id=first, last_id=last)
        progress("products", last, count)
    await sql.reset_identities(conn)
    progress("vacuum analyze", 0, 0)
    await sql.analyze_inventory(conn)
