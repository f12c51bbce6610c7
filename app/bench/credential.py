"""`scripts/bench --credential`: the cost of checking an API key, each read case with a key against
without one on the same running app (docs/access-control.md quotes the figures)."""

import asyncio
import statistics

import asyncpg

from app.access import sql as access_sql
from app.access.keys import key_hash, new_key
from app.bench import wrk
from app.bench.cases import Case

KEY_NAME = "bench-credential"


async def measure(url: str, app_url: str, chosen: list[Case], seconds: float, rounds: int, connections: int) -> None:
    """Issue a read key for the run (the app loads it within AUTH_REFRESH_SECONDS), measure every GET case
    with and without it in alternating order, print the medians, then delete the key so the bench
    database stays unconfigured (POST cases need no key from loopback)."""
    reads = [case for case in chosen if case.method == "GET"]
    key, key_id = new_key()
    scopes = sorted({f"{case.domain}:read" for case in reads})
    conn = await asyncpg.connect(url)
    try:
        await access_sql.delete_key(conn, key_name=KEY_NAME)
        await access_sql.insert_key(
            conn, key_name=KEY_NAME, key_id=key_id, secret_hash=key_hash(key), key_scopes=scopes, expires_at=None
        )
        await asyncio.sleep(3)  # the app reloads its key table every 2 s
        header = {"Authorization": f"Bearer {key}"}
        ratios = []
        for case in reads:
            wrk.run(app_url, case, 1, connections, header)
            without: list[float] = []
            with_key: list[float] = []
            for round_number in range(rounds):
                order: list[tuple[list[float], dict[str, str] | None]] = [(without, None), (with_key, header)]
                for found, headers in order if round_number % 2 == 0 else reversed(order):
                    found.append(wrk.run(app_url, case, seconds, connections, headers).requests_per_second)
            base, keyed = statistics.median(without), statistics.median(with_key)
            ratios.append(keyed / base)
            print(
                f"  credential {case.domain}: {case.name}: {base:,.0f} req/s without a key, {keyed:,.0f} with one "
                f"({(keyed / base - 1) * 100:+.1f}%)",
                flush=True,
            )
        if ratios:
            print(
                f"bench: with a key, median {(statistics.median(ratios) - 1) * 100:+.1f}% req/s over {len(ratios)} read cases"
            )
    finally:
        await access_sql.delete_key(conn, key_name=KEY_NAME)
        await conn.close()
