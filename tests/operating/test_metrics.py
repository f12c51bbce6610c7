"""GET /metrics (issue #19): requests by route template, latency, database time, pools, background writers,
in this process; tests/operating/test_served.py checks a real server with two workers."""

import asyncio

import asyncpg
import httpx
from fastapi import FastAPI

from app import metrics
from app.background import BatchWriter
from app.main import create_app
from tests.access.helpers import LOOPBACK, REMOTE, issue, running
from tests.access.helpers import client as access_client
from tests.bookstore.helpers import add_book
from tests.conftest import assert_error, make_settings
from tests.operating.scrape import scrape, value

REQUESTS = "catalog_http_requests_total"


async def test_requests_are_counted_by_route_template_method_and_status(client: httpx.AsyncClient) -> None:
    book = await add_book(client, title="Dracula", author="Bram Stoker")
    before = await scrape(client)
    for _ in range(2):
        assert (await client.get(f"/bookstore/books/{book['id']}")).status_code == 200
    assert (await client.get("/bookstore/books/999999")).status_code == 404
    assert (await client.get("/no/such/path")).status_code == 404
    assert (await client.post("/bookstore/books", json={"title": ""})).status_code == 422
    after = await scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    one_book = {"method": "GET", "route": "/bookstore/books/{book_id}"}
    assert delta(REQUESTS, **one_book, status="200") == 2
    assert delta(REQUESTS, **one_book, status="404") == 1
    assert delta(REQUESTS, method="GET", route="unmatched", status="404") == 1
    assert delta(REQUESTS, method="POST", route="/bookstore/books", status="422") == 1
    assert value(after, REQUESTS, route="/no/such/path") == 0  # raw paths never become labels
    assert delta("catalog_http_request_duration_seconds_count", **one_book) == 3
    assert delta("catalog_http_request_duration_seconds_bucket", **one_book, le="+Inf") == 3
    assert delta("catalog_http_request_database_seconds_count", **one_book) == 3
    assert delta("catalog_http_request_database_seconds_sum", **one_book) > 0
    # A 422 is answered before any statement: no database time.
    assert delta("catalog_http_request_database_seconds_sum", method="POST", route="/bookstore/books") == 0


async def test_pool_gauges_show_size_use_and_waiting_requests_per_server(database_url: str) -> None:
    app = create_app(make_settings(database_url, pool_min_size=1, pool_max_size=2, pool_acquire_timeout=5))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            idle = await scrape(client)
            assert value(idle, "catalog_db_pool_max_connections", server="primary") == 2
            assert value(idle, "catalog_db_pool_in_use_connections", server="primary") == 0
            pool: asyncpg.Pool = app.state.pool
            held = [await pool.acquire(), await pool.acquire()]
            waiting = asyncio.create_task(client.get("/bookstore/authors"))
            await asyncio.sleep(0.2)
            busy = await scrape(client)
            assert value(busy, "catalog_db_pool_connections", server="primary") == 2
            assert value(busy, "catalog_db_pool_in_use_connections", server="primary") == 2
            assert value(busy, "catalog_db_pool_waiting_requests", server="primary") == 1
            for conn in held:
                await pool.release(conn)
            assert (await waiting).status_code == 200
            assert value(await scrape(client), "catalog_db_pool_waiting_requests", server="primary") == 0


async def test_background_writers_report_queue_depth_flush_time_and_drops(app: FastAPI) -> None:
    release = asyncio.Event()

    async def slow_flush(conn: asyncpg.Connection, items: list[int]) -> None:
        await release.wait()

    writer = BatchWriter[int]("test writer", slow_flush, max_batch=2, max_items=5)
    writer.start(app.state.pool)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        before = await scrape(client)
        for item in range(8):  # 8 into a queue of at most 5: the 3 oldest are dropped
            writer.add(item)
        await asyncio.sleep(0.05)
        queued = await scrape(client)
        assert value(queued, "catalog_background_queue_items", writer="test writer") == 5
        dropped = value(queued, "catalog_background_dropped_items_total", writer="test writer")
        assert dropped - value(before, "catalog_background_dropped_items_total", writer="test writer") == 3
        release.set()
        await writer.drained()
        done = await scrape(client)
        assert value(done, "catalog_background_queue_items", writer="test writer") == 0
        flushes = value(done, "catalog_background_flush_seconds_count", writer="test writer")
        assert flushes - value(before, "catalog_background_flush_seconds_count", writer="test writer") == 3
        written = value(done, "catalog_background_written_items_total", writer="test writer")
        assert written - value(before, "catalog_background_written_items_total", writer="test writer") == 5
    await writer.stop(1)
    metrics.untrack_writer(writer)


async def test_metrics_stay_out_of_the_openapi_schema(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert "/metrics" not in paths and paths  # the domains' paths are there, /metrics is not


async def test_metrics_off_serves_no_metrics_and_counts_nothing(database_url: str, client: httpx.AsyncClient) -> None:
    before = value(await scrape(client), REQUESTS, route="/bookstore/authors")
    quiet = create_app(make_settings(database_url, metrics=False))
    async with (
        quiet.router.lifespan_context(quiet),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=quiet), base_url="http://test") as other,
    ):
        assert (await other.get("/bookstore/authors")).status_code == 200
        assert (await other.get("/metrics")).status_code == 404
    assert value(await scrape(client), REQUESTS, route="/bookstore/authors") == before


async def test_metrics_need_the_admin_scope_once_access_is_configured(
    conn: asyncpg.Connection, database_url: str
) -> None:
    # Unconfigured (no key, no provider): open to loopback, refused elsewhere with how to configure access.
    async with running(database_url) as app:
        for address in (LOOPBACK, ("::1", 40000)):
            async with access_client(app, address) as local:
                assert (await local.get("/metrics")).status_code == 200
        async with access_client(app, REMOTE) as remote:
            assert_error(await remote.get("/metrics"), 403, "catalog keys create")
    admin = await issue(conn, database_url, "prometheus", "admin")
    reader = await issue(conn, database_url, "reader", "bookstore:write,inventory:read")
    async with running(database_url) as app:
        for address in (LOOPBACK, REMOTE):  # configured: loopback is no exception
            async with access_client(app, address) as anonymous:
                refused = await anonymous.get("/metrics")
                assert_error(refused, 401)
                assert refused.headers["www-authenticate"] == "Bearer"
            for bad in ("catalog_" + "x" * 40, admin[:-2] + "AA", "Basic dXNlcjpwYXNz"):
                headers = {"Authorization": bad if bad.startswith("Basic") else f"Bearer {bad}"}
                async with access_client(app, address) as http:
                    assert_error(await http.get("/metrics", headers=headers), 401)
            async with access_client(app, address, reader) as without_admin:
                assert_error(await without_admin.get("/metrics"), 403, "admin")
            async with access_client(app, address, admin) as prometheus:
                samples = await scrape(prometheus)
                assert value(samples, "catalog_db_pool_max_connections", server="primary") > 0
    async with running(database_url, auth_mode="open") as app, access_client(app, REMOTE) as anyone:
        assert (await anyone.get("/metrics")).status_code == 200
