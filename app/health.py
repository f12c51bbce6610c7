"""Liveness and readiness endpoints."""

from typing import cast

import asyncpg
from fastapi import APIRouter, Request

from app import migrations
from app.core import sql as core_sql
from app.errors import DATABASE_UNAVAILABLE, ServiceUnavailable
from app.replicas import Server, Servers
from app.routing import format_token

router = APIRouter(tags=["health"])


@router.get("/health", summary="The process is up")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", summary="The database answers and no migration is pending; the state of each server")
async def ready(request: Request) -> dict[str, object]:
    """`ready` when the primary answers with every migration applied; `read-only` when only replicas
    fit for reads answer (writes answer 503 then); else 503. `servers` lists each server's state."""
    servers: Servers = request.app.state.servers
    timeout: float = request.app.state.settings.pool_acquire_timeout
    primary_up = await _answers(servers.primary, timeout)
    reports: list[dict[str, object]] = [
        {"name": servers.primary.name, "role": "primary", "status": "up" if primary_up else "down"}
    ]
    reports += [_replica_report(server, server in servers.fit) for server in servers.replicas]
    checked_on = servers.primary if primary_up else next(iter(servers.fit), None)
    if checked_on is None:
        raise ServiceUnavailable(f"no database server answers: {_summary(reports)}")
    async with checked_on.pool.acquire(timeout=timeout) as conn:
        state = await migrations.status(cast(asyncpg.Connection, conn), request.app.state.settings.schema_dir)
    if state.pending or state.edited:
        raise ServiceUnavailable(
            f"database schema is not current: pending {state.pending or 'none'}, edited {state.edited or 'none'}"
        )
    return {"status": "ready" if primary_up else "read-only", "migrations": len(state.applied), "servers": reports}


async def _answers(server: Server, timeout: float) -> bool:
    try:
        async with server.pool.acquire(timeout=timeout) as conn:
            await core_sql.ping(conn)
    except (*DATABASE_UNAVAILABLE, asyncpg.InterfaceError, asyncpg.PostgresError, TimeoutError):
        return False
    return True


def _replica_report(server: Server, fit: bool) -> dict[str, object]:
    """A replica as the background polls last saw it: up (fit for reads), lagging, or down."""
    status = "up" if fit else "lagging" if server.up else "down"
    report: dict[str, object] = {"name": server.name, "role": "replica", "status": status}
    if server.problem:
        report["problem"] = server.problem
    if server.up:
        report["replayed"] = format_token(server.position)
        report["lag_ms"] = None if server.lag_ms is None or server.lag_ms == float("inf") else round(server.lag_ms)
    return report


def _summary(reports: list[dict[str, object]]) -> str:
    return ", ".join(f"{report['name']} {report['status']}" for report in reports)
