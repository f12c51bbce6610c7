"""`scripts/bench --replica`: read throughput of the app on one primary against one primary plus one
streaming replica (docs/replicas.md), on a primary and replica of the run's own with the demo data.

On a two-core machine the replica competes with the primary, the app and wrk for the same cores, so
the figure is about the routing (reads do land on the replica, pg_stat_database says how many) and
its cost per request, not about capacity.
"""

import asyncio

import asyncpg

from app.bench import wrk
from app.bench.cases import Case
from app.bench.servers import serving
from app.core import sql as core_sql
from app.replica_cluster import primary_with_replica
from app.settings import ROOT

DOMAINS = "bookstore,cookbook,inventory"
CASES = (
    Case("bookstore", "one book", "/bookstore/books/1"),
    Case("bookstore", "books page", "/bookstore/books"),
    Case("inventory", "products page", "/inventory/products"),
    Case("cookbook", "one recipe", "/cookbook/recipes/1"),
)


async def _commits(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return await core_sql.database_commits(conn) or 0
    finally:
        await conn.close()


def run(seconds: float, rounds: int, connections: int) -> list[str]:
    """Each case on the app without and with the replica, `rounds` interleaved rounds; Markdown lines of medians."""
    logs = ROOT / "reports" / "bench-logs" / "replica"
    results: dict[tuple[str, str], list[wrk.Result]] = {}
    landed: dict[str, tuple[int, int]] = {}
    with primary_with_replica("bench-replica", DOMAINS) as cluster:
        setups = {
            "primary": {"CATALOG_DOMAINS": DOMAINS},
            "primary + replica": {"CATALOG_DOMAINS": DOMAINS, "DATABASE_REPLICA_URLS": cluster.replica_url},
        }
        for round_number in range(rounds):
            order = list(setups) if round_number % 2 == 0 else list(reversed(setups))
            for setup in order:
                with serving("app", cluster.url, logs, setups[setup]) as url:
                    for case in CASES:
                        wrk.run(url, case, 1, connections)  # warm-up
                    before = (asyncio.run(_commits(cluster.url)), asyncio.run(_commits(cluster.replica_url)))
                    for case in CASES:
                        result = wrk.run(url, case, seconds, connections)
                        results.setdefault((setup, case.name), []).append(result)
                        print(
                            f"  round {round_number + 1}/{rounds} {setup:18} {case.name}: "
                            f"{result.requests_per_second:,.0f} req/s, p50 {result.p50_ms:.2f} ms",
                            flush=True,
                        )
                    after = (asyncio.run(_commits(cluster.url)), asyncio.run(_commits(cluster.replica_url)))
                    landed[setup] = (after[0] - before[0], after[1] - before[1])
    lines = [
        "## Replica run: the app on one primary vs one primary + one streaming replica",
        "",
        f"{rounds} round(s) of {seconds:g} s per case, {connections} connections; medians.",
        "",
        "| case | primary req/s | primary + replica req/s | ratio | p50 ms (primary / + replica) |",
        "|---|---:|---:|---:|---:|",
    ]
    for case in CASES:
        alone, both = (_median(results[(setup, case.name)]) for setup in setups)
        lines.append(
            f"| {case.domain}: {case.name} | {alone.requests_per_second:,.0f} | {both.requests_per_second:,.0f} | "
            f"{both.requests_per_second / alone.requests_per_second:.2f} | {alone.p50_ms:.2f} / {both.p50_ms:.2f} |"
        )
    lines += ["", "Transactions committed during the last round's measurement (pg_stat_database, may lag ~1 s):", ""]
    for setup, (on_primary, on_replica) in landed.items():
        lines.append(f"- {setup}: primary {on_primary:,}, replica {on_replica:,}")
    return lines


def _median(runs: list[wrk.Result]) -> wrk.Result:
    return sorted(runs, key=lambda result: result.requests_per_second)[len(runs) // 2]
