"""Stock under concurrent requests, through a real uvicorn: never negative, never applied twice."""

import asyncio
from collections import Counter
from collections.abc import Iterator

import asyncpg
import httpx
import pytest

from app.main import create_app
from tests.conftest import make_settings
from tests.inventory.helpers import add_category, add_product, assert_ledger_consistent
from tests.servers import served_in_thread


@pytest.fixture
def served_app(database_url: str) -> Iterator[str]:
    # Requests queue for the 10 connections: give them time rather than 503s.
    app = create_app(make_settings(database_url, pool_max_size=10, pool_acquire_timeout=60))
    with served_in_thread(app) as url:
        yield url


async def test_200_concurrent_withdrawals_from_a_stock_of_50(served_app: str, conn: asyncpg.Connection) -> None:
    limits = httpx.Limits(max_connections=200)
    async with httpx.AsyncClient(base_url=served_app, limits=limits, timeout=120) as http:
        category = await add_category(http)
        product = await add_product(http, category["id"], quantity=50)
        url = f"/inventory/products/{product['id']}/stock"
        responses = await asyncio.gather(*(http.post(url, json={"delta": -1, "reason": "sale"}) for _ in range(200)))
        statuses = Counter(r.status_code for r in responses)
        assert statuses == {200: 50, 409: 150}, {r.status_code: r.text for r in responses}
        assert sorted(r.json()["quantity"] for r in responses if r.status_code == 200) == list(range(50))
        assert all("available" in r.json()["detail"] for r in responses if r.status_code == 409)
        assert (await http.get(f"/inventory/products/{product['id']}")).json()["quantity"] == 0
        summary = (await http.get(f"/inventory/categories/{category['id']}")).json()
        assert summary["stock_value"] == 0
    assert await conn.fetchval("select sum(delta) from inventory.stock_movements") == 0
    assert await conn.fetchval("select count(*) from inventory.stock_movements") == 51
    await assert_ledger_consistent(conn)


async def test_concurrent_retries_with_one_key_apply_once(served_app: str, conn: asyncpg.Connection) -> None:
    limits = httpx.Limits(max_connections=100)
    async with httpx.AsyncClient(base_url=served_app, limits=limits, timeout=120) as http:
        category = await add_category(http)
        product = await add_product(http, category["id"], quantity=100)
        url = f"/inventory/products/{product['id']}/stock"
        body = {"delta": -5, "reason": "order 42"}
        # Each key is sent 10 times at once, with other keys' changes interleaved.
        requests = [
            http.post(url, json=body, headers={"Idempotency-Key": f"order-{n}"}) for _ in range(10) for n in range(5)
        ]
        responses = await asyncio.gather(*requests)
        assert {r.status_code for r in responses} == {200}, {r.status_code: r.text for r in responses}
        by_key: dict[str, set[int]] = {}
        for response in responses:
            movement = response.json()["movement"]
            by_key.setdefault(movement["idempotency_key"], set()).add(movement["id"])
        assert all(len(ids) == 1 for ids in by_key.values()), by_key
        assert sum(not r.json()["replayed"] for r in responses) == 5
        assert (await http.get(f"/inventory/products/{product['id']}")).json()["quantity"] == 75
    assert await conn.fetchval("select count(*) from inventory.stock_movements") == 6
    await assert_ledger_consistent(conn)


async def test_concurrent_changes_across_one_category_keep_its_summary(
    served_app: str, conn: asyncpg.Connection
) -> None:
    async with httpx.AsyncClient(base_url=served_app, limits=httpx.Limits(max_connections=100), timeout=120) as http:
        first = await add_category(http, "First")
        second = await add_category(http, "Second")
        products = [
            await add_product(http, (first if i % 2 else second)["id"], sku=f"C-{i}", quantity=20, price=1.25)
            for i in range(6)
        ]
        changes = [
            http.post(f"/inventory/products/{p['id']}/stock", json={"delta": d, "reason": "count"})
            for p in products
            for d in (-3, 2, -1, 4, -2)
        ]
        moves = [
            http.patch(f"/inventory/products/{p['id']}", json={"category_id": (second if i % 2 else first)["id"]})
            for i, p in enumerate(products)
        ]
        responses = await asyncio.gather(*changes, *moves)
        assert {r.status_code for r in responses} == {200}, {r.status_code: r.text for r in responses}
    await assert_ledger_consistent(conn)
