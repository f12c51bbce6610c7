"""Nothing lost at a deploy: SIGTERM in the middle of a burst of filtered searches (and recipe views).

`catalog serve` runs as a real process; threads fire searches and views on fresh connections; the
test sends SIGTERM while they are running. In-flight requests complete, the process exits by itself,
and every search answered 200 has its search_logs row, every view answered 200 its count.
"""

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from app.domains import enabled_domains
from app.seeding import seed_demo_if_empty
from tests.conftest import make_settings
from tests.servers import free_port

THREADS = 16
SIGTERM_AFTER = 150  # answered requests before the signal
NO_HANG = 60.0
AUTHORS = ["Mary Shelley", "Jane Austen", "George Orwell", "Toni Morrison", "Nobody At All"]


def domains() -> str:
    wanted = ["bookstore", "cookbook"]
    return ",".join(d for d in wanted if d in enabled_domains(make_settings("postgresql://unused/unused")))


@pytest.fixture
def seeded(database_url: str) -> str:
    async def seed() -> None:
        conn = await asyncpg.connect(database_url)
        try:
            await seed_demo_if_empty(conn, make_settings(database_url, catalog_domains=domains()))
        finally:
            await conn.close()

    asyncio.run(seed())
    return database_url


@pytest.fixture
def served_process(seeded: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": seeded,
        "CATALOG_DOMAINS": domains(),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "BACKGROUND_DRAIN_SECONDS": "30",
    }
    catalog = Path(sys.executable).with_name("catalog")
    process = subprocess.Popen(
        [str(catalog), "serve", "--no-seed"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, process.stdout.read().decode() if process.stdout else "exited"
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "catalog serve did not start"
        time.sleep(0.1)
    try:
        yield process, url
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_sigterm_mid_burst_loses_no_search_log_row_and_no_view(
    served_process: tuple[subprocess.Popen[bytes], str], seeded: str
) -> None:
    process, url = served_process
    recipe_ids: list[int] = []
    if "cookbook" in domains():
        recipe_ids = [r["id"] for r in httpx.get(f"{url}/cookbook/recipes/popular", timeout=NO_HANG).json()][:5]
        assert recipe_ids, "the cookbook demo has no recipes"

    async def stored() -> tuple[int, dict[int, int]]:
        conn = await asyncpg.connect(seeded)
        try:
            logs = await conn.fetchval("select count(*) from bookstore.search_logs")
            counts: dict[int, int] = {}
            if recipe_ids:
                found = await conn.fetch(
                    "select recipe_id, view_count from cookbook.recipe_view_counts where recipe_id = any($1)",
                    recipe_ids,
                )
                counts = {r["recipe_id"]: r["view_count"] for r in found}
            return logs, counts
        finally:
            await conn.close()

    logs_before, counts_before = asyncio.run(stored())
    lock = threading.Lock()
    answered: Counter[str] = Counter()  # "search 200", "view 200", "search 503", ...
    views_answered: Counter[int] = Counter()
    in_flight = 0
    in_flight_at_sigterm = -1
    stop = threading.Event()
    enough = threading.Event()

    def fire(worker: int) -> None:
        nonlocal in_flight
        n = worker
        # A fresh connection per request: accepted before the signal means answered.
        with httpx.Client(base_url=url, timeout=NO_HANG, limits=httpx.Limits(max_keepalive_connections=0)) as http:
            while not stop.is_set():
                n += 1
                view = bool(recipe_ids) and n % 3 == 0
                with lock:
                    in_flight += 1
                try:
                    if view:
                        recipe = recipe_ids[n % len(recipe_ids)]
                        response = http.get(f"/cookbook/recipes/{recipe}")
                    else:
                        response = http.get("/bookstore/books", params={"author": AUTHORS[n % len(AUTHORS)]})
                except httpx.TransportError:  # the server stopped accepting: this burst is over
                    return
                finally:
                    with lock:
                        in_flight -= 1
                kind = "view" if view else "search"
                with lock:
                    answered[f"{kind} {response.status_code}"] += 1
                    if view and response.status_code == 200:
                        views_answered[recipe] += 1
                    if sum(answered.values()) >= SIGTERM_AFTER:
                        enough.set()

    workers = [threading.Thread(target=fire, args=(i,), daemon=True) for i in range(THREADS)]
    for worker in workers:
        worker.start()
    assert enough.wait(NO_HANG), f"the burst did not get going: {answered}"
    with lock:
        in_flight_at_sigterm = in_flight
        answered_before = sum(answered.values())
    process.send_signal(signal.SIGTERM)
    exit_code = process.wait(timeout=NO_HANG)
    stop.set()
    for worker in workers:
        worker.join(timeout=NO_HANG)
    output = process.stdout.read().decode() if process.stdout else ""

    logs, view_counts = asyncio.run(stored())
    print(
        f"\nSIGTERM: {in_flight_at_sigterm} requests in flight, {answered_before} answered before, "
        f"{sum(answered.values())} in all {dict(answered)}; search_logs rows {logs}"
    )
    # uvicorn shuts down gracefully, then re-raises the signal, as a process stopped by SIGTERM should.
    assert exit_code in (0, -signal.SIGTERM), output
    assert "Application shutdown complete" in output, output
    assert set(answered) <= {"search 200", "view 200"}, answered
    assert logs - logs_before == answered["search 200"], f"{answered['search 200'] - logs} search log rows lost"
    assert sum(answered.values()) > answered_before, "no request was answered after the signal"
    for recipe in recipe_ids:
        counted = view_counts.get(recipe, 0) - counts_before.get(recipe, 0)
        assert counted == views_answered[recipe], (
            f"recipe {recipe}: {views_answered[recipe]} views answered, {counted} counted"
        )
