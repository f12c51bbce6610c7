"""Every commit this process makes on the primary raises its read position (app/replicas.py), whoever
made it: a request, a background writer (app/background.py), anything on the primary pool.

With replicas configured, the primary pool's connections are `CommitNoting`: a statement that may
change data (app/readonly.py `may_change_data`) marks the connection, and before it goes back to the
pool (the pool's reset, or its close when the pool expired it) the primary's WAL position is read on
it, one round trip after the commit, and handed to the pool's `on_commit`. A request that wrote reads
it earlier, for its Consistency-Token (app/routing.py), and the release then reads nothing more. A
position that cannot be read after a write is handed on as None: the process then reads from the
primary until the next primary position poll. Without replicas nothing is marked or read.
"""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from app.core import sql as core_sql
from app.errors import DATABASE_UNAVAILABLE
from app.metrics import TimedConnection
from app.readonly import may_change_data

log = logging.getLogger(__name__)

OnCommit = Callable[[int | None], None]
"""Told the primary's WAL position after a commit of this process (None: committed, position unknown)."""


class CommitNoting(asyncpg.Connection):
    """asyncpg's connection that notes a statement that may change data until `read_position` reads the
    WAL position after it."""

    on_commit: OnCommit | None = None
    unread: bool = False

    async def execute(self, query: str, *args: Any, timeout: float | None = None) -> str:
        if not self.unread and may_change_data(query):
            self.unread = True
        return await super().execute(query, *args, timeout=timeout)

    async def fetch(self, query: str, *args: Any, timeout: float | None = None, record_class: Any = None) -> Any:
        if not self.unread and may_change_data(query):
            self.unread = True
        return await super().fetch(query, *args, timeout=timeout, record_class=record_class)

    async def fetchrow(self, query: str, *args: Any, timeout: float | None = None, record_class: Any = None) -> Any:
        if not self.unread and may_change_data(query):
            self.unread = True
        return await super().fetchrow(query, *args, timeout=timeout, record_class=record_class)

    async def fetchval(self, query: str, *args: Any, column: int = 0, timeout: float | None = None) -> Any:
        if not self.unread and may_change_data(query):
            self.unread = True
        return await super().fetchval(query, *args, column=column, timeout=timeout)

    async def executemany(self, command: str, args: Any, *, timeout: float | None = None) -> None:
        if not self.unread and may_change_data(command):
            self.unread = True
        await super().executemany(command, args, timeout=timeout)

    async def read_position(self, *, wrote: bool = False) -> int | None:
        """The primary's WAL position now, when a statement that may change data ran since the last read
        (or `wrote`), told to `on_commit`; None when none ran or it cannot be read (then None is told)."""
        if not (self.unread or wrote):
            return None
        self.unread = False
        try:
            position = await core_sql.wal_position(self)
        except (*DATABASE_UNAVAILABLE, asyncpg.InterfaceError, asyncpg.PostgresError, TimeoutError) as exc:
            log.warning("could not read the WAL position after a commit; reads go to the primary for now: %r", exc)
            if self.on_commit is not None:
                self.on_commit(None)
            return None
        if self.on_commit is not None:
            self.on_commit(position)
        return position

    async def close(self, *, timeout: float | None = None) -> None:
        if self.unread and not self.is_closed():  # an expired pool closes instead of resetting
            await self.read_position()
        await super().close(timeout=timeout)

    def terminate(self) -> None:
        if self.unread and self.on_commit is not None:  # perhaps committed, position unknown
            self.unread = False
            self.on_commit(None)
        super().terminate()


class TimedCommitNoting(CommitNoting, TimedConnection):
    """`CommitNoting` that also times each statement (app/metrics.py)."""


def noting_class(timed: bool) -> type[asyncpg.Connection]:
    """The primary pool's connection class with replicas configured."""
    return TimedCommitNoting if timed else CommitNoting


def noting_hooks(on_commit: OnCommit) -> tuple[Callable[[Any], Awaitable[None]], Callable[[Any], Awaitable[None]]]:
    """(init, reset) for the primary pool: each connection reports to `on_commit`, and reads the WAL
    position before it goes back to the pool after a write."""

    async def init(conn: Any) -> None:
        conn.on_commit = on_commit

    async def reset(conn: Any) -> None:
        if isinstance(conn, CommitNoting) and conn.unread:
            await conn.read_position()

    return init, reset
