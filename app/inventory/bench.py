"""The inventory's part of `scripts/bench`: its hot product lists and the ceiling's handler for them
(the bench-module contract: app/bench/modules.py)."""

from typing import Any

import asyncpg

from app.bench.cases import Case
from app.bench.ceiling import Ceiling, Query, Routes, integer, one
from app.inventory import sql

SIZED = False


async def cases(conn: asyncpg.Connection) -> list[Case]:
    return [
        Case("inventory", "name search", "/inventory/products?q=steel"),
        Case("inventory", "first page", "/inventory/products"),
    ]


def ceiling_routes(ceiling: Ceiling) -> Routes:
    async def products(conn: asyncpg.Connection, query: Query, body: bytes) -> Any:
        """GET /inventory/products: the app's product page (no cursor)."""
        size = integer(query, "page_size") or 20
        rows = await sql.products_page(
            conn,
            category_id=integer(query, "category_id"),
            q=one(query, "q"),
            low_stock=False,
            after_id=None,
            page_size=size + 1,
        )
        return rows[:size]

    return {("GET", "/inventory/products"): products}


def postgres_json_routes(ceiling: Ceiling) -> Routes:
    async def products(conn: asyncpg.Connection, query: Query, body: bytes) -> Any:
        """GET /inventory/products with the page's JSON built by PostgreSQL (the app's products_page_json)."""
        found = await sql.products_page_json(
            conn,
            category_id=integer(query, "category_id"),
            q=one(query, "q"),
            low_stock=False,
            after_id=None,
            page_size=integer(query, "page_size") or 20,
        )
        assert found is not None  # an aggregate: always one row
        return found["body"].encode()

    return {("GET", "/inventory/products"): products}
