"""Every write this process makes on the primary is told to its `OwnWrites` (app/own_writes.py),
whoever made it: a request, a background writer (app/background.py), anything on the primary pool.

With replicas configured, the primary pool's connections are `CommitNoting`: a statement that may
change data announces the relations it may change (app/relations.py `changes`) as in flight, and
before the connection goes back to the pool (the pool's reset, or its close when the pool expired it)
the primary's WAL position is read on it, one round trip after the commit, and told with those
relations. A request that wrote reads it earlier, for its Consistency-Token (app/routing.py), and the
release then reads nothing more. A position that cannot be read after a write is told as None: reads
of those relations then go to the primary until a primary position poll that began after it.
Without replicas nothing is announced or read.
"""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from app.core import sql as core_sql
from app.errors import DATABASE_UNAVAILABLE
from app.metrics import TimedConnection
from app.own_writes import OwnWrites
from app.relations import ALL, NOTHING, changes

log = logging.getLogger(__name__)


class CommitNoting(asyncpg.Connection):
    """asyncpg's connection that notes a statement that may change data until `read_position` reads the
    WAL position after it."""

    own: OwnWrites | None = None
    unread: bool = False
    changed: frozenset[str] = NOTHING
    """The relations the statements since the last `read_position` may have changed."""

    def _note(self, query: str) -> None:
        changed = changes(query)
        if changed:
            self.unread = True
            if not changed <= self.changed:
                if self.own is not None:
                    self.own.writing(changed - self.changed)
                self.changed = self.changed | changed

    async def execute(self, query: str, *args: Any, timeout: float | None = None) -> str:
        self._note(query)
        return await super().execute(query, *args, timeout=timeout)

    async def fetch(self, query: str, *args: Any, timeout: float | None = None, record_class: Any = None) -> Any:
        self._note(query)
        return await super().fetch(query, *args, timeout=timeout, record_class=record_class)

    async def fetchrow(self, query: str, *args: Any, timeout: float | None = None, record_class: Any = None) -> Any:
        self._note(query)
        return await super().fetchrow(query, *args, timeout=timeout, record_class=record_class)

    async def fetchval(self, query: str, *args: Any, column: int = 0, timeout: float | None = None) -> Any:
        self._note(query)
        return await super().fetchval(query, *args, column=column, timeout=timeout)

    async def executemany(self, command: str, args: Any, *, timeout: float | None = None) -> None:
        self._note(command)
        await super().executemany(command, args, timeout=timeout)

    async def read_position(self, *, wrote: bool = False) -> int | None:
        """The primary's WAL position now, when a statement that may change data ran since the last read
        (or `wrote`), told to `own` with what changed; None when none ran or it cannot be read."""
        if not (self.unread or wrote):
            return None
        announced = self.changed
        changed = announced if self.unread else ALL  # `wrote` alone: not seen here, so anything
        self.unread, self.changed = False, NOTHING
        position = None
        try:
            position = await core_sql.wal_position(self)
        except (*DATABASE_UNAVAILABLE, asyncpg.InterfaceError, asyncpg.PostgresError, TimeoutError) as exc:
            log.warning("could not read the WAL position after a commit; reads go to the primary for now: %r", exc)
        finally:  # cancelled too: the relations announced are no longer in flight, at an unknown position
            if self.own is not None:
                self.own.committed(position, changed, announced)
        return position

    async def close(self, *, timeout: float | None = None) -> None:
        if self.unread and not self.is_closed():  # an expired pool closes instead of resetting
            await self.read_position()
        await super().close(timeout=timeout)

    def terminate(self) -> None:
        if self.unread and self.own is not None:  # perhaps committed, position unknown
            announced, self.unread, self.changed = self.changed, False, NOTHING
            self.own.committed(None, announced, announced)
        super().terminate()


class TimedCommitNoting(CommitNoting, TimedConnection):
    """`CommitNoting` that also times each statement (app/metrics.py)."""


def noting_class(timed: bool) -> type[asyncpg.Connection]:
    """The primary pool's connection class with replicas configured."""
    return TimedCommitNoting if timed else CommitNoting


def noting_hooks(own: OwnWrites) -> tuple[Callable[[Any], Awaitable[None]], Callable[[Any], Awaitable[None]]]:
    """(init, reset) for the primary pool: each connection reports its writes to `own`, and reads the WAL
    position before it goes back to the pool after a write."""

    async def init(conn: Any) -> None:
        conn.own = own

    async def reset(conn: Any) -> None:
        if isinstance(conn, CommitNoting) and conn.unread:
            await conn.read_position()

    return init, reset
