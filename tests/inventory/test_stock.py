"""Stock changes: one statement per change, never below zero, the ledger, idempotency keys."""

import asyncpg
import httpx

from tests.conftest import assert_error
from tests.inventory.helpers import add_category, add_product, assert_ledger_consistent, take
from tests.pages import walk


async def test_change_answers_the_new_quantity(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    category = await add_category(client)
    product = await add_product(client, category["id"], quantity=5)
    url = f"/inventory/products/{product['id']}/stock"
    response = await client.post(url, json={"delta": 7, "reason": "restock"})
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["quantity"], result["replayed"], result["product_id"]) == (12, False, product["id"])
    assert (result["movement"]["delta"], result["movement"]["reason"], result["movement"]["quantity_after"]) == (
        7,
        "restock",
        12,
    )
    assert (await take(client, product["id"], -12)).json()["quantity"] == 0
    assert (await client.get(f"/inventory/products/{product['id']}")).json()["quantity"] == 0
    await assert_ledger_consistent(conn)


async def test_going_below_zero_is_409_saying_what_is_available(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    category = await add_category(client)
    product = await add_product(client, category["id"], quantity=3)
    assert_error(await take(client, product["id"], -4), 409, "only 3 available")
    assert (await client.get(f"/inventory/products/{product['id']}")).json()["quantity"] == 3
    assert len((await client.get(f"/inventory/products/{product['id']}/movements")).json()) == 1
    await assert_ledger_consistent(conn)


async def test_quantity_cannot_go_negative_even_bypassing_the_api(conn: asyncpg.Connection) -> None:
    await conn.execute("insert into inventory.categories (name) values ('X')")
    await conn.execute(
        "insert into inventory.products (name, sku, quantity, price, category_id) values ('A', 'A', 1, 1, 1)"
    )
    try:
        await conn.execute("update inventory.products set quantity = -1")
    except asyncpg.CheckViolationError as exc:
        assert exc.constraint_name == "products_quantity_nonnegative"
    else:
        raise AssertionError("a negative quantity was stored")


async def test_invalid_changes_are_refused(client: httpx.AsyncClient) -> None:
    category = await add_category(client)
    product = await add_product(client, category["id"])
    url = f"/inventory/products/{product['id']}/stock"
    assert_error(await client.post(url, json={"delta": 0, "reason": "sale"}), 422, "delta")
    assert_error(await client.post(url, json={"delta": 1}), 422, "reason")
    assert_error(await client.post(url, json={"delta": 1, "reason": ""}), 422, "reason")
    assert_error(await client.post(url, json={"delta": 1, "reason": "initial"}), 422, "reason")
    assert_error(await client.post(url, json={"delta": 1.5, "reason": "sale"}), 422, "delta")
    assert_error(await client.post(url, json={"delta": 2_000_000_000, "reason": "sale"}), 422, "delta")
    assert_error(await client.post("/inventory/products/999/stock", json={"delta": 1, "reason": "x"}), 404, "999")
    headers = {"Idempotency-Key": "k" * 201}
    assert_error(await client.post(url, json={"delta": 1, "reason": "x"}, headers=headers), 422, "idempotency-key")


async def test_overflowing_quantity_is_not_a_500(client: httpx.AsyncClient) -> None:
    category = await add_category(client)
    product = await add_product(client, category["id"], quantity=2**31 - 10)
    response = await client.post(f"/inventory/products/{product['id']}/stock", json={"delta": 100, "reason": "restock"})
    assert response.status_code == 422, response.text


async def test_same_idempotency_key_applies_once(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    category = await add_category(client)
    product = await add_product(client, category["id"], quantity=10)
    first = await take(client, product["id"], -3, key="order-17")
    again = await take(client, product["id"], -3, key="order-17")
    assert first.status_code == again.status_code == 200
    assert first.json()["quantity"] == again.json()["quantity"] == 7
    assert again.json()["replayed"] is True
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["movement"] == first.json()["movement"]
    # Meanwhile another change; the replay still answers the first result.
    await take(client, product["id"], -1)
    assert (await take(client, product["id"], -3, key="order-17")).json()["quantity"] == 7
    assert (await client.get(f"/inventory/products/{product['id']}")).json()["quantity"] == 6
    await assert_ledger_consistent(conn)


async def test_same_key_with_another_change_is_refused(client: httpx.AsyncClient) -> None:
    category = await add_category(client)
    product = await add_product(client, category["id"], quantity=10)
    await take(client, product["id"], -3, key="order-18")
    assert_error(await take(client, product["id"], -4, key="order-18"), 422, "order-18", "different")
    assert (await client.get(f"/inventory/products/{product['id']}")).json()["quantity"] == 7


async def test_keys_are_per_product_and_refused_changes_keep_no_key(client: httpx.AsyncClient) -> None:
    category = await add_category(client)
    one = await add_product(client, category["id"], sku="A", quantity=1)
    two = await add_product(client, category["id"], sku="B", quantity=5)
    assert (await take(client, one["id"], -1, key="k")).json()["quantity"] == 0
    assert (await take(client, two["id"], -1, key="k")).json()["quantity"] == 4
    # A refused change records nothing, so the same key may be retried once stock has arrived.
    assert_error(await take(client, one["id"], -1, key="later"), 409, "only 0 available")
    await client.post(f"/inventory/products/{one['id']}/stock", json={"delta": 2, "reason": "restock"})
    assert (await take(client, one["id"], -1, key="later")).json()["quantity"] == 1


async def test_movements_newest_first_walked_to_the_end(client: httpx.AsyncClient) -> None:
    category = await add_category(client)
    product = await add_product(client, category["id"], quantity=0)
    for i in range(1, 13):
        await client.post(f"/inventory/products/{product['id']}/stock", json={"delta": i, "reason": f"restock {i}"})
    items, pages = await walk(client, f"/inventory/products/{product['id']}/movements?page_size=5")
    assert pages == 3
    assert [m["reason"] for m in items] == [f"restock {i}" for i in range(12, 0, -1)] + ["initial"]
    assert items[0]["quantity_after"] == sum(range(1, 13))
    assert [m["id"] for m in items] == sorted((m["id"] for m in items), reverse=True)
