"""Liveness and readiness endpoints."""

from fastapi import APIRouter, Request

from app import migrations
from app.core import sql as core_sql
from app.database import Connection
from app.errors import ServiceUnavailable

router = APIRouter(tags=["health"])


@router.get("/health", summary="The process is up")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", summary="The database answers and no migration is pending")
async def ready(request: Request, conn: Connection) -> dict[str, object]:
    await core_sql.ping(conn)
    state = await migrations.status(conn, request.app.state.settings.schema_dir)
    if state.pending or state.edited:
        raise ServiceUnavailable(
            f"database schema is not current: pending {state.pending or 'none'}, edited {state.edited or 'none'}"
        )
    return {"status": "ready", "migrations": len(state.applied)}
