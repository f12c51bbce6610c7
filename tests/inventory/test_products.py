"""Products: the old clients' contract (list, detail, create) and the newer update, delete and search."""

from typing import Any

import asyncpg
import httpx

from tests.conftest import assert_error
from tests.inventory.helpers import add_category, add_product, assert_ledger_consistent
from tests.pages import next_url, walk


async def test_health_under_the_prefix(client: httpx.AsyncClient) -> None:
    response = await client.get("/inventory/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_create_and_read_a_product(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    category = await add_category(client)
    body = {
        "name": "Claw Hammer 16oz",
        "sku": "HT-HAM-16",
        "quantity": 24,
        "price": 18.99,
        "category_id": category["id"],
    }
    response = await client.post("/inventory/products", json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert {k: created[k] for k in body} == body
    assert created["reorder_level"] == 0
    assert isinstance(created["price"], float)

    fetched = await client.get(f"/inventory/products/{created['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == created

    listed = await client.get("/inventory/products")
    assert listed.status_code == 200
    assert listed.json() == [created]
    assert "link" not in listed.headers

    # The initial stock is itself a movement, so the ledger already sums to the quantity.
    movements = (await client.get(f"/inventory/products/{created['id']}/movements")).json()
    assert [(m["delta"], m["reason"], m["quantity_after"]) for m in movements] == [(24, "initial", 24)]
    await assert_ledger_consistent(conn)


async def test_price_keeps_two_decimals(client: httpx.AsyncClient) -> None:
    category = await add_category(client)
    product = await add_product(client, category["id"], price=0.1)
    assert product["price"] == 0.1
    product = await add_product(client, category["id"], sku="B-2", price=1234567890.12)
    assert product["price"] == 1234567890.12
    response = await client.post(
        "/inventory/products",
        json={"name": "X", "sku": "C-3", "quantity": 1, "price": 1.005, "category_id": category["id"]},
    )
    assert_error(response, 422, "price")


async def test_missing_product_is_404(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/inventory/products/999"), 404, "999")
    assert_error(await client.patch("/inventory/products/999", json={"name": "X"}), 404, "999")
    assert_error(await client.delete("/inventory/products/999"), 404, "999")
    assert (await client.get("/inventory/products/0")).status_code == 422
    assert (await client.get("/inventory/products/abc")).status_code == 422


async def test_duplicate_sku_in_any_case_is_409_naming_it(client: httpx.AsyncClient) -> None:
    category = await add_category(client)
    await add_product(client, category["id"], sku="ab-1")
    response = await client.post(
        "/inventory/products",
        json={"name": "Other", "sku": "AB-1", "quantity": 1, "price": 1, "category_id": category["id"]},
    )
    assert_error(response, 409, "AB-1")
    assert len((await client.get("/inventory/products")).json()) == 1


async def test_invalid_fields_are_422_naming_the_field(client: httpx.AsyncClient) -> None:
    category = await add_category(client)
    good = {"name": "Saw", "sku": "SAW-1", "quantity": 1, "price": 5, "category_id": category["id"]}
    cases: dict[str, dict[str, Any]] = {
        "price": {"price": -1},
        "quantity": {"quantity": -1},
        "name": {"name": ""},
        "sku": {"sku": ""},
    }
    for field, change in cases.items():
        assert_error(await client.post("/inventory/products", json={**good, **change}), 422, field)
    assert_error(await client.post("/inventory/products", json={**good, "name": "   "}), 422, "name")
    assert_error(await client.post("/inventory/products", json={**good, "name": "x" * 201}), 422, "name")
    assert_error(await client.post("/inventory/products", json={**good, "sku": "has space"}), 422, "sku")
    assert_error(await client.post("/inventory/products", json={**good, "sku": "x" * 65}), 422, "sku")
    assert_error(await client.post("/inventory/products", json={**good, "price": "free"}), 422, "price")
    assert_error(await client.post("/inventory/products", json={**good, "quantity": 2**31}), 422, "quantity")
    body = dict(good)
    del body["price"]
    assert_error(await client.post("/inventory/products", json=body), 422, "price")
    assert_error(await client.post("/inventory/products", json={**good, "category_id": 999}), 422, "category_id")
    assert_error(await client.post("/inventory/products", json={**good, "category_id": 2**63}), 422, "category_id")
    assert (await client.get("/inventory/products")).json() == []


async def test_sku_allows_letters_digits_hyphens_underscores_dots(client: httpx.AsyncClient) -> None:
    category = await add_category(client)
    product = await add_product(client, category["id"], sku="A.b_c-9")
    assert product["sku"] == "A.b_c-9"


async def test_update_changes_only_given_fields(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    tools = await add_category(client, "Tools")
    paint = await add_category(client, "Paint")
    product = await add_product(client, tools["id"], quantity=4, price=2.5)
    response = await client.patch(f"/inventory/products/{product['id']}", json={"price": 3.75, "reorder_level": 5})
    assert response.status_code == 200, response.text
    changed = response.json()
    assert (changed["price"], changed["reorder_level"], changed["name"], changed["quantity"]) == (
        3.75,
        5,
        "Claw Hammer",
        4,
    )
    moved = (await client.patch(f"/inventory/products/{product['id']}", json={"category_id": paint["id"]})).json()
    assert moved["category_id"] == paint["id"]
    assert (await client.get(f"/inventory/categories/{paint['id']}")).json()["stock_value"] == 15.0
    assert (await client.get(f"/inventory/categories/{tools['id']}")).json()["product_count"] == 0
    await assert_ledger_consistent(conn)


async def test_update_refuses_quantity_nulls_and_unknown_category(client: httpx.AsyncClient) -> None:
    category = await add_category(client)
    product = await add_product(client, category["id"])
    url = f"/inventory/products/{product['id']}"
    assert_error(await client.patch(url, json={"quantity": 99}), 422, "quantity", "stock")
    assert_error(await client.patch(url, json={"name": None}), 422, "name")
    assert_error(await client.patch(url, json={"price": -2}), 422, "price")
    assert_error(await client.patch(url, json={"category_id": 999}), 422, "category_id")
    assert_error(await client.patch(url, json={"sku": "NEW"}), 422, "sku")
    assert (await client.get(url)).json() == product


async def test_delete_removes_product_and_its_ledger(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    category = await add_category(client)
    product = await add_product(client, category["id"], quantity=3, price=2)
    response = await client.delete(f"/inventory/products/{product['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert_error(await client.get(f"/inventory/products/{product['id']}"), 404)
    assert_error(await client.get(f"/inventory/products/{product['id']}/movements"), 404)
    assert await conn.fetchval("select count(*) from inventory.stock_movements") == 0
    summary = (await client.get(f"/inventory/categories/{category['id']}")).json()
    assert (summary["product_count"], summary["stock_value"]) == (0, 0)
    # The SKU is free again.
    await add_product(client, category["id"])


async def test_pagination_walks_every_product_once_in_id_order(client: httpx.AsyncClient) -> None:
    category = await add_category(client)
    ids = [(await add_product(client, category["id"], sku=f"P-{i}"))["id"] for i in range(25)]
    first = await client.get("/inventory/products", params={"page_size": 10})
    assert [p["id"] for p in first.json()] == ids[:10]
    assert next_url(first) is not None
    items, pages = await walk(client, "/inventory/products?page_size=10")
    assert [p["id"] for p in items] == ids
    assert pages == 3
    items, pages = await walk(client, "/inventory/products")
    assert [p["id"] for p in items] == ids
    assert pages == 2
    items, pages = await walk(client, "/inventory/products?page_size=5")
    assert pages == 5  # 25 products: the fifth page is full and no empty sixth page is linked


async def test_page_size_and_cursor_are_checked(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/inventory/products", params={"page_size": 0}), 422, "page_size")
    assert_error(await client.get("/inventory/products", params={"page_size": 101}), 422, "page_size")
    assert (await client.get("/inventory/products", params={"page_size": 100})).status_code == 200
    assert_error(await client.get("/inventory/products", params={"cursor": "garbage!"}), 400, "cursor")
    assert_error(await client.get("/inventory/products", params={"cursor": "WyJhIl0"}), 400, "cursor")


async def test_search_by_name_text_and_sku_prefix(client: httpx.AsyncClient) -> None:
    category = await add_category(client)
    blue = await add_product(client, category["id"], name="Blue Widget 12mm", sku="WID-0001")
    red = await add_product(client, category["id"], name="Red WIDGET", sku="RW-2")
    saw = await add_product(client, category["id"], name="Saw 50% off_cut", sku="SAW-3")
    await add_product(client, category["id"], name="Hammer", sku="HAM-4")

    async def search(q: str) -> list[int]:
        response = await client.get("/inventory/products", params={"q": q})
        assert response.status_code == 200, response.text
        return [p["id"] for p in response.json()]

    assert await search("widg") == [blue["id"], red["id"]]
    assert await search("WIDGET 12") == [blue["id"]]
    assert await search("wid-") == [blue["id"]]  # SKU prefix, any case
    assert await search("saw-") == [saw["id"]]
    assert await search("0001") == []  # SKUs match by prefix only
    assert await search("50%") == [saw["id"]]
    assert await search("f_c") == [saw["id"]]
    assert await search("%_%") == []  # wildcards are literal
    assert await search("o_f") == []
    assert await search("zzz") == []
    assert await search("  widget  ") == [blue["id"], red["id"]]
    for short in ("", "wi", "  w  "):
        assert_error(await client.get("/inventory/products", params={"q": short}), 422, "q", "3 characters")


async def test_filters_combine(client: httpx.AsyncClient) -> None:
    tools = await add_category(client, "Tools")
    paint = await add_category(client, "Paint")
    low_tool = await add_product(client, tools["id"], name="Steel Hammer", sku="T-1", quantity=2, reorder_level=5)
    await add_product(client, tools["id"], name="Steel Saw", sku="T-2", quantity=50, reorder_level=5)
    at_level = await add_product(client, paint["id"], name="Steel Primer", sku="P-1", quantity=5, reorder_level=5)
    await add_product(client, paint["id"], name="Brush", sku="P-2", quantity=0, reorder_level=0)

    async def ids(**params: Any) -> list[int]:
        response = await client.get("/inventory/products", params=params)
        assert response.status_code == 200, response.text
        return [p["id"] for p in response.json()]

    assert await ids(low_stock="true", q="steel") == [low_tool["id"], at_level["id"]]
    assert await ids(low_stock="true", category_id=tools["id"]) == [low_tool["id"]]
    assert await ids(low_stock="true", category_id=paint["id"], q="steel") == [at_level["id"]]
    assert len(await ids(low_stock="false")) == 4
    assert len(await ids(category_id=paint["id"])) == 2
    assert await ids(category_id=999) == []
    items, _ = await walk(client, f"/inventory/products?q=steel&page_size=1&category_id={tools['id']}")
    assert len(items) == 2
