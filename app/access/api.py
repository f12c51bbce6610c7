"""The core's access routes (GET /audit, `admin` scope) and the lifespan that keeps the key table fresh
and records keys' last use in batches."""

import asyncio
import contextlib
import ipaddress
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Annotated, Any, cast

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from pydantic import BaseModel, Field

from app.access import sql as access_sql
from app.access.guard import CONFIGURE, Access, require_scope, scope_extra
from app.background import BatchWriter
from app.database import Connection
from app.pagination import Cursor, PageSize, decode_cursor, linked_page

log = logging.getLogger(__name__)

LAST_USE_EVERY = 1.0
"""Seconds between two recorded uses of one key by one process: last_used_at is that exact at most."""


class AuditEntry(BaseModel):
    """One row written through the API: where, which, what, who, when, under which request id."""

    id: int
    domain: str
    entity: str
    entity_key: dict[str, Any] = Field(description='The row\'s primary key, e.g. {"id": 42}.')
    action: str
    actor: str
    request_id: str | None
    changed_at: datetime


async def _write_key_uses(conn: asyncpg.Connection, uses: list[tuple[str, datetime]]) -> None:
    await access_sql.record_key_uses(conn, key_ids=[u[0] for u in uses], used_ats=[u[1] for u in uses])


def _use_recorder(writer: BatchWriter[tuple[str, datetime]]) -> Callable[[str], None]:
    """A function noting a key's use: queued for the writer at most once per LAST_USE_EVERY per key."""
    last: dict[str, float] = {}
    loop = asyncio.get_running_loop()

    def record(key_id: str) -> None:
        now = loop.time()
        if now - last.get(key_id, -LAST_USE_EVERY) >= LAST_USE_EVERY:
            last[key_id] = now
            writer.add((key_id, datetime.now(UTC)))

    return record


def startup_notes(access: Access) -> list[str]:
    """What `catalog serve` says at startup about access: protection off, or a non-loopback HOST with
    nothing configured (other hosts may read but not write)."""
    settings = access.settings
    if access.open:
        return ["AUTH_MODE=open: access control is off; anyone who reaches the port may read and write"]
    if access.configured or _loopback_host(settings.host):
        return []
    return [
        f"listening on {settings.host} beyond the loopback interface with no API key or identity provider "
        f"configured: only loopback clients may write; {CONFIGURE.split(': ', 1)[1]}"
    ]


def _loopback_host(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load the key table before the first request, reload it in the background, write last uses in batches."""
    access: Access = app.state.access
    settings = app.state.settings
    pool: asyncpg.Pool = app.state.pool
    async with pool.acquire() as conn:
        try:
            await access.keys.load(cast(asyncpg.Connection, conn))
        except asyncpg.UndefinedTableError:  # an unmigrated database holds no keys: access is unconfigured
            log.warning("access.api_keys does not exist yet: run `catalog migrate`; no API key is accepted until then")
    for line in startup_notes(access):
        log.warning("%s", line)
    writer = BatchWriter[tuple[str, datetime]]("API key last use", _write_key_uses)
    writer.start(pool)
    access.on_key_use = _use_recorder(writer)
    refresher = asyncio.create_task(access.keys.refresh_forever(pool, settings.auth_refresh_seconds), name="API keys")
    try:
        yield
    finally:
        refresher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await refresher
        access.on_key_use = None
        await writer.stop(settings.background_drain_seconds)


router = APIRouter(tags=["access"], lifespan=lifespan)

DomainFilter = Annotated[str | None, Query(max_length=63, description="Only this domain's writes.")]


@router.get(
    "/audit",
    response_model=list[AuditEntry],
    summary="Who wrote what through the API, newest first (scope admin)",
    dependencies=[Depends(require_scope("admin"))],
    openapi_extra=scope_extra("admin"),
)
async def audit(
    request: Request,
    response: Response,
    conn: Connection,
    domain: DomainFilter = None,
    page_size: PageSize = 20,
    cursor: Cursor = None,
) -> list[AuditEntry]:
    after = decode_cursor(cursor, (int,))
    found = await access_sql.audit_page(
        conn, domain_name=domain, after_id=after[0] if after else None, page_size=page_size + 1
    )
    return [AuditEntry.model_validate(row) for row in linked_page(request, response, found, page_size, ("id",))]
