"""Cookbook data for demos (`catalog seed --demo`) and scale (`catalog seed --recipes N`)."""

import asyncpg

from app.cookbook import sql
from app.seeding import Progress

SCALE_OPTION = "recipes"
SCALE_HELP = "load a deterministic synthetic cookbook of N recipes (about N/100 ingredients, skewed; 32 categories)"
PLAN_SCALE = 200_000  # recipes (about 1,800,000 ingredient links) loaded into the plan-check database
BATCH = 50_000
CATEGORY_COUNT = 30
EMPTY_CATEGORIES = 2


async def is_empty(conn: asyncpg.Connection) -> bool:
    return not await sql.has_recipes(conn)


async def load_demo(conn: asyncpg.Connection) -> None:
    async with conn.transaction():
        await sql.demo_cookbook(conn)


async def clear(conn: asyncpg.Connection) -> None:
    await sql.truncate_cookbook(conn)


async def load_synthetic(conn: asyncpg.Connection, count: int, progress: Progress) -> None:
    """Categories (the last 2 empty) and about N/100 ingredients (the last 10 unused), then recipes
    with their links, view counters and view log in batches of 50,000; finally VACUUM ANALYZE."""
    ingredient_count = max(count // 100, 60)
    async with conn.transaction():
        await sql.synthetic_categories(conn, category_count=CATEGORY_COUNT + EMPTY_CATEGORIES)
        await sql.synthetic_ingredients(conn, ingredient_count=ingredient_count)
    for first in range(1, count + 1, BATCH):
        last = min(first + BATCH - 1, count)
        async with conn.transaction():
            await sql.synthetic_recipes(
                conn, first_id=first, last_id=last, category_count=CATEGORY_COUNT, ingredient_count=ingredient_count
            )
        progress("recipes", last, count)
    await sql.reset_identities(conn)
    progress("vacuum analyze", 0, 0)
    await sql.analyze_cookbook(conn)
