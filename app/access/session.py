"""The actor of a write, on the database session that makes it.

A write the guard allowed carries its actor in the request scope; the request's primary connection
then has `catalog.actor` and `catalog.request_id` set (one round trip) before its first statement that
may write, and cleared (another) before it goes back to the pool (app/routing.py). The audit triggers and the stock ledger's defaults read
them, so every row written in the request, in whatever transaction, names who wrote it. Reads and
the background writers' connections carry no actor, and their writes are not audited.
"""

import logging
from collections.abc import MutableMapping
from typing import Any, cast

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from app.access import sql as access_sql
from app.access.guard import ACTOR
from app.errors import request_id

log = logging.getLogger(__name__)


def actor_of(scope: MutableMapping[str, Any]) -> str | None:
    """The actor the guard noted for this request (a write), or None."""
    actor = scope.get(ACTOR)
    return actor if isinstance(actor, str) else None


async def tag(conn: PoolConnectionProxy, actor: str) -> None:
    """Mark the session's writes as the actor's, under the current request id."""
    await access_sql.set_actor(cast(asyncpg.Connection, conn), actor_name=actor, request_id=request_id.get())


async def untag_and_release(pool: asyncpg.Pool, conn: PoolConnectionProxy) -> None:
    """Clear the session's actor, then give the connection back (a connection that cannot be cleared is
    closed rather than pooled with a stale actor)."""
    try:
        await access_sql.clear_actor(cast(asyncpg.Connection, conn))
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        log.warning("could not clear the session's actor (%r); closing the connection", exc)
        conn.terminate()
    finally:
        await pool.release(conn)
