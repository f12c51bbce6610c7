"""The servers a process talks to (one primary, any number of read replicas) and where each one is in
the primary's WAL, polled in the background so that choosing a replica costs no round trip.

Positions are WAL byte offsets (an LSN as an int). Every poll interval one task per server reads
`pg_current_wal_lsn()` on the primary or `pg_last_wal_replay_lsn()` on a replica over a connection of
its own. A replica's lag is the age of the oldest primary position it has not replayed yet (0 when it
has replayed the last one polled); a replica is fit for reads while it answers, is polled recently and
lags less than REPLICA_MAX_LAG_MS. A read that needs a position (a Consistency-Token, or this
process's own commits of what it reads) goes only to a fit replica that has replayed at least that far.

The process's own writes are kept per relation (app/own_writes.py): a read needs the positions of the
process's commits of the relations it names, and the primary while one of them is being written.
"""

import asyncio
import logging
import math
import time
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import asyncpg

from app.core import sql as core_sql
from app.own_writes import OwnWrites
from app.relations import ALL
from app.tasks import stop_task

log = logging.getLogger(__name__)

POLL_APPLICATION_NAME = "catalog position poll"


@dataclass(eq=False)
class Server:
    """One PostgreSQL server: its pool, and what the last polls found."""

    name: str
    """`primary`, or `replica1`, `replica2`... in the order of DATABASE_REPLICA_URLS."""
    url: str
    pool: asyncpg.Pool
    up: bool = False
    position: int = 0
    """Primary: WAL written; replica: WAL replayed (bytes since 0/0), as of `polled_at`."""
    polled_at: float = 0.0
    lag_ms: float | None = None
    problem: str = ""

    @property
    def address(self) -> str:
        """host:port/database of the URL, without credentials (for /ready and logs)."""
        parts = urlsplit(self.url)
        return parts.netloc.rpartition("@")[2] + parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass(eq=False)
class Servers:
    """The primary and the replicas, their polled positions, and which replicas are fit for reads now."""

    primary: Server
    replicas: list[Server]
    max_lag_ms: float = 500.0
    poll_interval: float = 0.1
    own: OwnWrites = field(default_factory=OwnWrites)
    """This process's own writes on the primary: what its reads need replayed (app/own_writes.py)."""
    fit: tuple[Server, ...] = ()
    _history: deque[tuple[float, int]] = field(default_factory=deque)
    _turn: int = 0
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def pools(self) -> list[tuple[str, asyncpg.Pool]]:
        """(server name, pool) of every server, the primary first."""
        return [(server.name, server.pool) for server in (self.primary, *self.replicas)]

    def replica_for(self, needed: int, reads: frozenset[str] = ALL) -> Server | None:
        """A fit replica that has replayed `needed` and this process's own commits of the relations
        `reads` (all by default), taking turns; None if none has."""
        fit = self.fit
        if not fit:
            return None
        own = self.own.needed(reads)
        if needed < own:
            needed = own
        count = len(fit)
        self._turn = turn = (self._turn + 1) % count
        for step in range(count):
            server = fit[(turn + step) % count]
            if server.position >= needed:
                return server
        return None

    def failed(self, server: Server, problem: BaseException) -> None:
        """A request found `server` broken: skip it until a poll finds it well again."""
        if server.up:
            log.warning(
                "replica %s (%s) failed a request and is skipped until it answers again: %r",
                server.name,
                server.address,
                problem,
            )
        server.up = False
        server.problem = f"failed a request: {type(problem).__name__}"
        self._refresh()

    def start(self) -> None:
        """Start polling every server (the tasks end with `stop`); nothing to poll without replicas."""
        if not self.replicas:
            return
        self._tasks = [
            asyncio.create_task(self._watch(server), name=f"position poll: {server.name}")
            for server in (self.primary, *self.replicas)
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            await stop_task(task)
        self._tasks = []

    async def poll(self, server: Server, conn: asyncpg.Connection) -> None:
        """Read `server`'s position once on `conn` and recompute which replicas are fit."""
        timeout = max(self.max_lag_ms / 1000, self.poll_interval)
        if server is self.primary:
            unknown = self.own.unknown_commits  # commits before this poll are at or before its position
            async with asyncio.timeout(timeout):
                position: int | None = await core_sql.wal_position(conn)
            if position is not None:
                self.own.position_polled(position, unknown)
        else:
            async with asyncio.timeout(timeout):
                position = await core_sql.replay_position(conn)
        now = time.monotonic()
        if position is None:
            server.up, server.problem = False, "not a replica (pg_last_wal_replay_lsn() is null)"
        else:
            if not server.up:
                log.info("%s (%s) answers at WAL position %d", server.name, server.address, position)
            server.up, server.problem, server.position, server.polled_at = True, "", position, now
            if server is self.primary:
                self._remember(now, position)
        self._refresh()

    async def _watch(self, server: Server) -> None:
        conn: asyncpg.Connection | None = None
        timeout = max(self.max_lag_ms / 1000, self.poll_interval)
        while True:
            started = time.monotonic()
            try:
                if conn is None:
                    conn = await asyncpg.connect(
                        server.url, timeout=timeout, server_settings={"application_name": POLL_APPLICATION_NAME}
                    )
                await self.poll(server, conn)
            except Exception as exc:
                if server.up:
                    log.warning("%s (%s) does not answer its position poll: %r", server.name, server.address, exc)
                server.up, server.problem = False, f"poll failed: {type(exc).__name__}"
                log.debug("%s: poll failed: %r", server.name, exc)
                if conn is not None:
                    conn.terminate()
                    conn = None
                self._refresh()
            except asyncio.CancelledError:
                if conn is not None:
                    conn.terminate()
                raise
            await asyncio.sleep(max(0.0, self.poll_interval - (time.monotonic() - started)))

    def _remember(self, now: float, position: int) -> None:
        history = self._history
        if not history or position != history[-1][1]:
            history.append((now, position))
        keep = now - max(1.0, 2 * self.max_lag_ms / 1000)
        while len(history) > 1 and history[0][0] < keep:
            history.popleft()

    def lag_ms(self, replayed: int, now: float) -> float:
        """Age in ms of the oldest polled primary position beyond `replayed`: 0 when none is beyond it,
        infinite when even the oldest one kept (about max(1 s, twice the lag bound) ago) is."""
        history = self._history
        if not history or replayed >= history[-1][1]:
            return 0.0
        if replayed < history[0][1]:
            return math.inf
        for at, position in history:
            if position > replayed:
                return (now - at) * 1000
        return 0.0

    def _refresh(self) -> None:
        now = time.monotonic()
        stale = now - (self.max_lag_ms / 1000 + self.poll_interval)
        fit = []
        for server in self.replicas:
            server.lag_ms = self.lag_ms(server.position, now) if server.up else None
            if (
                server.up
                and server.lag_ms is not None
                and server.lag_ms < self.max_lag_ms
                and server.polled_at >= stale
            ):
                fit.append(server)
        self.fit = tuple(fit)
