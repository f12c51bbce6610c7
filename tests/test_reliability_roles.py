"""Least privilege: the app's role reads and writes the domains' tables and can do nothing else."""

import asyncpg
import httpx
import pytest

from app import roles
from app.main import create_app
from tests.conftest import make_settings

FORBIDDEN = [
    "drop table bookstore.books",
    "create table bookstore.intruder (id int)",
    "alter table bookstore.books add column intruder int",
    "create table public.intruder (id int)",
    "create schema intruder",
    "truncate bookstore.search_logs",
]


@pytest.fixture
async def app_role_url(conn: asyncpg.Connection, database_url: str) -> str:
    """The role set up as `catalog migrate` does (as the owner), and the URL to log in as it."""
    settings = make_settings(database_url)
    assert await roles.ensure_app_role(conn, settings)
    assert await roles.ensure_app_role(conn, settings)  # again: nothing to do, no error
    return roles.serving_url(database_url, settings)


async def test_the_app_role_can_read_and_write_but_not_change_the_schema(app_role_url: str) -> None:
    app_conn = await asyncpg.connect(app_role_url)
    try:
        assert await app_conn.fetchval("select current_user") == "catalog_app"
        author_id = await app_conn.fetchval(
            "insert into bookstore.authors (name) values ('Least Privilege') returning id"
        )
        assert await app_conn.fetchval("select name from bookstore.authors where id = $1", author_id)
        await app_conn.execute("delete from bookstore.authors where id = $1", author_id)
        for statement in FORBIDDEN:
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await app_conn.execute(statement)
    finally:
        await app_conn.close()


async def test_the_app_serves_as_the_app_role(app_role_url: str, database_url: str) -> None:
    app = create_app(make_settings(database_url, app_database_url=app_role_url))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
            assert (await http.get("/ready")).status_code == 200
            created = await http.post(
                "/bookstore/books", json={"title": "Dune", "author": "Frank Herbert", "published_year": 1965}
            )
            assert created.status_code == 201, created.text
            assert (await http.get("/bookstore/books", params={"author": "Frank Herbert"})).json()[0]["title"] == "Dune"


def test_the_serving_url_keeps_server_and_database() -> None:
    settings = make_settings("postgresql://owner:secret@db:5432/catalog?sslmode=require", app_role_password="p@ss:w/rd")
    assert roles.serving_url(settings.database_url or "", settings) == (
        "postgresql://catalog_app:p%40ss%3Aw%2Frd@db:5432/catalog?sslmode=require"
    )
    explicit = make_settings("postgresql://owner@db/catalog", app_database_url="postgresql://app@db/catalog")
    assert roles.serving_url("postgresql://owner@db/catalog", explicit) == "postgresql://app@db/catalog"
