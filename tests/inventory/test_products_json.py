"""GET /inventory/products and a category's products answer with JSON PostgreSQL built
(products_page_json): the same values of the same JSON types as the rows serialised through
schemas.Product gave before, page by page and across pages."""

from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx

from app.inventory import schemas, sql
from tests.inventory.helpers import add_category, add_product
from tests.pages import typed, walk

PRODUCTS: list[dict[str, Any]] = [
    {"name": "Steel Claw Hammer", "sku": "HAM-1", "quantity": 10, "price": 9.99},
    {"name": "Steel Rule", "sku": "RUL-1", "quantity": 0, "price": 12, "reorder_level": 5},
    {"name": 'Ærø “quoted” "double" \\ back\u0001slash', "sku": "ODD-1", "quantity": 3, "price": 0.1},
    {"name": "📦 Box", "sku": "BOX-1", "quantity": 7, "price": 99999999.99, "reorder_level": 7},
    {"name": "Tab\tsaw", "sku": "SAW-1", "quantity": 1, "price": 0.01},
    {"name": "Free Sample", "sku": "FREE-1", "quantity": 2, "price": 0},
    {"name": "Widget 100_% off", "sku": "WID-1", "quantity": 100, "price": 1.5},
]
# Timestamps pydantic writes in each of its shapes: with microseconds, without, a year below 1000.
STAMPS = [
    datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC),
    datetime(2024, 12, 31, 23, 59, 59, 120000, tzinfo=UTC),
    datetime(5, 1, 1, tzinfo=UTC),
]


async def expected(conn: asyncpg.Connection, category_id: int | None, q: str | None, low_stock: bool) -> Any:
    rows = await sql.products_page(
        conn, category_id=category_id, q=q, low_stock=low_stock, after_id=None, page_size=1000
    )
    return [schemas.Product(**row).model_dump(mode="json") for row in rows]


async def test_pages_hold_the_values_and_types_the_rows_gave(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    tools = (await add_category(client, "Tools"))["id"]
    other = (await add_category(client, "Other"))["id"]
    empty = (await add_category(client, "Empty"))["id"]
    made = [await add_product(client, tools if i % 3 else other, **p) for i, p in enumerate(PRODUCTS)]
    for product, stamp in zip(made, STAMPS):  # the only way to give a row an old or round timestamp
        await conn.execute(
            "update inventory.products set created_at = $2, updated_at = $2 where id = $1", product["id"], stamp
        )
    searches: list[tuple[str, int | None, str | None, bool]] = [
        ("/inventory/products?", None, None, False),
        ("/inventory/products?q=steel&", None, "steel", False),
        ("/inventory/products?q=100_%25&", None, "100_%", False),
        ("/inventory/products?q=wid&", None, "wid", False),
        ("/inventory/products?low_stock=true&", None, None, True),
        (f"/inventory/products?category_id={tools}&", tools, None, False),
        (f"/inventory/categories/{tools}/products?", tools, None, False),
        (f"/inventory/categories/{other}/products?q=steel&", other, "steel", False),
        (f"/inventory/categories/{empty}/products?", empty, None, False),
        ("/inventory/products?q=nothing-like-this&", None, "nothing-like-this", False),
    ]
    for url, category_id, q, low_stock in searches:
        want = await expected(conn, category_id, q, low_stock)
        for page_size in (1, 3, 100):
            items, pages = await walk(client, f"{url}page_size={page_size}", page_size, max_pages=len(PRODUCTS) + 1)
            assert typed(items) == typed(want), (url, page_size)
            assert pages == max(1, -(-len(want) // page_size)), (url, page_size)
    everything = {p["sku"]: p for p in await expected(conn, None, None, False)}
    assert everything["RUL-1"]["price"] == 12.0 and isinstance(everything["RUL-1"]["price"], float)
    assert everything["HAM-1"]["created_at"] == "2001-02-03T04:05:06Z"
    assert everything["RUL-1"]["created_at"] == "2024-12-31T23:59:59.120000Z"
    assert everything["ODD-1"]["created_at"] == "0005-01-01T00:00:00Z"


async def test_a_missing_category_is_still_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/inventory/categories/999999/products")
    assert response.status_code == 404 and "999999" in response.json()["detail"]
