"""Categories: list, create, detail with its stock summary, delete, and a category's products."""

import asyncpg
import httpx

from tests.conftest import assert_error
from tests.inventory.helpers import add_category, add_product, assert_ledger_consistent, take
from tests.pages import walk


async def test_create_list_and_read(client: httpx.AsyncClient) -> None:
    response = await client.post("/inventory/categories", json={"name": "  Hand Tools "})
    assert response.status_code == 201, response.text
    created = response.json()
    assert created == {"id": created["id"], "name": "Hand Tools", "product_count": 0, "stock_value": 0}
    listed = await client.get("/inventory/categories")
    assert listed.json() == [{"id": created["id"], "name": "Hand Tools"}]
    assert (await client.get(f"/inventory/categories/{created['id']}")).json() == created


async def test_names_are_unique_in_any_case(client: httpx.AsyncClient) -> None:
    await add_category(client, "Paint")
    assert_error(await client.post("/inventory/categories", json={"name": "PAINT"}), 409, "PAINT")
    assert_error(await client.post("/inventory/categories", json={"name": ""}), 422, "name")
    assert_error(await client.post("/inventory/categories", json={"name": "x" * 101}), 422, "name")
    assert_error(await client.post("/inventory/categories", json={}), 422, "name")


async def test_missing_category_is_404(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/inventory/categories/999"), 404, "999")
    assert_error(await client.get("/inventory/categories/999/products"), 404, "999")
    assert_error(await client.delete("/inventory/categories/999"), 404, "999")


async def test_categories_page_in_id_order(client: httpx.AsyncClient) -> None:
    ids = [(await add_category(client, f"Category {i}"))["id"] for i in range(23)]
    items, pages = await walk(client, "/inventory/categories?page_size=7")
    assert [c["id"] for c in items] == ids
    assert pages == 4
    assert set(items[0]) == {"id", "name"}


async def test_stock_value_follows_every_change(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    category = await add_category(client)
    hammer = await add_product(client, category["id"], sku="H-1", quantity=3, price=10.5)
    await add_product(client, category["id"], sku="S-1", quantity=2, price=0.25)
    url = f"/inventory/categories/{category['id']}"
    assert (await client.get(url)).json()["stock_value"] == 32.0
    assert (await take(client, hammer["id"], -1)).status_code == 200
    detail = (await client.get(url)).json()
    assert (detail["product_count"], detail["stock_value"]) == (2, 21.5)
    await client.patch(f"/inventory/products/{hammer['id']}", json={"price": 1})
    assert (await client.get(url)).json()["stock_value"] == 2.5
    await assert_ledger_consistent(conn)


async def test_category_with_products_cannot_be_deleted(client: httpx.AsyncClient) -> None:
    category = await add_category(client)
    product = await add_product(client, category["id"])
    assert_error(await client.delete(f"/inventory/categories/{category['id']}"), 409, "products")
    await client.delete(f"/inventory/products/{product['id']}")
    response = await client.delete(f"/inventory/categories/{category['id']}")
    assert response.status_code == 204
    assert_error(await client.get(f"/inventory/categories/{category['id']}"), 404)


async def test_a_categorys_products(client: httpx.AsyncClient) -> None:
    tools = await add_category(client, "Tools")
    empty = await add_category(client, "Empty")
    other = await add_category(client, "Other")
    mine = []
    for i in range(12):
        mine.append((await add_product(client, tools["id"], sku=f"T-{i}"))["id"])
        await add_product(client, other["id"], sku=f"O-{i}")
    items, pages = await walk(client, f"/inventory/categories/{tools['id']}/products?page_size=5")
    assert [p["id"] for p in items] == mine
    assert pages == 3
    response = await client.get(f"/inventory/categories/{empty['id']}/products")
    assert response.status_code == 200
    assert response.json() == []
