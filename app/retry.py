"""A request is one unit of work: when the database says a second try can succeed, the whole request
runs once more, before any byte of its answer is sent.

Retried errors (`RETRYABLE`): a cached statement whose result columns a schema change altered
(asyncpg's InvalidCachedStatementError, PostgreSQL's "cached plan must not change result type"; and
OutdatedSchemaCacheError, a changed type asyncpg had cached), a serialization failure (40001) and a
deadlock (40P01). asyncpg re-prepares such a statement by itself only outside a transaction; inside
one the transaction is aborted, so only running the unit again helps. `UnitOfWorkRetry` (ASGI
middleware, just outside app/routing.py's `ConnectionRouting`) runs the request again whole (routing,
dependencies, the handler, every transaction, fresh connections) with the same body, when the error
handler (app/errors.py) calls `rerun()` and the first run committed nothing (a write outside a
transaction, or a transaction that was not read-only: app/routing.py marks `COMMITTED_KEY`).
Otherwise, or on the second failure, the error answers 503 with Retry-After; a transaction is whole or
nothing, so nothing is half-written. asyncpg drops the stale statements of every connection of the
pool as it raises; app/schema_changes.py drops them before the next request when `catalog migrate`
says so.
"""

import asyncio
import logging
import random
from collections.abc import MutableMapping

import asyncpg
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

RETRYABLE: tuple[type[BaseException], ...] = (
    asyncpg.InvalidCachedStatementError,  # asyncpg's name for "cached plan must not change result type"
    asyncpg.OutdatedSchemaCacheError,
    asyncpg.SerializationError,  # 40001
    asyncpg.DeadlockDetectedError,  # 40P01
)
ATTEMPTS = 2
"""Runs of one request at most: the first, and one more."""
PAUSE_SECONDS = 0.05
"""Longest pause before the second run (random, so transactions that collided do not collide again)."""
ATTEMPT_KEY = "catalog.attempt"
"""The run (1, 2) of the request in the ASGI scope."""
COMMITTED_KEY = "catalog.committed"
"""In the ASGI scope once a write of the request has committed: running it again could write twice."""


class RetryUnitOfWork(Exception):
    """Raised by an error handler through `rerun()`: `UnitOfWorkRetry` runs the request again."""


def rerun(scope: MutableMapping[str, object], exc: BaseException) -> None:
    """Raise RetryUnitOfWork when `exc` is retryable and this run of the request may be repeated (it is
    not the last and committed nothing); return otherwise. Called by error handlers, which Starlette
    calls only before the answer starts."""
    if not isinstance(exc, RETRYABLE) or COMMITTED_KEY in scope:
        return
    attempt = scope.get(ATTEMPT_KEY)
    if not isinstance(attempt, int) or attempt >= ATTEMPTS:
        return
    raise RetryUnitOfWork(f"run {attempt} failed: {exc!r}") from exc


class _Replay:
    """The request's body messages: each run reads the same ones (the first run reads them from the client)."""

    __slots__ = ("_receive", "_seen")

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self._seen: list[Message] = []

    def receive(self) -> Receive:
        replayed = iter(list(self._seen))

        async def receive() -> Message:
            message = next(replayed, None)
            if message is None:
                message = await self._receive()
                self._seen.append(message)
            return message

        return receive


class UnitOfWorkRetry:
    """Pure ASGI middleware: a request whose error handler raised RetryUnitOfWork runs once more, whole,
    with the same body, after a pause of up to PAUSE_SECONDS (see the module docstring); one whose answer
    started is never run again (no handler runs once it has)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        replay = _Replay(receive)
        # One rerun, not a loop: no retry library on every request's path (its cost: docs/reliability.md).
        # No wrapper around `send` either: error handlers, the only callers of rerun(), run before the
        # answer starts (Starlette's exception layer and app/lean_path.py call none after it started).
        scope[ATTEMPT_KEY] = 1
        try:
            await self.app(scope, replay.receive(), send)
        except RetryUnitOfWork as exc:
            log.info("running the request again: %r", exc.__cause__)
            await asyncio.sleep(random.uniform(0, PAUSE_SECONDS))
            scope[ATTEMPT_KEY] = ATTEMPTS
            await self.app(scope, replay.receive(), send)
