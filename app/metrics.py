"""Prometheus metrics (prometheus-client), served at GET /metrics: requests, latency, database time, pools,
background writers and upstream HTTP calls (docs/operating.md lists every metric).

Under `catalog serve --workers N` every worker writes its values to files in PROMETHEUS_MULTIPROC_DIR (the
client's multiprocess mode, set up by app/serving.py) and a scrape of any worker sums them all. Values
that are read rather than counted (pool sizes, queue depths) are refreshed every REFRESH_SECONDS by each
worker and at each scrape by the worker answering it.
"""

import asyncio
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg
import httpx
from fastapi import APIRouter, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from app import tracing

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
REFRESH_SECONDS = 1.0
UNMATCHED_ROUTE = "unmatched"  # a request no route took (404, 405 on an unknown path, 413 before routing)

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "catalog_http_requests_total",
    "HTTP requests answered, by route template, method and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "catalog_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
DATABASE_TIME = Histogram(
    "catalog_http_request_database_seconds",
    "Time a request spent waiting on its database statements.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
POOL_SIZE = Gauge(
    "catalog_db_pool_connections",
    "Open connections of the app's pools, by server.",
    ["server"],
    multiprocess_mode="livesum",
)
POOL_MAX = Gauge(
    "catalog_db_pool_max_connections",
    "Most connections the app's pools may open, by server.",
    ["server"],
    multiprocess_mode="livesum",
)
POOL_IN_USE = Gauge(
    "catalog_db_pool_in_use_connections",
    "Connections lent to requests or writers, by server.",
    ["server"],
    multiprocess_mode="livesum",
)
POOL_WAITING = Gauge(
    "catalog_db_pool_waiting_requests",
    "Requests waiting for a free connection, by server.",
    ["server"],
    multiprocess_mode="livesum",
)
WRITER_QUEUE = Gauge(
    "catalog_background_queue_items",
    "Items queued for a background writer, not yet written.",
    ["writer"],
    multiprocess_mode="livesum",
)
WRITER_FLUSH = Histogram(
    "catalog_background_flush_seconds",
    "Time to write one batch of a background writer (retries included).",
    ["writer"],
    buckets=LATENCY_BUCKETS,
)
WRITER_WRITTEN = Counter("catalog_background_written_items_total", "Items a background writer wrote.", ["writer"])
WRITER_DROPPED = Counter(
    "catalog_background_dropped_items_total",
    "Items a background writer dropped (queue full, refused, shutdown).",
    ["writer"],
)
UPSTREAM = Counter(
    "catalog_upstream_requests_total",
    "HTTP calls to other services by host and outcome: 2xx..5xx, or error (no answer: timeout, refused).",
    ["host", "outcome"],
)


@dataclass
class RequestTiming:
    """What one request has spent so far, in seconds: kept in a context variable while it runs."""

    database: float = 0.0


request_timing: ContextVar[RequestTiming | None] = ContextVar("request_timing", default=None)


class TimedConnection(asyncpg.Connection):
    """asyncpg's connection, adding each statement's time to the running request's RequestTiming, and
    with tracing on, one span per statement (the pools' connection_class, app/database.py). Each method
    awaits asyncpg's own call directly: no wrapping coroutine per statement."""

    async def execute(self, query: str, *args: Any, timeout: float | None = None) -> str:
        started = time.perf_counter()
        try:
            if tracing.tracer is None:
                return await super().execute(query, *args, timeout=timeout)
            with tracing.statement_span(query):
                return await super().execute(query, *args, timeout=timeout)
        finally:
            _spent(started)

    async def fetch(self, query: str, *args: Any, timeout: float | None = None, record_class: Any = None) -> Any:
        started = time.perf_counter()
        try:
            if tracing.tracer is None:
                return await super().fetch(query, *args, timeout=timeout, record_class=record_class)
            with tracing.statement_span(query):
                return await super().fetch(query, *args, timeout=timeout, record_class=record_class)
        finally:
            _spent(started)

    async def fetchrow(self, query: str, *args: Any, timeout: float | None = None, record_class: Any = None) -> Any:
        started = time.perf_counter()
        try:
            if tracing.tracer is None:
                return await super().fetchrow(query, *args, timeout=timeout, record_class=record_class)
            with tracing.statement_span(query):
                return await super().fetchrow(query, *args, timeout=timeout, record_class=record_class)
        finally:
            _spent(started)

    async def fetchval(self, query: str, *args: Any, column: int = 0, timeout: float | None = None) -> Any:
        started = time.perf_counter()
        try:
            if tracing.tracer is None:
                return await super().fetchval(query, *args, column=column, timeout=timeout)
            with tracing.statement_span(query):
                return await super().fetchval(query, *args, column=column, timeout=timeout)
        finally:
            _spent(started)


def _spent(started: float) -> None:
    timing = request_timing.get()
    if timing is not None:
        timing.database += time.perf_counter() - started


def observe_request(method: str, route: str, status: int, seconds: float, database_seconds: float) -> None:
    """Count one answered request and its times."""
    key = (method, route, status)
    children = _request_children.get(key)
    if children is None:  # labels() validates and locks each time: look each combination up once
        children = _request_children[key] = (
            REQUESTS.labels(method, route, str(status)),
            LATENCY.labels(method, route),
            DATABASE_TIME.labels(method, route),
        )
    requests, latency, database = children
    requests.inc()
    latency.observe(seconds)
    database.observe(database_seconds)


_request_children: dict[tuple[str, str, int], tuple[Any, Any, Any]] = {}


# --- pools and writers: read at each refresh ---------------------------------------------------------


class QueueHolder(Protocol):
    """What a refresh reads of a background writer (app/background.py BatchWriter)."""

    name: str

    @property
    def queued(self) -> int: ...


_pools: dict[str, asyncpg.Pool] = {}
_writers: dict[str, QueueHolder] = {}


def track_pool(server: str, pool: asyncpg.Pool) -> None:
    """Report `pool`'s size and use under the label server=`server` (e.g. "primary", a replica's name)."""
    _pools[server] = pool


def untrack_pool(server: str) -> None:
    _pools.pop(server, None)
    for gauge in (POOL_SIZE, POOL_MAX, POOL_IN_USE):
        gauge.labels(server).set(0)


@contextmanager
def waiting_for(pool: asyncpg.Pool) -> Iterator[None]:
    """Count a request as waiting for a connection of `pool` while the block runs."""
    server = next((name for name, known in _pools.items() if known is pool), None)
    if server is None:
        yield
        return
    gauge = POOL_WAITING.labels(server)
    gauge.inc()
    try:
        yield
    finally:
        gauge.dec()


def track_writer(writer: QueueHolder) -> None:
    _writers[writer.name] = writer


def untrack_writer(writer: QueueHolder) -> None:
    if _writers.get(writer.name) is writer:
        del _writers[writer.name]
        WRITER_QUEUE.labels(writer.name).set(0)


def refresh() -> None:
    """Set the gauges that are read rather than counted: pool sizes and writer queues of this process."""
    for server, pool in list(_pools.items()):
        size = pool.get_size()
        POOL_SIZE.labels(server).set(size)
        POOL_MAX.labels(server).set(pool.get_max_size())
        POOL_IN_USE.labels(server).set(size - pool.get_idle_size())
        POOL_WAITING.labels(server).inc(0)  # exported as 0 before anyone waits
    for name, writer in list(_writers.items()):
        WRITER_QUEUE.labels(name).set(writer.queued)


async def refresh_loop(interval: float = REFRESH_SECONDS) -> None:
    """Refresh every `interval` seconds until cancelled (one task per process, started by the app's lifespan)."""
    while True:
        refresh()
        await asyncio.sleep(interval)


def process_exit() -> None:
    """This worker's live gauges leave the sums (multiprocess mode); its counters stay counted."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


# --- upstream HTTP calls -----------------------------------------------------------------------------


class CountingTransport(httpx.AsyncBaseTransport):
    """An httpx transport that counts every call by host and outcome (catalog_upstream_requests_total)."""

    def __init__(self, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self._inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.netloc.decode("ascii", "replace")
        try:
            response = await self._inner.handle_async_request(request)
        except BaseException:  # a timeout, a refused connection, or the caller's deadline cancelling it
            UPSTREAM.labels(host, "error").inc()
            raise
        UPSTREAM.labels(host, f"{response.status_code // 100}xx").inc()
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


# --- the endpoint ------------------------------------------------------------------------------------


def render() -> bytes:
    """Every metric in Prometheus' text format: of all workers in multiprocess mode, else of this process."""
    refresh()
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


router = APIRouter()


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    """The metrics in Prometheus' text format (not in the OpenAPI schema)."""
    return Response(render(), media_type=CONTENT_TYPE_LATEST)
