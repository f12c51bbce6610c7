"""Shared machinery: pool exhaustion, domain selection, SQL only in .sql files, error mapping."""

import asyncio
import re

import asyncpg
import httpx
import pytest

from app.domains import available_domains
from app.errors import _database_error_answer
from app.main import create_app
from app.settings import ROOT
from tests.conftest import assert_error, make_settings

SQL_IN_PYTHON = re.compile(
    r"\b(select\s+.+\s+from|insert\s+into|update\s+\w+(\.\w+)?\s+set|delete\s+from|create\s+(table|index))\b",
    re.IGNORECASE,
)


def test_no_sql_text_in_the_app_code() -> None:
    offenders = []
    for path in (ROOT / "app").rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if SQL_IN_PYTHON.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == [], "SQL belongs in queries/*.sql:\n" + "\n".join(offenders)


async def test_request_waiting_too_long_for_a_connection_gets_503(database_url: str) -> None:
    app = create_app(make_settings(database_url, pool_min_size=1, pool_max_size=1, pool_acquire_timeout=0.3))
    async with app.router.lifespan_context(app):
        held = await app.state.pool.acquire()
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
                response = await asyncio.wait_for(client.get("/bookstore/books"), timeout=10)
            assert_error(response, 503, "no database connection", "0.3s")
        finally:
            await app.state.pool.release(held)


async def test_catalog_domains_mounts_only_the_named_ones(database_url: str) -> None:
    app = create_app(make_settings(database_url, catalog_domains="bookstore"))
    paths = set(app.openapi()["paths"])
    assert "/bookstore/books" in paths
    assert not any(p.startswith("/corpus") for p in paths)
    with pytest.raises(ValueError, match="unknown domains"):
        create_app(make_settings(database_url, catalog_domains="bookstore,nonsense"))


def test_every_domain_has_its_four_parts() -> None:
    for domain in available_domains():
        assert (ROOT / "queries" / domain).is_dir(), domain
        assert any(ROOT.glob(f"schema/*_{domain}.sql")), domain
        assert (ROOT / "app" / domain / "schemas.py").exists(), domain


async def test_session_settings_are_applied(database_url: str) -> None:
    app = create_app(make_settings(database_url, statement_timeout_ms=1234))
    async with app.router.lifespan_context(app):
        async with app.state.pool.acquire() as conn:
            assert await conn.fetchval("show jit") == "off"
            assert await conn.fetchval("show statement_timeout") == "1234ms"
            assert await conn.fetchval("show plan_cache_mode") == "force_custom_plan"


async def test_statement_timeout_becomes_503(conn: asyncpg.Connection) -> None:
    await conn.execute("set statement_timeout = 50")
    with pytest.raises(asyncpg.QueryCanceledError) as caught:
        await conn.execute("select pg_sleep(1)")
    answer = _database_error_answer(caught.value)
    assert answer.status_code == 503

