"""The ceiling: a bare ASGI app on asyncpg answering the benchmarked endpoints with the same SQL.

No framework, no validation, no dependency injection, no response models: it parses the query
string or JSON body, and each domain's handlers (app/<domain>/bench.py, `ceiling_routes`) run the same
generated statements as the app's, queue the same background writes on the same batching writer, and
return rows written as JSON. The pool is app.database.create_pool's. What the app spends beyond this is
what FastAPI and our code cost. With CEILING_JSON=postgres it is the stricter ceiling: the domains'
`postgres_json_routes` run the same statements with the answer's JSON built by PostgreSQL
(json_agg: the app's own *_json queries) and pass its bytes on. Served by uvicorn like the app:
`python -m app.bench.ceiling` (BENCH_DATABASE_URL, CEILING_JSON, HOST, PORT; CATALOG_DOMAINS as for the app).
"""

import gc
import json
import os
from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar, cast
from urllib.parse import parse_qs

import asyncpg
import uvicorn
from starlette.types import Message, Receive, Scope, Send

from app.background import BatchWriter, Flush
from app.bench.modules import bench_modules
from app.database import create_pool
from app.settings import Settings

Query = dict[str, list[str]]
"""The parsed query string: each name's values."""
Handler = Callable[[asyncpg.Connection, Query, bytes], Awaitable[Any]]
"""handler(conn, query, body): the answer's JSON value, or its JSON text as bytes, on a connection lent for the request."""
Routes = dict[tuple[str, str], Handler]
"""Handlers by (method, path)."""
Item = TypeVar("Item")


def one(query: Query, name: str) -> str | None:
    """The first value of a query-string parameter, or None."""
    values = query.get(name)
    return values[0] if values else None


def integer(query: Query, name: str) -> int | None:
    """The first value of a query-string parameter as an int, or None."""
    value = one(query, name)
    return int(value) if value is not None else None


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot serialize {type(value).__name__}")


class Ceiling:
    """The ASGI app: one pool, the domains' background writers, a handler per path."""

    def __init__(self, url: str, postgres_json: bool = False) -> None:
        self.url = url
        self.settings = Settings(database_url=url, metrics=False)  # bare asyncpg connections, no timing
        self.pool: asyncpg.Pool | None = None
        self.writers: list[BatchWriter[Any]] = []
        self.routes: Routes = {}
        for module in bench_modules(self.settings).values():
            self.routes.update(module.postgres_json_routes(self) if postgres_json else module.ceiling_routes(self))

    def writer(self, name: str, flush: Flush[Item]) -> BatchWriter[Item]:
        """A batching background writer, started with the pool and drained at shutdown."""
        created = BatchWriter[Item](f"ceiling {name}", flush)
        self.writers.append(created)
        return created

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(receive, send)
            return
        handler = self.routes.get((scope["method"], scope["path"]))
        if handler is None:
            await self.answer(send, 404, {"detail": "not found"})
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        query = parse_qs(scope["query_string"].decode())
        assert self.pool is not None
        async with self.pool.acquire() as conn:
            result = await handler(cast(asyncpg.Connection, conn), query, body)
        await self.answer(send, 200, result)

    async def lifespan(self, receive: Receive, send: Send) -> None:
        message: Message = await receive()
        self.pool = await create_pool(self.url, self.settings)
        for writer in self.writers:
            writer.start(self.pool)
        gc.collect()
        gc.freeze()  # as the app does (app.main.freeze_startup_objects)
        await send({"type": "lifespan.startup.complete"})
        message = await receive()
        assert message["type"] == "lifespan.shutdown"
        for writer in self.writers:
            await writer.stop(10)
        await self.pool.close()
        await send({"type": "lifespan.shutdown.complete"})

    @staticmethod
    async def answer(send: Send, status: int, payload: Any) -> None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload, default=_plain).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})


def main() -> None:
    app = Ceiling(os.environ["BENCH_DATABASE_URL"], os.environ.get("CEILING_JSON") == "postgres")
    uvicorn.run(
        app, host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8001")), log_level="info"
    )


if __name__ == "__main__":
    main()
