"""Connection URLs, the asyncpg pool, and the per-request connection dependency."""

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, cast
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from fastapi import Depends, Request

from app import tracing
from app.errors import DATABASE_UNAVAILABLE, UNAVAILABLE_DETAIL, ServiceUnavailable
from app.metrics import TimedConnection, waiting_for
from app.settings import Settings

EMBEDDED_DATABASE = "catalog"

log = logging.getLogger(__name__)


def with_database(url: str, database: str) -> str:
    """The same server URL pointed at another database (query string kept, e.g. a socket host)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def session_settings(settings: Settings) -> dict[str, str]:
    """Server settings every app session runs with.

    plan_cache_mode is pinned to custom plans: our queries take optional filters and run on
    skewed data, where a cached generic plan can be orders of magnitude worse (see README).
    synchronous_commit is on whatever the server's default: an acknowledged write survives a crash.
    """
    return {
        "jit": "off",
        "synchronous_commit": "on",
        "statement_timeout": str(settings.statement_timeout_ms),
        "plan_cache_mode": "force_custom_plan",
        "application_name": "catalog",
    }


async def prepare_connection(conn: asyncpg.Connection) -> None:
    """Every app connection: json and jsonb travel as Python values (app.queries.JsonValue), not text."""
    for name in ("json", "jsonb"):
        await conn.set_type_codec(name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


def startup_settings(settings: Settings) -> dict[str, str]:
    """What a new connection sends: every session setting, or (DATABASE_STARTUP_SETTINGS=false, behind
    PgBouncer, which refuses other startup parameters) only application_name; the rest then come from
    the role's or database's defaults (README "Workers and PgBouncer")."""
    wanted = session_settings(settings)
    if settings.database_startup_settings:
        return wanted
    return {"application_name": wanted["application_name"]}


async def no_reset(conn: asyncpg.Connection) -> None:
    """The pool's reset on release: nothing to send. App sessions never change session state (no SET,
    LISTEN, advisory lock or cursor outlives a request), and asyncpg rolls back an open transaction
    itself before calling this; its default would send `pg_advisory_unlock_all(); CLOSE ALL;
    UNLISTEN *; RESET ALL` on every release, a round trip per request (issue #12)."""


async def create_pool(url: str, settings: Settings) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        url,
        min_size=settings.pool_min_size,
        max_size=settings.pool_max_size,
        timeout=settings.connect_timeout,
        statement_cache_size=settings.database_statement_cache_size,
        server_settings=startup_settings(settings),
        init=prepare_connection,
        reset=no_reset,
        connection_class=TimedConnection if settings.times_statements or tracing.tracer else asyncpg.Connection,
    )
    assert pool is not None
    return pool


async def _acquire(request: Request) -> tuple[asyncpg.Pool, PoolConnectionProxy]:
    """A pooled connection within POOL_ACQUIRE_TIMEOUT, or a 503 when none comes in time or the database
    cannot be reached (the pool reconnects by itself once it is back)."""
    pool: asyncpg.Pool = request.app.state.pool
    timeout = request.app.state.settings.pool_acquire_timeout
    # With an idle connection in the pool nothing can be waited for: no timeout machinery then (asyncpg
    # wraps a timed acquire, and the release after it, in asyncio.timeout: about 3% of a cheap request).
    try:
        if pool.get_idle_size():
            conn = await pool.acquire()
        else:
            with waiting_for(pool):
                conn = await pool.acquire(timeout=timeout)
    except TimeoutError as exc:
        raise ServiceUnavailable(
            f"no database connection became free within {timeout:g}s; the service is overloaded, retry later"
        ) from exc
    except DATABASE_UNAVAILABLE as exc:
        log.warning("database unavailable: %r", exc)
        raise ServiceUnavailable(UNAVAILABLE_DETAIL) from exc
    return pool, conn


@asynccontextmanager
async def borrow(request: Request) -> AsyncIterator[asyncpg.Connection]:
    """One pooled connection for as long as the block runs (see _acquire for the 503s)."""
    pool, conn = await _acquire(request)
    try:
        # The pool lends a proxy that forwards everything to the connection: typed as one.
        yield cast(asyncpg.Connection, conn)
    finally:
        await pool.release(conn)


async def connection(request: Request) -> asyncpg.Connection:
    """FastAPI dependency: the request's pooled connection (see _acquire), given back to the pool as soon
    as the handler returns, before the response is sent and before background tasks run (which take
    their own connection; held until after them, 10 busy requests whose log writes wait for a connection
    would starve the pool).

    A plain function rather than a dependency with `yield`: the release is pushed on FastAPI's
    per-handler exit stack (the one `Depends(..., scope="function")` uses), which skips the context
    manager, the cancel-scope shielding and the async-library lookup FastAPI wraps around each yield
    dependency, about 8% of a cheap request's CPU (issue #12). pool.release shields itself from
    cancellation."""
    pool, conn = await _acquire(request)
    request.scope[FUNCTION_EXIT_STACK].push_async_callback(pool.release, conn)
    return cast(asyncpg.Connection, conn)


FUNCTION_EXIT_STACK = "fastapi_function_astack"
"""FastAPI's AsyncExitStack closed when the endpoint function returns (fastapi/routing.py, request_response)."""

Connection = Annotated[asyncpg.Connection, Depends(connection)]
