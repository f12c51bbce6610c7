"""Shared fixtures: a real PostgreSQL (embedded unless DATABASE_URL is set), a migrated template
database, and one fresh database per test cloned from it."""

import itertools
import os
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from app import migrations
from app.database import with_database
from app.database_admin import create_database, drop_database
from app.embedded import start_embedded_server
from app.main import create_app
from app.settings import Settings

TEMPLATE = f"catalog_test_template_{os.getpid()}"
_counter = itertools.count()


@pytest.fixture(scope="session")
def admin_url() -> str:
    """URL of a database on the test server from which test databases are created."""
    settings = Settings()
    if settings.database_url:
        return settings.database_url
    return start_embedded_server(settings.data_dir)


@pytest.fixture(scope="session")
async def template_database(admin_url: str) -> AsyncIterator[str]:
    await drop_database(admin_url, TEMPLATE)
    await create_database(admin_url, TEMPLATE)
    conn = await asyncpg.connect(with_database(admin_url, TEMPLATE))
    try:
        await migrations.migrate(conn, Settings().schema_dir)
    finally:
        await conn.close()
    yield TEMPLATE
    await drop_database(admin_url, TEMPLATE)


@pytest.fixture
async def database_url(admin_url: str, template_database: str) -> AsyncIterator[str]:
    """A fresh, migrated, empty database for one test."""
    name = f"catalog_test_{os.getpid()}_{next(_counter)}"
    await create_database(admin_url, name, template=template_database)
    yield with_database(admin_url, name)
    await drop_database(admin_url, name)


@pytest.fixture
async def conn(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(database_url)
    yield connection
    await connection.close()


def make_settings(database_url: str, **overrides: Any) -> Settings:
    return Settings(database_url=database_url, **overrides)


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[FastAPI]:
    application = create_app(make_settings(database_url))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


def assert_error(response: httpx.Response, status: int, *words: str) -> None:
    """The response is a JSON error with that status whose detail mentions every word."""
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail
    for word in words:
        assert word.lower() in detail.lower(), f"{word!r} not in {detail!r}"
