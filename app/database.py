"""Connection URLs, one asyncpg pool per server (primary and read replicas), and the per-request
connection dependency (which statement runs where: app/routing.py)."""

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Annotated, Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from fastapi import Depends, Request
from starlette.applications import Starlette

from app import queries, tracing
from app.commits import noting_class, noting_hooks
from app.core import sql as core_sql
from app.errors import DATABASE_UNAVAILABLE
from app.metrics import TimedConnection
from app.own_writes import OwnWrites
from app.queries import Statement
from app.readonly import classify
from app.relations import learn_catalog, learn_triggers
from app.replicas import Server, Servers
from app.routing import ROUTE_KEY, Route, RoutedConnection
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
    skewed data, where a cached generic plan can be far worse (docs/plan-checks.md "Why custom plans").
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
    the role's or database's defaults (docs/performance.md "Workers and PgBouncer")."""
    wanted = session_settings(settings)
    if settings.database_startup_settings:
        return wanted
    return {"application_name": wanted["application_name"]}


async def no_reset(conn: asyncpg.Connection) -> None:
    """The pool's reset on release: nothing to send, since no SET, LISTEN, advisory lock or cursor outlives
    a request and asyncpg rolls back an open transaction itself (asyncpg's default: docs/performance.md)."""


async def create_pool(
    url: str, settings: Settings, min_size: int | None = None, own: OwnWrites | None = None
) -> asyncpg.Pool:
    """The app's pool of connections to one server (POOL_MIN_SIZE unless `min_size` is given); with
    `own`, each write made on it is told to it with its commit's WAL position (app/commits.py)."""
    timed = settings.times_statements or tracing.tracer is not None
    connection_class: type[asyncpg.Connection] = TimedConnection if timed else asyncpg.Connection
    init: Callable[[asyncpg.Connection], Coroutine[Any, Any, None]] = prepare_connection
    reset: Callable[[asyncpg.Connection], Awaitable[None]] = no_reset
    if own is not None:
        connection_class = noting_class(timed)
        note_init, reset = noting_hooks(own)

        async def noting_init(conn: asyncpg.Connection) -> None:
            await prepare_connection(conn)
            await note_init(conn)

        init = noting_init

    pool = await asyncpg.create_pool(
        url,
        min_size=settings.pool_min_size if min_size is None else min_size,
        max_size=settings.pool_max_size,
        timeout=settings.connect_timeout,
        statement_cache_size=settings.database_statement_cache_size,
        server_settings=startup_settings(settings),
        init=init,
        reset=reset,
        connection_class=connection_class,
    )
    assert pool is not None
    return pool


async def open_servers(primary_url: str, settings: Settings) -> Servers:
    """One pool per server: the primary at `primary_url` (must answer now) and each DATABASE_REPLICA_URLS
    entry (may be down: its pool connects when it answers). Positions are polled once `start()`ed."""
    replica_urls = settings.replica_urls()
    own = OwnWrites()
    primary_pool = await create_pool(primary_url, settings, own=own if replica_urls else None)
    replicas = []
    for number, url in enumerate(replica_urls, start=1):
        replicas.append(Server(f"replica{number}", url, await _replica_pool(url, settings)))
    if replicas:
        # Every loaded named query is parsed once now, so requests only look the answer up.
        classify(held.sql for held in Statement.created)  # create_app's check_all found none stale
        await learn_catalog_of(primary_pool)
    return Servers(
        Server("primary", primary_url, primary_pool),
        replicas,
        max_lag_ms=settings.replica_max_lag_ms,
        poll_interval=settings.replica_poll_interval_ms / 1000,
        own=own,
    )


async def _replica_pool(url: str, settings: Settings) -> asyncpg.Pool:
    try:
        return await create_pool(url, settings)
    except (*DATABASE_UNAVAILABLE, asyncpg.PostgresError) as exc:  # down, or refusing us (e.g. a role not replayed yet)
        log.warning(
            "replica %s does not answer yet (%r); reads go elsewhere until it does", url.rpartition("@")[2], exc
        )
        return await create_pool(url, settings, min_size=0)


def pools(app: Starlette) -> list[tuple[str, asyncpg.Pool]]:
    """(server name, pool) of every server the app reads or writes: `primary` first, then `replica1`..."""
    servers: Servers = app.state.servers
    return servers.pools()


@asynccontextmanager
async def borrow(request: Request) -> AsyncIterator[RoutedConnection]:
    """A connection routed like the request's own (app/routing.py), whose pooled connections go back
    when the block ends; 503 when none comes within POOL_ACQUIRE_TIMEOUT or the database is down."""
    conn = RoutedConnection(request.scope[ROUTE_KEY])
    try:
        yield conn
    finally:
        await conn.release()


async def connection(request: Request) -> RoutedConnection:
    """FastAPI dependency: the request's connection (app/routing.py). It borrows pooled connections when
    a statement first needs one (503 when none comes within POOL_ACQUIRE_TIMEOUT or the database is
    down) and gives them back when the response starts, before background tasks run (which take their
    own; held until after them, 10 busy requests whose log writes wait would starve the pool)."""
    route: Route = request.scope[ROUTE_KEY]
    return route.main


Connection = Annotated[queries.Connection, Depends(connection)]
"""A handler's `conn` parameter: the request's connection, typed as the app's one Connection (app/queries.py)."""


async def learn_catalog_of(pool: asyncpg.Pool) -> None:
    """Tell app/relations.py the user tables, the functions' volatility and what a write of each table
    also changes (triggers, cascading foreign keys, partitions); if they cannot be read, every write
    counts as changing every relation (logged)."""
    try:
        async with pool.acquire() as conn:
            triggers = await core_sql.trigger_functions(conn)
            related = await core_sql.related_tables(conn)
            tables = await core_sql.user_tables(conn)
            functions = await core_sql.function_volatility(conn)
    except (*DATABASE_UNAVAILABLE, asyncpg.PostgresError, TimeoutError) as exc:
        log.warning("could not read the catalog; every write counts as changing every relation: %r", exc)
        return
    learn_catalog(
        [row["table_name"] for row in tables],
        [(row["schema_name"], row["function_name"], row["volatility"]) for row in functions],
    )
    learn_triggers(
        [(row["table_name"], row["language"], row["definition"]) for row in triggers],
        [(row["table_name"], row["also_changes"]) for row in related],
    )
