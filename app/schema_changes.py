"""`catalog migrate` tells running apps that the schema changed; each app process then drops its
pooled connections' prepared statements before its next request.

After each migration file it applies, `catalog migrate` sends a NOTIFY on `CHANNEL` (the payload is
the file's name). Each app process keeps one connection to the primary LISTENing on it (a standby
cannot LISTEN) and, on a notice, expires every pool's connections, the replicas' too (asyncpg's
`Pool.expire_connections()`: each is closed as it comes back or is next taken, and replaced by a new
one with empty statement and type caches). A request that met a stale statement before the notice
arrived is run again (app/retry.py). A listening connection that is lost is opened again with
backoff, and the pools expired once more: a notice may have been missed meanwhile.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from tenacity import AsyncRetrying, retry_if_exception_type, wait_exponential

from app.errors import DATABASE_UNAVAILABLE
from app.queries import ByName

log = logging.getLogger(__name__)

CHANNEL = "catalog_schema_changed"
CONNECT_FAILURES = (*DATABASE_UNAVAILABLE, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError)
LONGEST_WAIT_SECONDS = 10.0
"""Most time between two attempts to open the listening connection again."""


async def announce(conn: asyncpg.Connection, change: str) -> None:
    """Tell every listening app process that `change` (a migration file's name) altered the schema.
    Run by name, like the migrator's other queries (codegen migrates before it rewrites app/core/sql.py)."""
    await ByName("core").execute(conn, "announce_schema_change", channel=CHANNEL, payload=change)


class SchemaListener:
    """One LISTEN connection to `url` (the primary) while started; each notice on CHANNEL, and each
    reconnection, expires the connections of every pool `pools()` returns."""

    def __init__(self, url: str, pools: Callable[[], list[asyncpg.Pool]], connect_timeout: float) -> None:
        self._url = url
        self._pools = pools
        self._connect_timeout = connect_timeout
        self._task: asyncio.Task[None] | None = None
        self.notices = 0
        """Notices heard since start (each expired the pools)."""

    def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="schema change listener")

    async def stop(self) -> None:
        """Close the listening connection and end the task."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _listen(self) -> None:
        first = True
        while True:
            conn = await self._connect()
            try:
                lost = asyncio.Event()
                conn.add_termination_listener(lambda _, closed=lost: closed.set())
                await conn.add_listener(CHANNEL, self._heard)
                if not first:
                    await self._expire("the listening connection was lost, and a notice with it perhaps")
                first = False
                await lost.wait()
                log.warning("the schema change listener lost its connection; opening another")
            except CONNECT_FAILURES as exc:
                log.warning("the schema change listener failed (%r); opening another connection", exc)
            finally:
                conn.terminate()

    async def _connect(self) -> asyncpg.Connection:
        """A connection to the primary, tried again (waits doubling up to LONGEST_WAIT_SECONDS) until one opens."""
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(CONNECT_FAILURES),
            wait=wait_exponential(multiplier=0.1, max=LONGEST_WAIT_SECONDS),
            before_sleep=lambda state: log.warning(
                "the schema change listener cannot connect (%r); trying again",
                state.outcome.exception() if state.outcome is not None else None,
            ),
        ):
            with attempt:
                conn: asyncpg.Connection = await asyncpg.connect(
                    self._url,
                    timeout=self._connect_timeout,
                    server_settings={"application_name": "catalog schema listener"},
                )
                return conn
        raise AssertionError("AsyncRetrying without a stop condition returned")

    async def _heard(
        self, _conn: asyncpg.Connection | PoolConnectionProxy, _pid: int, _channel: str, payload: object
    ) -> None:
        self.notices += 1
        await self._expire(f"catalog migrate applied {payload}")

    async def _expire(self, why: str) -> None:
        for pool in self._pools():
            await pool.expire_connections()
        log.info("schema changed (%s): pooled connections are replaced before their next use", why)
