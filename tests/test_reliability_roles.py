"""Least privilege: the app's role reads and writes the domains' tables and can do nothing else."""

from pathlib import Path

import asyncpg
import httpx
import pytest

from app import cli, roles, serving
from app.database import session_settings
from app.main import create_app
from tests.conftest import make_settings
from tests.role_defaults import CASE_IDS, CASES, WRONG, give_role_defaults, warned_settings
from tests.serving_process import catalog_serve

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


@pytest.mark.parametrize(("app_role_defaults", "warned"), CASES, ids=CASE_IDS)
async def test_server_facts_are_read_as_the_role_the_app_serves_as(
    conn: asyncpg.Connection, database_url: str, app_role_defaults: dict[str, str], warned: set[str]
) -> None:
    settings = make_settings(database_url, database_startup_settings=False, catalog_domains="bookstore")
    assert await roles.ensure_app_role(conn, settings)
    owner = await conn.fetchval("select current_user")
    await give_role_defaults(conn, owner, WRONG)  # read as the owner, every setting would be wrong
    await give_role_defaults(conn, settings.app_role, app_role_defaults)

    # `catalog serve`: migrates, sets up the app role, then reads the facts through the URL it serves with.
    served_url = await cli.prepare_for_serving(settings, lambda _: None)
    facts = await serving.read_server_facts(served_url, settings)
    assert (facts.role, warned_settings(facts.session_mismatches)) == (settings.app_role, warned)

    # `catalog serve --no-seed` (migrated beforehand) with APP_DATABASE_URL.
    no_seed = make_settings(database_url, database_startup_settings=False, app_database_url=served_url)
    facts = await serving.read_server_facts(await roles.configured_serving_url(no_seed), no_seed)
    assert (facts.role, warned_settings(facts.session_mismatches)) == (settings.app_role, warned)
    for mismatch in facts.session_mismatches:  # each names the statement that fixes it
        name = mismatch.split()[0]
        assert f"alter role {settings.app_role} set {name} = '{session_settings(settings)[name]}'" in mismatch


@pytest.mark.parametrize(("app_role_defaults", "warned"), [CASES[0], CASES[2]], ids=[CASE_IDS[0], CASE_IDS[2]])
async def test_catalog_serve_warns_only_where_the_serving_roles_setting_is_wrong(
    tmp_path: Path, conn: asyncpg.Connection, database_url: str, app_role_defaults: dict[str, str], warned: set[str]
) -> None:
    settings = make_settings(database_url)
    assert await roles.ensure_app_role(conn, settings)
    await give_role_defaults(conn, await conn.fetchval("select current_user"), WRONG)
    await give_role_defaults(conn, settings.app_role, app_role_defaults)
    env = {
        "DATABASE_URL": database_url,
        "APP_DATABASE_URL": roles.serving_url(database_url, settings),
        "DATABASE_STARTUP_SETTINGS": "false",
    }
    with catalog_serve(tmp_path, env=env, workers=1) as served:
        assert warned_settings(served.output()) == warned, served.output()
        async with httpx.AsyncClient(base_url=served.base_url, timeout=30) as http:
            assert (await http.get("/bookstore/books")).status_code == 200
