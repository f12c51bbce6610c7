"""The cookbook's part of `scripts/bench`: its hot searches and the ceiling's handler for them
(the bench-module contract: app/bench/modules.py)."""

from typing import Any

import asyncpg

from app.bench.cases import Case
from app.bench.ceiling import Ceiling, Query, Routes, integer
from app.cookbook import sql

SIZED = False


async def cases(conn: asyncpg.Connection) -> list[Case]:
    common = await sql.bench_most_used_ingredient(conn)
    rare = await sql.bench_least_used_ingredient(conn)
    return [
        Case("cookbook", "most used ingredient", f"/cookbook/recipes/search?ingredient_id={common}"),
        Case("cookbook", "two ingredients", f"/cookbook/recipes/search?ingredient_id={common}&ingredient_id={rare}"),
    ]


def ceiling_routes(ceiling: Ceiling) -> Routes:
    async def recipes(conn: asyncpg.Connection, query: Query, body: bytes) -> Any:
        """GET /cookbook/recipes/search?ingredient_id=...: the app's driver path (no category, no cursor)."""
        wanted = [int(v) for v in query.get("ingredient_id", [])]
        size = integer(query, "page_size") or 20
        frequencies = await sql.ingredient_frequencies(conn, ingredient_ids=wanted)
        rows = await sql.recipes_by_ingredient_page(
            conn,
            driver_id=frequencies[0]["ingredient_id"],
            other_ids=[r["ingredient_id"] for r in frequencies[1:]],
            category_id=None,
            after_id=None,
            page_size=size + 1,
        )
        return {"recipes": rows[:size], "next_cursor": None}

    return {("GET", "/cookbook/recipes/search"): recipes}


def postgres_json_routes(ceiling: Ceiling) -> Routes:
    async def recipes(conn: asyncpg.Connection, query: Query, body: bytes) -> Any:
        """GET /cookbook/recipes/search?ingredient_id=... with the page's JSON built by PostgreSQL (the app's
        recipes_by_ingredient_page_json)."""
        wanted = [int(v) for v in query.get("ingredient_id", [])]
        frequencies = await sql.ingredient_frequencies(conn, ingredient_ids=wanted)
        found = await sql.recipes_by_ingredient_page_json(
            conn,
            driver_id=frequencies[0]["ingredient_id"],
            other_ids=[r["ingredient_id"] for r in frequencies[1:]],
            category_id=None,
            after_id=None,
            page_size=integer(query, "page_size") or 20,
        )
        assert found is not None  # an aggregate: always one row
        return b'{"recipes":' + found["body"].encode() + b',"next_cursor":null}'

    return {("GET", "/cookbook/recipes/search"): recipes}
