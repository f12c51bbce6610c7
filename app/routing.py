"""Where each statement of a request runs, and the Consistency-Token that carries a write's WAL position.

A request gets one `RoutedConnection`, which borrows pooled connections only when a statement needs
one and gives them back when the response starts (`ConnectionRouting`, a pure ASGI middleware). In a
GET or HEAD request a statement that cannot write (app/readonly.py) runs on a replica fit for it
(app/replicas.py) and has replayed this process's own commits of the relations it reads (app/relations.py);
every other statement, every transaction, and everything after the request first
used the primary runs on the primary. A replica that fails a statement is skipped and the statement
reruns on the primary, so no request fails because of a replica. A request that wrote reads the
primary's WAL position before its connection goes back and answers it as `Consistency-Token`; a
request sending a token back reads only from a server that has replayed that far (else the primary).
With no replica configured every statement runs on the primary and no token is read or sent.
When the access guard noted a write's actor, the primary's connection is marked with it before the
request's first statement that may write (or a transaction that is not read-only) and cleared before
it goes back (app/access/session.py); a read-only request never marks it; replica connections never are.
"""

import json
import logging
import re
from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager
from typing import cast

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.access import session
from app.commits import CommitNoting
from app.errors import DATABASE_UNAVAILABLE, UNAVAILABLE_DETAIL, ServiceUnavailable, request_id
from app.metrics import waiting_for
from app.readonly import is_read_only, mark_writing
from app.relations import reads
from app.replicas import Server, Servers
from app.retry import COMMITTED_KEY

log = logging.getLogger(__name__)

TOKEN_HEADER = "Consistency-Token"
_LSN = re.compile(r"([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})")
READ_METHODS = frozenset({"GET", "HEAD"})
ROUTE_KEY = "catalog.route"
"""The request's `Route` in the ASGI scope (set by `ConnectionRouting`)."""

# A statement that fails on a replica for these reasons reruns on the primary.
REPLICA_FAILURES = (*DATABASE_UNAVAILABLE, asyncpg.InterfaceError, TimeoutError)
RECOVERY_CONFLICTS = (asyncpg.SerializationError,)  # "canceling statement due to conflict with recovery"
# A statement prepared on a replica before it replayed a schema change ("cached plan must not change
# result type", 0A000: asyncpg's InvalidCachedStatementError; or a type asyncpg had cached): reruns on
# the primary, which has the new schema; asyncpg has dropped the stale statement, so the replica
# prepares it again next time.
STALE_STATEMENTS = (asyncpg.FeatureNotSupportedError, asyncpg.OutdatedSchemaCacheError)
REPLICA_RERUNS = (*REPLICA_FAILURES, *RECOVERY_CONFLICTS, *STALE_STATEMENTS, asyncpg.ReadOnlySQLTransactionError)
"""What a statement on a replica may fail with and still be answered: it reruns on the primary."""


def format_token(position: int) -> str:
    """A WAL position as PostgreSQL writes an LSN: `16/B374D848`."""
    return f"{position >> 32:X}/{position & 0xFFFFFFFF:X}"


def parse_token(text: str) -> int | None:
    """The WAL position of an LSN like `16/B374D848`, or None when `text` is not one."""
    found = _LSN.fullmatch(text.strip())
    if found is None:
        return None
    return (int(found[1], 16) << 32) | int(found[2], 16)


async def acquire(pool: asyncpg.Pool, timeout: float) -> PoolConnectionProxy:
    """A pooled connection within `timeout` seconds, or a 503 when none comes in time or the server
    cannot be reached (the pool reconnects by itself once it is back)."""
    # With an idle connection in the pool nothing can be waited for: no timeout machinery then (asyncpg
    # wraps a timed acquire, and the release after it, in asyncio.timeout: about 3% of a cheap request).
    try:
        if pool.get_idle_size():
            return await pool.acquire()
        with waiting_for(pool):
            return await pool.acquire(timeout=timeout)
    except TimeoutError as exc:
        raise ServiceUnavailable(
            f"no database connection became free within {timeout:g}s; the service is overloaded, retry later"
        ) from exc
    except DATABASE_UNAVAILABLE as exc:
        log.warning("database unavailable: %r", exc)
        raise ServiceUnavailable(UNAVAILABLE_DETAIL) from exc


class Route:
    """What one request may read from: `needed` is the WAL position its reads must see (its token)."""

    __slots__ = ("servers", "acquire_timeout", "needed", "replica_reads", "tokens", "position", "main", "scope")

    def __init__(
        self,
        servers: Servers,
        acquire_timeout: float,
        needed: int = 0,
        replica_reads: bool = False,
        scope: MutableMapping[str, object] | None = None,
    ) -> None:
        self.servers = servers
        self.scope = scope
        """The request's ASGI scope, where the access guard notes a write's actor (None: no request)."""
        self.acquire_timeout = acquire_timeout
        self.needed = needed
        self.replica_reads = replica_reads
        self.tokens = bool(servers.replicas)
        self.position = 0
        """The primary's WAL position after this request's writes (0: it wrote nothing)."""
        self.main = RoutedConnection(self)

    def wrote(self) -> None:
        """A write of this request committed: note it in the scope (app/retry.py runs it again only before one)."""
        if self.scope is not None:
            self.scope[COMMITTED_KEY] = True

    def committed(self, position: int) -> None:
        """The request's write committed at WAL `position` (its token; the process's own position was
        raised per relation by the primary pool's connection, app/commits.py)."""
        if position > self.position:
            self.position = position


class RoutedConnection:
    """The connection a handler is given: `fetch`, `fetchrow`, `fetchval`, `execute` and `transaction`
    of asyncpg's, each statement sent to the primary or a replica as the module docstring says."""

    __slots__ = ("_route", "_primary", "_replica", "_replica_server", "_replica_reads", "_wrote", "_tagged", "_depth")

    def __init__(self, route: Route) -> None:
        self._route = route
        self._primary: PoolConnectionProxy | None = None
        self._replica: PoolConnectionProxy | None = None
        self._replica_server: Server | None = None
        self._replica_reads = route.replica_reads
        self._wrote = False
        self._tagged = False
        self._depth = 0  # transactions open on the primary connection

    async def fetch(self, query: str, *args: object, timeout: float | None = None) -> list[asyncpg.Record]:
        if self._replica_reads and is_read_only(query):
            replica = await self._on_replica(query)
            if replica is not None:
                try:
                    return await replica.fetch(query, *args, timeout=timeout)
                except REPLICA_RERUNS as exc:
                    await self._replica_failed(query, exc)
        result = await (await self._on_primary(query)).fetch(query, *args, timeout=timeout)
        self._ran(query)
        return result

    async def fetchrow(self, query: str, *args: object, timeout: float | None = None) -> asyncpg.Record | None:
        if self._replica_reads and is_read_only(query):
            replica = await self._on_replica(query)
            if replica is not None:
                try:
                    return await replica.fetchrow(query, *args, timeout=timeout)
                except REPLICA_RERUNS as exc:
                    await self._replica_failed(query, exc)
        result = await (await self._on_primary(query)).fetchrow(query, *args, timeout=timeout)
        self._ran(query)
        return result

    async def fetchval(self, query: str, *args: object, column: int = 0, timeout: float | None = None) -> object:
        if self._replica_reads and is_read_only(query):
            replica = await self._on_replica(query)
            if replica is not None:
                try:
                    return await replica.fetchval(query, *args, column=column, timeout=timeout)
                except REPLICA_RERUNS as exc:
                    await self._replica_failed(query, exc)
        result = await (await self._on_primary(query)).fetchval(query, *args, column=column, timeout=timeout)
        self._ran(query)
        return result

    async def execute(self, query: str, *args: object, timeout: float | None = None) -> str:
        if self._replica_reads and is_read_only(query):
            replica = await self._on_replica(query)
            if replica is not None:
                try:
                    return await replica.execute(query, *args, timeout=timeout)
                except REPLICA_RERUNS as exc:
                    await self._replica_failed(query, exc)
        result = await (await self._on_primary(query)).execute(query, *args, timeout=timeout)
        self._ran(query)
        return result

    @asynccontextmanager
    async def transaction(
        self, *, isolation: str | None = None, readonly: bool = False, deferrable: bool = False
    ) -> AsyncIterator[None]:
        """A transaction on the primary (asyncpg's `Connection.transaction`); nested ones are savepoints."""
        conn = await self._on_primary(None, readonly)
        self._depth += 1
        try:
            async with conn.transaction(isolation=isolation, readonly=readonly, deferrable=deferrable):  # type: ignore[arg-type]
                yield
        finally:
            self._depth -= 1
        if not readonly and not self._depth:
            self._route.wrote()

    def _ran(self, query: str) -> None:
        """After a statement succeeded on the primary: one that can write, outside a transaction, committed."""
        if not self._depth and not is_read_only(query):
            self._route.wrote()

    async def release(self) -> None:
        """Give the connections back; after a write, first read the primary's WAL position (the token)."""
        replica, server = self._replica, self._replica_server
        if replica is not None and server is not None:
            self._replica = None
            await server.pool.release(replica)
        primary = self._primary
        if primary is None:
            return
        self._primary = None
        pool = self._route.servers.primary.pool
        try:
            if self._wrote:
                self._wrote = False
                # The proxy forwards to the pool's CommitNoting connection (app/commits.py), which also tells
                # the process's own writes; None: not read, no token.
                position = await cast(CommitNoting, primary).read_position(wrote=True)
                if position is not None:
                    self._route.committed(position)
        finally:
            if self._tagged:
                self._tagged = False
                await session.untag_and_release(pool, primary)
            else:
                await pool.release(primary)

    async def _on_primary(self, query: str | None, readonly: bool = False) -> PoolConnectionProxy:
        """The primary's connection for `query` (None: a transaction, `readonly` or not); from now on every
        statement runs there. A write's actor is set on it before its first statement that may write."""
        conn = self._primary
        if conn is None:
            route = self._route
            conn = await acquire(route.servers.primary.pool, route.acquire_timeout)
            self._primary = conn
            self._replica_reads = False
        may_write = not readonly if query is None else not is_read_only(query)
        if may_write and not self._tagged and self._route.scope is not None:
            actor = session.actor_of(self._route.scope)
            if actor is not None:  # a write the access guard allowed: its rows name the actor
                self._tagged = True  # cleared (or the connection closed) at release, even if this fails
                await session.tag(conn, actor)
        if not self._wrote and self._route.tokens and may_write:
            self._wrote = True
        return conn

    async def _on_replica(self, query: str) -> PoolConnectionProxy | None:
        """The connection of a replica fit for this request and `query` (it has replayed this process's
        own commits of what `query` reads), or None (then the primary serves it and the rest)."""
        conn = self._replica
        route = self._route
        if conn is not None:
            held = self._replica_server
            if held is not None and held.position >= route.servers.own.needed(reads(query)):
                return conn
            self._replica_reads = False
            return None
        server = route.servers.replica_for(route.needed, reads(query))
        if server is None:
            self._replica_reads = False
            return None
        pool = server.pool
        try:
            if pool.get_idle_size():
                conn = await pool.acquire()
            else:
                with waiting_for(pool):  # counted in catalog_db_pool_waiting_requests{server=...}
                    conn = await pool.acquire(timeout=route.acquire_timeout)
        except REPLICA_FAILURES as exc:
            if not isinstance(exc, TimeoutError):  # a busy pool is not a broken server
                route.servers.failed(server, exc)
            self._replica_reads = False
            return None
        self._replica, self._replica_server = conn, server
        return conn

    async def _replica_failed(self, query: str, exc: BaseException) -> None:
        """After a replica refused or failed `query`: the rest of the request runs on the primary."""
        server, conn = self._replica_server, self._replica
        self._replica_reads = False
        if isinstance(exc, asyncpg.ReadOnlySQLTransactionError):
            mark_writing(query)  # it writes (a volatile function): straight to the primary from now on
        elif isinstance(exc, RECOVERY_CONFLICTS):
            log.info(
                "a statement on replica %s was cancelled (%r); rerunning it on the primary", server and server.name, exc
            )
        elif isinstance(exc, STALE_STATEMENTS):
            log.info(
                "a statement prepared on replica %s is stale after a schema change (%r); rerunning it on the primary",
                server and server.name,
                exc,
            )
        elif server is not None:
            self._route.servers.failed(server, exc)
        if conn is not None and server is not None:
            self._replica = None
            await server.pool.release(conn)


class ConnectionRouting:
    """Pure ASGI middleware: each HTTP request's `Route` (its Consistency-Token read from the request),
    its connections given back when the response starts, and the token of a write put on the answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        servers: Servers = state.servers
        needed, replica_reads = 0, False
        if servers.replicas:
            for name, value in scope["headers"]:  # names are lower-case in ASGI
                if name == b"consistency-token":
                    given = parse_token(value.decode("latin-1"))
                    if given is None:
                        await _bad_token(send)
                        return
                    needed = given
            replica_reads = scope["method"] in READ_METHODS
        route = Route(servers, state.settings.pool_acquire_timeout, needed, replica_reads, scope)
        scope[ROUTE_KEY] = route
        main = route.main

        async def send_with_token(message: Message) -> None:
            if message["type"] == "http.response.start":
                await main.release()
                if route.position:
                    token = (b"consistency-token", format_token(route.position).encode())
                    message["headers"] = [*message.get("headers", ()), token]
            await send(message)

        try:
            await self.app(scope, receive, send_with_token)
        finally:
            await main.release()  # no response started (an error), or used again by a background task


async def _bad_token(send: Send) -> None:
    detail = f"{TOKEN_HEADER}: expected a WAL position as this API answered it, like 16/B374D848"
    body = json.dumps({"detail": detail, "request_id": request_id.get()}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
