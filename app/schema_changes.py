"""`catalog migrate` tells running apps that the schema changed; each app process then drops its
pooled connections' prepared statements before its next request.

After each migration file it applies, `catalog migrate` sends a NOTIFY on `CHANNEL` (the payload is
the file's name). Each app process keeps one connection to the primary (DATABASE_LISTEN_URL, else the
serving URL) LISTENing on it (a standby cannot LISTEN) and, on a notice, expires every pool's
connections, the replicas' too (asyncpg's `Pool.expire_connections()`: each is closed as it comes back
or is next taken, and replaced by a new one with empty statement and type caches). A request that met
a stale statement before the notice arrived is run again (app/retry.py). A listening connection that
is lost is opened again with backoff, and the pools expired once more: a notice may have been missed
meanwhile.

Once listening, the connection checks that a notice sent by another session reaches it (a probe on
`PROBE_CHANNEL`). Through a pooler in transaction mode (PgBouncer) it does not: the LISTEN stays on
whichever server connection ran it. Then the listener instead reads the applied migrations through
that connection every SCHEMA_POLL_INTERVAL_MS and treats each new file as a notice.
"""

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from tenacity import AsyncRetrying, retry_if_exception_type, wait_exponential

from app.errors import DATABASE_UNAVAILABLE
from app.queries import ByName
from app.settings import Settings
from app.tasks import stop_task

log = logging.getLogger(__name__)

CHANNEL = "catalog_schema_changed"
LISTENER = "catalog schema listener"
"""The listening connection's application_name."""
PROBE = "probe "
"""Start of a notice's payload that checks delivery (a file's name starts with its number): not a change."""
PROBE_SECONDS = 5.0
"""Longest wait for the probe's notice before the listener polls instead."""
CONNECT_FAILURES = (*DATABASE_UNAVAILABLE, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError)
LONGEST_WAIT_SECONDS = 10.0
"""Most time between two attempts to open the listening connection again."""


async def announce(conn: asyncpg.Connection, change: str) -> None:
    """Tell every listening app process that `change` (a migration file's name) altered the schema.
    Run by name, like the migrator's other queries (codegen migrates before it rewrites app/core/sql.py)."""
    await ByName("core").execute(conn, "announce_schema_change", channel=CHANNEL, payload=change)


async def applied_migrations(conn: asyncpg.Connection) -> list[str]:
    """The names of the applied migration files, oldest first (none before the first migration)."""
    try:
        return [row["filename"] for row in await ByName("core").fetch(conn, "applied_migrations")]
    except asyncpg.UndefinedTableError:
        return []


class SchemaListener:
    """One connection to `url` (the primary) while started, LISTENing when notices reach it, else polling the
    applied migrations every SCHEMA_POLL_INTERVAL_MS; each change heard, and each reconnection, expires the
    connections of every pool `pools()` returns, then awaits `on_change()`."""

    def __init__(
        self,
        url: str,
        pools: Callable[[], list[asyncpg.Pool]],
        settings: Settings,
        on_change: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._url = url
        self._pools = pools
        self._settings = settings
        self._on_change = on_change
        """Run after the pools are expired for a change (the replica routing reads the catalog again)."""
        self._task: asyncio.Task[None] | None = None
        self.notices = 0
        """Changes heard since start (each expired the pools)."""
        self.polling = False
        """Whether notices did not reach the listening connection, so it polls instead."""

    def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="schema change listener")

    async def stop(self) -> None:
        """Close the listening connection and end the task."""
        if self._task is not None:
            await stop_task(self._task)
            self._task = None

    async def _listen(self) -> None:
        first = True
        while True:
            conn = await self._connect()
            try:
                lost = asyncio.Event()
                conn.add_termination_listener(lambda _, closed=lost: closed.set())
                await conn.add_listener(CHANNEL, self._heard)
                seen = await self._applied_if_readable(conn)  # before the probe: a file applied meanwhile is new
                self.polling = not await self._notices_arrive(conn)
                if self.polling:
                    await conn.remove_listener(CHANNEL, self._heard)
                    if seen is None:  # raises again, saying why (the role may not read them?), and is retried
                        seen = set(await applied_migrations(conn))
                if not first:
                    await self._expire("the listening connection was lost, and a notice with it perhaps")
                first = False
                if not self.polling:
                    log.info("schema changes: listening on %s", _server(self._url))
                    await lost.wait()
                else:
                    log.warning(
                        "schema changes: a notice sent to %s does not come back (a pooler in transaction mode?);"
                        " reading the applied migrations every %d ms instead (DATABASE_LISTEN_URL: the server"
                        " itself, to be told at once)",
                        _server(self._url),
                        self._settings.schema_poll_interval_ms,
                    )
                    await self._poll(conn, seen or set(), lost)
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
                return await self._open(LISTENER)
        raise AssertionError("AsyncRetrying without a stop condition returned")

    async def _open(self, application_name: str) -> asyncpg.Connection:
        conn: asyncpg.Connection = await asyncpg.connect(
            self._url,
            timeout=self._settings.connect_timeout,
            statement_cache_size=self._settings.database_statement_cache_size,  # 0 behind PgBouncer
            server_settings={"application_name": application_name},
        )
        return conn

    @staticmethod
    async def _applied_if_readable(conn: asyncpg.Connection) -> set[str] | None:
        """The applied migrations' names, or None when this role may not read them (listening does not need to)."""
        try:
            return set(await applied_migrations(conn))
        except asyncpg.InsufficientPrivilegeError:
            return None

    async def _notices_arrive(self, conn: asyncpg.Connection) -> bool:
        """Whether a notice another session sends on CHANNEL reaches `conn` within PROBE_SECONDS."""
        probe = f"{PROBE}{os.getpid()} {os.urandom(8).hex()}"
        arrived = asyncio.Event()

        def heard(_conn: object, _pid: int, _channel: str, payload: object) -> None:
            if payload == probe:
                arrived.set()

        await conn.add_listener(CHANNEL, heard)
        try:
            sender = await self._open(f"{LISTENER} probe")
            try:
                await announce(sender, probe)
            finally:
                await sender.close()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(PROBE_SECONDS):
                    await arrived.wait()
        finally:
            await conn.remove_listener(CHANNEL, heard)
        return arrived.is_set()

    async def _poll(self, conn: asyncpg.Connection, seen: set[str], lost: asyncio.Event) -> None:
        """Until the connection is lost: read the applied migrations every interval; each new one is a change."""
        interval = self._settings.schema_poll_interval_ms / 1000
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await lost.wait()
                return
            for change in await applied_migrations(conn):
                if change not in seen:
                    seen.add(change)
                    self.notices += 1
                    await self._expire(f"catalog migrate applied {change}; seen by polling")

    async def _heard(
        self, _conn: asyncpg.Connection | PoolConnectionProxy, _pid: int, _channel: str, payload: object
    ) -> None:
        if isinstance(payload, str) and payload.startswith(PROBE):
            return
        self.notices += 1
        await self._expire(f"catalog migrate applied {payload}")

    async def _expire(self, why: str) -> None:
        for pool in self._pools():
            await pool.expire_connections()
        log.info("schema changed (%s): pooled connections are replaced before their next use", why)
        if self._on_change is not None:
            await self._on_change()


def _server(url: str) -> str:
    """`host:port` of `url`, for messages (never its password)."""
    parts = urlsplit(url)
    return f"{parts.hostname or 'the socket'}:{parts.port or 5432}"
