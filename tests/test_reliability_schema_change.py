"""A running app survives the migrations the toolkit applies online (issue #16, kind 1).

`catalog serve` runs as a real process with two uvicorn workers; concurrent clients read (a search in
a repeatable-read transaction, lists, one row by id) and write (a book and a recipe in a transaction
each, a product in one statement, search logs and recipe views through the background writers) while
`catalog migrate` applies, one file at a time, each kind of schema change: column types changed,
columns added, columns dropped, a table replaced by a view and that view replaced, an index built and
dropped concurrently; then again with the
same changes made by a session that sends no notice (psql, another tool), where only running the
request again (app/retry.py) protects it. No answer is a 500;
a 503 carries Retry-After; every write answered 201 is stored and no other (nothing half-written);
every search answered 200 has its log row and every recipe view its count. Through `catalog migrate`,
both processes hear every change, also after their listening connections were ended midway.
"""

import asyncio
import itertools
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import pytest

from app.migrations import NO_TRANSACTION_MARKER
from app.seeding import seed_demo_if_empty
from tests.conftest import make_settings
from tests.serving_process import ROOT, Served, catalog_serve

DOMAINS = "bookstore,corpus,cookbook,inventory"
CLIENTS = 12
AFTER_EACH = 60  # answers (of every kind) between two migrations
NO_HANG = 60.0

# Each step is one migration file, applied by `catalog migrate` while the clients run. Several inputs
# per kind; every query the app sends reads the tables and views changed here.
STEPS: list[tuple[str, str]] = [
    ("type: timestamptz(3)", "alter table corpus.paragraphs alter column created_at type timestamptz(3);"),
    ("type: numeric(14, 2)", "alter table bookstore.books alter column price type numeric(14, 2);"),
    ("type: varchar", "alter table inventory.products alter column name type varchar(300);"),
    ("type: background writer", "alter table bookstore.search_logs alter column result_count type bigint;"),
    (
        "added columns",
        "alter table bookstore.books add column subtitle text;\n"
        "alter table inventory.products add column note text not null default '';\n"
        "alter table cookbook.recipes add column source text;\n",
    ),
    (
        "dropped columns",
        "alter table bookstore.books drop column subtitle;\n"
        "alter table inventory.products drop column note;\n"
        "alter table cookbook.recipes drop column source;\n",
    ),
    (
        "table replaced by a view",
        "alter table cookbook.categories rename to category_rows;\n"
        "create view cookbook.categories as\n"
        "select id, name, name_key, created_at from cookbook.category_rows;\n",
    ),
    (
        "view replaced, a column's type changed",
        "drop view cookbook.categories;\n"
        "create view cookbook.categories as\n"
        "select id, name::varchar(100) as name, name_key, created_at from cookbook.category_rows;\n",
    ),
    (
        "view replaced, a column added",
        "create or replace view cookbook.categories as\n"
        "select id, name::varchar(100) as name, name_key, created_at, true as listed from cookbook.category_rows;\n",
    ),
    (
        "index built online",
        f"{NO_TRANSACTION_MARKER}\ncreate index concurrently books_title_online_idx on bookstore.books (title);\n",
    ),
    (
        "index dropped online",
        f"{NO_TRANSACTION_MARKER}\ndrop index concurrently bookstore.books_title_online_idx;\n",
    ),
]


@dataclass
class Traffic:
    """What the clients were answered, by request kind and status."""

    answered: Counter[str] = field(default_factory=Counter)
    bad: list[str] = field(default_factory=list)
    views: Counter[int] = field(default_factory=Counter)
    total = 0


@pytest.fixture
def seeded(database_url: str) -> str:
    async def seed() -> None:
        conn = await asyncpg.connect(database_url)
        try:
            await seed_demo_if_empty(conn, make_settings(database_url, catalog_domains=DOMAINS))
        finally:
            await conn.close()

    asyncio.run(seed())
    return database_url


@pytest.fixture
def served(seeded: str, tmp_path: Path) -> Iterator[Served]:
    env = {"DATABASE_URL": seeded, "CATALOG_DOMAINS": DOMAINS, "BACKGROUND_DRAIN_SECONDS": "30"}
    with catalog_serve(tmp_path, "--workers", "2", env=env, workers=2) as running:
        yield running


def migrate(database_url: str, schema_dir: Path) -> str:
    """`catalog migrate` as a DBA runs it; its output."""
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "SCHEMA_DIR": str(schema_dir)},
        capture_output=True,
        text=True,
        timeout=NO_HANG,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


async def client(
    http: httpx.AsyncClient, number: int, traffic: Traffic, ids: dict[str, list[int]], stop: asyncio.Event
) -> None:
    for n in itertools.count(number * 100_000):
        if stop.is_set():
            return
        kind = ("search", "paragraphs", "books", "products", "recipe", "new book", "new product", "new recipe")[n % 8]
        if kind == "search":
            response = await http.post("/corpus/search", json={"words": ["the"], "page_size": 1})
        elif kind == "paragraphs":
            response = await http.get("/corpus/paragraphs", params={"page_size": 5})
        elif kind == "books":
            response = await http.get("/bookstore/books", params={"author": "Jane Austen"})
        elif kind == "products":
            response = await http.get("/inventory/products", params={"page_size": 5})
        elif kind == "recipe":
            recipe = ids["recipes"][n % len(ids["recipes"])]
            response = await http.get(f"/cookbook/recipes/{recipe}")
        elif kind == "new book":
            body = {"title": f"Migrated {n}", "author": "Online Author", "published_year": 2020, "price": "9.50"}
            response = await http.post("/bookstore/books", json=body)
        elif kind == "new product":
            body = {
                "name": f"Migrated {n}",
                "sku": f"MIG-{n}",
                "quantity": 1,
                "price": "2.00",
                "category_id": ids["product categories"][0],
            }
            response = await http.post("/inventory/products", json=body)
        else:
            body = {
                "title": f"Migrated {n}",
                "category_id": ids["recipe categories"][0],
                "ingredients": [{"name": "salt"}],
            }
            response = await http.post("/cookbook/recipes", json=body)
        traffic.total += 1
        traffic.answered[f"{kind} {response.status_code}"] += 1
        if kind == "recipe" and response.status_code == 200:
            traffic.views[recipe] += 1
        if response.status_code not in (200, 201) and len(traffic.bad) < 20:
            traffic.bad.append(f"{kind}: {response.status_code} {response.headers.get('retry-after')} {response.text}")


async def stored(database_url: str) -> dict[str, int]:
    conn = await asyncpg.connect(database_url)
    try:
        return {
            "new book": await conn.fetchval("select count(*) from bookstore.books where title like 'Migrated %'"),
            "new product": await conn.fetchval("select count(*) from inventory.products where sku like 'MIG-%'"),
            "new recipe": await conn.fetchval("select count(*) from cookbook.recipes where title like 'Migrated %'"),
            "search logs": await conn.fetchval("select count(*) from bookstore.search_logs"),
        }
    finally:
        await conn.close()


async def view_counts(conn: asyncpg.Connection) -> dict[int, int]:
    found = await conn.fetch("select recipe_id, view_count from cookbook.recipe_view_counts")
    return {r["recipe_id"]: r["view_count"] for r in found}


LISTENERS = (
    "select pid from pg_stat_activity"
    " where application_name = 'catalog schema listener' and datname = current_database()"
)


async def listeners_reconnect(database_url: str) -> None:
    """End the app processes' listening connections (as a DBA or a failover would); wait until both listen again."""
    conn = await asyncpg.connect(database_url)
    try:
        ended = [r["pid"] for r in await conn.fetch(LISTENERS)]
        assert len(ended) == 2
        await conn.execute("select pg_terminate_backend(pid) from unnest($1::integer[]) as ended (pid)", ended)
        deadline = time.monotonic() + 20
        while True:
            listening = [r["pid"] for r in await conn.fetch(LISTENERS)]
            if len(listening) == 2 and not set(listening) & set(ended):
                return
            assert time.monotonic() < deadline, f"listeners {listening} after ending {ended}"
            await asyncio.sleep(0.05)
    finally:
        await conn.close()


async def apply_without_notice(database_url: str, sql: str) -> None:
    """The change as a DBA's own session makes it (psql, another tool): no NOTIFY reaches the app."""
    conn = await asyncpg.connect(database_url)
    try:
        if sql.startswith(NO_TRANSACTION_MARKER):  # concurrently: outside a transaction
            await conn.execute(sql)
            return
        async with conn.transaction():
            await conn.execute(sql)
    finally:
        await conn.close()


def copy_of_schema(tmp_path: Path) -> Path:
    """A copy of the project's migrations under `tmp_path`, for a test to add its own to."""
    schema_dir = tmp_path / "schema"
    schema_dir.mkdir()
    for source in (ROOT / "schema").glob("*.sql"):
        (schema_dir / source.name).write_text(source.read_text())
    return schema_dir


async def traffic_ids(conn: asyncpg.Connection) -> dict[str, list[int]]:
    """The rows the traffic reads and writes: five recipes, a recipe category and a product category."""
    return {
        "recipes": [r["id"] for r in await conn.fetch("select id from cookbook.recipes order by id limit 5")],
        "recipe categories": [await conn.fetchval("select min(id) from cookbook.categories")],
        "product categories": [await conn.fetchval("select min(id) from inventory.categories")],
    }


@pytest.mark.parametrize("applied_by", ["catalog migrate", "a session with no notice"])
async def test_running_app_survives_every_online_migration(
    served: Served, seeded: str, tmp_path: Path, applied_by: str
) -> None:
    schema_dir = copy_of_schema(tmp_path)
    conn = await asyncpg.connect(seeded)
    try:
        ids = await traffic_ids(conn)
        views_before = await view_counts(conn)
        listeners = len(await conn.fetch(LISTENERS))
    finally:
        await conn.close()
    assert listeners == 2, "one listening connection per app process"
    before = await stored(seeded)
    traffic = Traffic()
    stop = asyncio.Event()
    timings: list[str] = []
    async with httpx.AsyncClient(base_url=served.base_url, timeout=NO_HANG) as http:
        clients = [asyncio.create_task(client(http, i, traffic, ids, stop)) for i in range(CLIENTS)]
        try:
            for number, (kind, sql) in enumerate(STEPS, start=9101):
                target = traffic.total + AFTER_EACH
                while traffic.total < target:
                    assert not any(c.done() for c in clients), [c.exception() for c in clients if c.done()]
                    await asyncio.sleep(0.01)
                if applied_by == "catalog migrate" and number == 9105:
                    await listeners_reconnect(seeded)
                started = time.monotonic()
                if applied_by == "catalog migrate":
                    (schema_dir / f"{number}_online_{number}.sql").write_text(sql)
                    said = await asyncio.to_thread(migrate, seeded, schema_dir)
                    assert f"{number}_online_{number}.sql" in said, said
                else:
                    await apply_without_notice(seeded, sql)
                timings.append(f"{kind}: {time.monotonic() - started:.1f}s")
            target = traffic.total + AFTER_EACH
            while traffic.total < target:
                await asyncio.sleep(0.01)
        finally:
            stop.set()
            await asyncio.gather(*clients)
    served.process.terminate()  # shutdown drains the background writers
    served.process.wait(timeout=NO_HANG)
    after = await stored(seeded)
    reruns = served.output().count("running the request again")
    print(f"\nanswered {traffic.total}, {reruns} run twice: {dict(traffic.answered)}\nmigrations: {timings}")
    statuses = {key.rsplit(" ", 1)[1] for key in traffic.answered}
    assert statuses <= {"200", "201", "503"}, traffic.bad
    assert all(" None " not in line for line in traffic.bad if " 503 " in line), "a 503 without Retry-After"
    for kind in ("new book", "new product", "new recipe"):
        assert after[kind] - before[kind] == traffic.answered[f"{kind} 201"], f"{kind}: acknowledged vs stored"
    assert after["search logs"] - before["search logs"] == traffic.answered["books 200"], "search log rows lost"
    conn = await asyncpg.connect(seeded)
    try:
        views_after = await view_counts(conn)
    finally:
        await conn.close()
    for recipe, answered in traffic.views.items():
        assert views_after[recipe] - views_before.get(recipe, 0) == answered, f"recipe {recipe}: views lost"
    output = served.output()
    if applied_by != "catalog migrate":
        # With no notice, a repeatable-read search holding a statement a change made stale can only be
        # saved by running it again: the test would prove nothing if that never happened.
        assert reruns > 0, "no request met a stale statement"
        return
    for number in range(9101, 9101 + len(STEPS)):
        heard = output.count(f"catalog migrate applied {number}_online_{number}.sql")
        assert heard == 2, f"{number}: {heard} of 2 app processes dropped their stale statements"
