"""Keys issued the way a DBA issues them (`catalog keys create`), apps with access settings, clients
from any address, and the write routes read from the OpenAPI document."""

import contextlib
import io
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI

from app.access import cli as keys_cli
from app.access import sql as access_sql
from app.access.keys import key_hash, new_key
from app.cli import build_parser
from app.main import create_app
from tests.conftest import make_settings

LOOPBACK = ("127.0.0.1", 40000)
REMOTE = ("203.0.113.7", 40000)  # TEST-NET-3: an address that is not this machine's loopback


async def keys_command(conn: asyncpg.Connection, database_url: str, *argv: str) -> tuple[int, str, str]:
    """Run `catalog keys ARGV` on `conn`; returns (exit status, stdout, stderr)."""
    settings = make_settings(database_url)
    args = build_parser(settings).parse_args(["keys", *argv])
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = await keys_cli.run(conn, settings, args)
    return status, out.getvalue(), err.getvalue()


async def issue(conn: asyncpg.Connection, database_url: str, name: str, scopes: str, *more: str) -> str:
    """A new key through `catalog keys create`; returns the key it printed."""
    status, out, err = await keys_command(conn, database_url, "create", name, "--scopes", scopes, *more)
    assert status == 0, err
    return out.strip()


async def issue_expired(conn: asyncpg.Connection, name: str, scopes: list[str]) -> str:
    """A key whose expiry has passed (the CLI only issues keys expiring in the future)."""
    key, key_id = new_key()
    await access_sql.insert_key(
        conn,
        key_name=name,
        key_id=key_id,
        secret_hash=key_hash(key),
        key_scopes=scopes,
        expires_at=datetime.now(UTC) - timedelta(minutes=1),
    )
    return key


@contextlib.asynccontextmanager
async def running(database_url: str, **settings: Any) -> AsyncIterator[FastAPI]:
    app = create_app(make_settings(database_url, **settings))
    async with app.router.lifespan_context(app):
        yield app


def client(app: FastAPI, address: tuple[str, int] = LOOPBACK, key: str | None = None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    transport = httpx.ASGITransport(app=app, client=address)
    return httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers)


def write_routes(app: FastAPI) -> list[tuple[str, str, str]]:
    """(method, path with every parameter 1, scope) of every write operation the app documents."""
    found = []
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            if method in ("get", "head", "options"):
                continue
            scopes = [scope for requirement in operation.get("security", []) for scope in requirement.get("bearer", [])]
            assert scopes, f"{method.upper()} {path} declares no scope"
            found.append((method.upper(), re.sub(r"\{[^}]+\}", "1", path), scopes[0]))
    return found


def all_write_scopes(app: FastAPI) -> str:
    return ",".join(sorted({scope for _, _, scope in write_routes(app)}))
