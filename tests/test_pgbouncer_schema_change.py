"""A running app behind PgBouncer in transaction mode learns of each schema change (issue #16, kind 1).

A LISTEN through a transaction-mode pooler is lost: it runs on whichever server connection the
pooler lends, and a notice reaching that connection while it is idle in the pool is dropped
(PgBouncer 1.18 logs `got packet 'A' from server when not linked`). `catalog serve --workers 2` runs
through a real PgBouncer (tests/test_pgbouncer.py) while 12 concurrent clients read and write and
`catalog migrate` (straight to PostgreSQL) applies a column type change, added and dropped columns,
a table replaced by a view and that view replaced. Either the listener finds that its notices do not
arrive and reads the applied migrations through PgBouncer instead (DATABASE_LISTEN_URL unset), or it
listens on the server itself (DATABASE_LISTEN_URL). Both app processes must expire their pools for
every file; no answer is a 500, every 503 carries Retry-After, and every acknowledged write is stored.
"""

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.serving_process import Served, catalog_serve
from tests.test_pgbouncer import PGBOUNCER, pgbouncer_url, set_database_defaults
from tests.test_reliability_schema_change import (
    CLIENTS,
    DOMAINS,
    NO_HANG,
    STEPS,
    Traffic,
    client,
    copy_of_schema,
    migrate,
    seeded,
    stored,
    traffic_ids,
    view_counts,
)

__all__ = ["pgbouncer_url", "seeded"]  # fixtures this module uses
pytestmark = pytest.mark.skipif(
    PGBOUNCER is None,
    reason="pgbouncer is not installed (apt-get install -y pgbouncer; .ci/run installs it)",
)

AFTER_EACH = 40  # answers between two migrations
# A column type change, added columns, dropped columns, a table replaced by a view, that view replaced twice.
KINDS = ("type: timestamptz(3)", "added columns", "dropped columns", "table replaced by a view")
CHANGES = [step for step in STEPS if step[0] in KINDS or step[0].startswith("view replaced")]
POLLED = "seen by polling"


@pytest.fixture(params=[False, True], ids=["polling through PgBouncer", "DATABASE_LISTEN_URL"])
def listen_url(request: pytest.FixtureRequest) -> bool:
    """Whether the app is given DATABASE_LISTEN_URL (the server itself)."""
    return bool(request.param)


@pytest.fixture
def served(listen_url: bool, seeded: str, pgbouncer_url: str, tmp_path: Path) -> Iterator[Served]:
    asyncio.run(set_database_defaults(seeded))
    env = {
        "DATABASE_URL": pgbouncer_url,
        "DATABASE_STATEMENT_CACHE_SIZE": "0",
        "DATABASE_STARTUP_SETTINGS": "false",
        "CATALOG_DOMAINS": DOMAINS,
        "BACKGROUND_DRAIN_SECONDS": "30",
        "SCHEMA_POLL_INTERVAL_MS": "200",
    }
    if listen_url:
        env["DATABASE_LISTEN_URL"] = seeded
    with catalog_serve(tmp_path, "--workers", "2", env=env, workers=2) as running:
        yield running


def heard(output: str, change: str) -> int:
    """How many app processes said they expired their pools for `change`."""
    return output.count(f"schema changed (catalog migrate applied {change}")


async def test_app_behind_pgbouncer_hears_every_migration(
    served: Served, listen_url: bool, seeded: str, tmp_path: Path
) -> None:
    schema_dir = copy_of_schema(tmp_path)
    conn = await asyncpg.connect(seeded)
    try:
        ids = await traffic_ids(conn)
        views_before = await view_counts(conn)
    finally:
        await conn.close()
    # Each process has found whether notices reach it: listening, or polling through PgBouncer.
    decided = "schema changes: listening on" if listen_url else "does not come back"
    served.wait_until("both processes' listeners decided", lambda: served.output().count(decided) == 2)
    before = await stored(seeded)
    traffic = Traffic()
    stop = asyncio.Event()
    applied: list[str] = []
    async with httpx.AsyncClient(base_url=served.base_url, timeout=NO_HANG) as http:
        clients = [asyncio.create_task(client(http, i, traffic, ids, stop)) for i in range(CLIENTS)]
        try:
            for number, (_, sql) in enumerate(CHANGES, start=9201):
                target = traffic.total + AFTER_EACH
                while traffic.total < target:
                    assert not any(c.done() for c in clients), [c.exception() for c in clients if c.done()]
                    await asyncio.sleep(0.01)
                name = f"{number}_pooled_{number}.sql"
                (schema_dir / name).write_text(sql)
                said = await asyncio.to_thread(migrate, seeded, schema_dir)
                assert name in said, said
                applied.append(name)
            deadline = time.monotonic() + NO_HANG
            while not all(heard(served.output(), name) == 2 for name in applied):
                assert time.monotonic() < deadline, served.output()
                await asyncio.sleep(0.1)
            target = traffic.total + AFTER_EACH
            while traffic.total < target:
                await asyncio.sleep(0.01)
        finally:
            stop.set()
            await asyncio.gather(*clients)
    served.process.terminate()  # shutdown drains the background writers
    served.process.wait(timeout=NO_HANG)
    output = served.output()
    after = await stored(seeded)
    reruns = output.count("running the request again")
    print(f"\nanswered {traffic.total}, {reruns} run twice: {dict(traffic.answered)}")
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
    for name in applied:  # both processes expired their pools for every file, each the way it was told
        assert heard(output, name) == 2, f"{name}: {heard(output, name)} of 2 app processes expired their pools"
        assert output.count(f"{name}; {POLLED}") == (0 if listen_url else 2), output
    assert output.count("does not come back") == (0 if listen_url else 2), output
