"""Helpers for inventory API tests."""

from typing import Any

import asyncpg
import httpx


async def add_category(client: httpx.AsyncClient, name: str = "Hand Tools") -> dict[str, Any]:
    response = await client.post("/inventory/categories", json={"name": name})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def add_product(client: httpx.AsyncClient, category_id: int, **fields: Any) -> dict[str, Any]:
    body = {"name": "Claw Hammer", "sku": "HAM-1", "quantity": 10, "price": 9.99, "category_id": category_id, **fields}
    response = await client.post("/inventory/products", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def take(client: httpx.AsyncClient, product_id: int, delta: int, key: str | None = None) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return await client.post(
        f"/inventory/products/{product_id}/stock", json={"delta": delta, "reason": "sale"}, headers=headers
    )


async def assert_ledger_consistent(conn: asyncpg.Connection) -> None:
    """Every product's quantity is its ledger's sum and its last quantity_after; every category's
    summary equals a recount of its products."""
    drifted = await conn.fetch(
        """
        select p.id, p.quantity, sum(m.delta) as ledger
        from inventory.products as p
        left join inventory.stock_movements as m on m.product_id = p.id
        group by p.id
        having p.quantity is distinct from coalesce(sum(m.delta), 0)
            or p.quantity is distinct from (
                select m2.quantity_after from inventory.stock_movements as m2
                where m2.product_id = p.id order by m2.id desc limit 1
            )
        """
    )
    assert drifted == [], drifted
    wrong = await conn.fetch(
        """
        select c.id, c.product_count, c.stock_value, count(p.id) as recount, coalesce(sum(p.quantity * p.price), 0) as value
        from inventory.categories as c
        left join inventory.products as p on p.category_id = c.id
        group by c.id
        having c.product_count <> count(p.id) or c.stock_value <> coalesce(sum(p.quantity * p.price), 0)
        """
    )
    assert wrong == [], wrong
