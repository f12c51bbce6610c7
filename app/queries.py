"""The named SQL queries under queries/, loaded once by aiosql into async functions."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosql
import asyncpg

from app.settings import ROOT

QUERIES_DIR = ROOT / "queries"


def load_queries(queries_dir: Path = QUERIES_DIR) -> Any:
    """Every `.sql` file under `queries_dir`; each sub-folder is a namespace (`queries.bookstore.x`)."""
    return aiosql.from_path(queries_dir, "asyncpg")


async def rows(result: AsyncIterator[asyncpg.Record]) -> list[asyncpg.Record]:
    """Collect an aiosql select (an async generator) into a list."""
    return [row async for row in result]


queries: Any = load_queries()
