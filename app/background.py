"""Background writes in batches: handlers queue items without waiting; one task writes them.

A search log row or a recipe view is queued with `writer.add(item)` (no await, no connection, no
lock). One task per writer takes everything queued so far and writes it with one statement that
takes arrays, so N concurrent requests cost one pool acquire and one round trip, and a hot row is
updated once per batch instead of once per request. `stop()` drains the queue at shutdown; a batch
whose write fails (e.g. the database is down) is kept and retried until it is written or the
shutdown deadline passes, and what is dropped then is logged with its count.
"""

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from typing import Generic, TypeVar, cast

import asyncpg
from fastapi import FastAPI

from app import metrics

log = logging.getLogger(__name__)

Item = TypeVar("Item")
Flush = Callable[[asyncpg.Connection, list[Item]], Awaitable[object]]

RETRY_DELAYS = (0.1, 0.5, 1.0, 2.0)  # seconds between attempts at a failing batch (the last repeats)

reads_recorded: ContextVar[bool] = ContextVar("reads_recorded", default=True)
"""False while a request runs whose answer nobody reads (a HEAD, app/methods.py): writers made with
records_reads=True queue nothing then."""


class BatchWriter(Generic[Item]):
    """Queue of items written by `flush(conn, items)` in batches of at most `max_batch`."""

    def __init__(
        self,
        name: str,
        flush: Flush[Item],
        *,
        max_batch: int = 1000,
        max_items: int = 100_000,
        records_reads: bool = False,
    ) -> None:
        self.name = name
        self.records_reads = records_reads
        self._flush = flush
        self._max_batch = max_batch
        self._max_items = max_items
        self._items: list[Item] = []
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self._pool: asyncpg.Pool | None = None
        self._closing = False
        self.written = 0
        self.dropped = 0

    def add(self, item: Item) -> None:
        """Queue one item; never waits; call it on the event loop. Past max_items the oldest are dropped (and
        counted). A writer that `records_reads` (a search, a view) queues nothing while `reads_recorded` is off."""
        if self.records_reads and not reads_recorded.get():
            return
        self._items.append(item)
        if len(self._items) > self._max_items:
            excess = len(self._items) - self._max_items
            del self._items[:excess]
            self._count_dropped(excess)
            log.error("%s: queue full, dropped the %d oldest items", self.name, excess)
        self._idle.clear()
        self._wake.set()

    async def add_in_background(self, item: Item) -> None:
        """`add` for Starlette's BackgroundTasks: a coroutine runs on the event loop, where `add` must run
        (a plain function would run in a worker thread)."""
        self.add(item)

    @property
    def queued(self) -> int:
        """Items queued and not yet written."""
        return len(self._items)

    def _count_dropped(self, count: int) -> None:
        self.dropped += count
        metrics.WRITER_DROPPED.labels(self.name).inc(count)

    def start(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        metrics.track_writer(self)
        self._task = asyncio.create_task(self._run(), name=f"batch writer: {self.name}")

    async def drained(self) -> None:
        """Wait until everything queued so far has been written (or dropped)."""
        await self._idle.wait()

    async def stop(self, timeout: float) -> None:
        """Write what is queued (for at most `timeout` seconds), then end the task."""
        self._closing = True
        self._wake.set()
        if self._task is None:
            return
        try:
            async with asyncio.timeout(timeout):
                await asyncio.shield(self._task)
        except TimeoutError:
            self._task.cancel()
            lost = len(self._items)
            self._count_dropped(lost)
            log.error("%s: shutdown deadline of %gs passed; %d queued items not written", self.name, timeout, lost)

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            if not self._items:
                self._wake.clear()
                self._idle.set()
                if self._closing:
                    return
                continue
            batch = self._items[: self._max_batch]
            await self._write(batch)
            del self._items[: len(batch)]

    async def _write(self, batch: list[Item]) -> None:
        """Write one batch, retrying while the database is unavailable."""
        assert self._pool is not None
        attempt = 0
        started = time.perf_counter()
        while True:
            try:
                async with self._pool.acquire() as conn:
                    await self._flush(cast(asyncpg.Connection, conn), batch)
                self.written += len(batch)
                metrics.WRITER_WRITTEN.labels(self.name).inc(len(batch))
                metrics.WRITER_FLUSH.labels(self.name).observe(time.perf_counter() - started)
                return
            except (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError):
                # The batch itself is bad: retrying cannot help. Write the good items one by one.
                await self._write_one_by_one(batch)
                return
            # A schema change (a stale statement, OutdatedSchemaCacheError) or a deadlock: the batch's
            # one statement is whole or nothing, so it is sent again, like after an outage.
            except (
                OSError,
                asyncpg.PostgresError,
                asyncpg.InterfaceError,
                asyncpg.InternalClientError,
                TimeoutError,
            ) as exc:
                delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)]
                attempt += 1
                log.warning("%s: writing %d items failed (%s); retrying in %gs", self.name, len(batch), exc, delay)
                await asyncio.sleep(delay)

    async def _write_one_by_one(self, batch: list[Item]) -> None:
        assert self._pool is not None
        async with self._pool.acquire() as conn:
            for item in batch:
                try:
                    await self._flush(cast(asyncpg.Connection, conn), [item])
                    self.written += 1
                    metrics.WRITER_WRITTEN.labels(self.name).inc()
                except (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError):
                    self._count_dropped(1)
                    log.exception("%s: item refused by the database and dropped: %r", self.name, item)


def writer_lifespan(
    state_name: str, make_writer: Callable[[], BatchWriter[Item]]
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A router's lifespan: the writer runs on the app's pool as `app.state.<state_name>` while the app
    runs, and is drained at shutdown (for at most BACKGROUND_DRAIN_SECONDS)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        writer = make_writer()
        setattr(app.state, state_name, writer)
        writer.start(app.state.pool)
        try:
            yield
        finally:
            await writer.stop(app.state.settings.background_drain_seconds)
            metrics.untrack_writer(writer)

    return lifespan
