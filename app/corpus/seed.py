"""Corpus data for demos (`catalog seed --demo`) and scale (`catalog seed --paragraphs N`)."""

import asyncpg

from app.corpus import sql
from app.seeding import Progress

SCALE_OPTION = "paragraphs"
SCALE_HELP = "load a deterministic synthetic corpus of N paragraphs (30-80 words each, skewed 5,000-word vocabulary)"
PLAN_SCALE = 1_000_000  # paragraphs in the plan-check database: about 2 minutes to load on 2 cores
BATCH = 100_000


async def is_empty(conn: asyncpg.Connection) -> bool:
    return not await sql.has_paragraphs(conn)


async def load_demo(conn: asyncpg.Connection) -> None:
    async with conn.transaction():
        await sql.demo_paragraphs(conn)
        await sql.recount_words(conn)


async def clear(conn: asyncpg.Connection) -> None:
    await sql.truncate_corpus(conn)


async def load_synthetic(conn: asyncpg.Connection, count: int, progress: Progress) -> None:
    """Paragraphs 1..N in batches of 100,000, then every word count in one pass, then VACUUM ANALYZE."""
    for first in range(1, count + 1, BATCH):
        last = min(first + BATCH - 1, count)
        async with conn.transaction():
            await sql.synthetic_paragraphs(conn, first_id=first, last_id=last)
        progress("paragraphs", last, count)
    progress("word counts", 0, 0)
    await sql.recount_words(conn)
    await sql.reset_identity(conn)
    progress("vacuum analyze", 0, 0)
    await sql.analyze_corpus(conn)
