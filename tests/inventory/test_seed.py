"""Demo and synthetic data: real-looking, consistent with the ledger and the category totals."""

import asyncpg
import httpx

from app.inventory import seed
from tests.inventory.helpers import assert_ledger_consistent
from tests.pages import walk


def no_progress(stage: str, done: int, total: int) -> None:
    pass


async def test_demo_inventory(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    assert await seed.is_empty(conn)
    await seed.load_demo(conn)
    assert not await seed.is_empty(conn)
    categories, _ = await walk(client, "/inventory/categories")
    assert len(categories) == 5
    products, _ = await walk(client, "/inventory/products")
    assert len(products) >= 10
    assert {p["category_id"] for p in products} == {c["id"] for c in categories}
    low = (await client.get("/inventory/products", params={"low_stock": "true"})).json()
    assert 1 <= len(low) < len(products)
    assert [p["name"] for p in (await client.get("/inventory/products", params={"q": "widg"})).json()] == [
        "Blue Widget 12mm"
    ]
    await assert_ledger_consistent(conn)


async def test_synthetic_inventory_is_consistent_and_deterministic(conn: asyncpg.Connection) -> None:
    await seed.load_synthetic(conn, 3000, no_progress)
    await assert_ledger_consistent(conn)
    assert await conn.fetchval("select count(*) from inventory.products") == 3000
    # N/1000 categories (at least 20) plus 5 empty ones; a few percent of products low on stock.
    assert await conn.fetchval("select count(*) from inventory.categories") == 25
    assert await conn.fetchval("select count(*) from inventory.categories where product_count = 0") >= 5
    low = await conn.fetchval("select count(*) from inventory.products where quantity <= reorder_level")
    assert 30 <= low <= 200
    assert await conn.fetchval("select count(*) from inventory.stock_movements where reason <> 'initial'") > 0
    first = await conn.fetch("select * from inventory.products order by id limit 50")
    await seed.clear(conn)
    assert await seed.is_empty(conn)
    await seed.load_synthetic(conn, 3000, no_progress)
    assert await conn.fetch("select * from inventory.products order by id limit 50") == first
    # Identities continue after the loaded ids.
    await conn.execute("insert into inventory.categories (name) values ('After The Load')")
    assert await conn.fetchval("select max(id) from inventory.categories") == 26
