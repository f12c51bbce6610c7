"""The checking database's life cycle on small real loads: the same rows on every build, a new
migration extends a build instead of reloading it, and a build is kept per fingerprint for branch switches."""

import os
import shutil
from pathlib import Path

import aiosql
import asyncpg
import pytest

from app.database import with_database
from app.database_admin import drop_database
from app.plans.fixture import FixtureLoader, kept_name, prepare_database, seed_modules_fixture
from app.seeding import Progress, seed_modules
from app.settings import ROOT, Settings

DATABASE = f"catalog_plans_fixture_{os.getpid()}"
# Every domain, small: the seeds' code paths at a scale a test can load twice.
SMALL = {"bookstore": 3_000, "corpus": 2_000, "cookbook": 1_000, "inventory": 2_000}
test_queries = aiosql.from_path(ROOT / "tests" / "sql", "asyncpg")


def quiet(_: str) -> None:
    pass


def no_progress(_: str) -> Progress:
    return lambda *args: None


def loader() -> FixtureLoader:
    return seed_modules_fixture(seed_modules(Settings()), ROOT / "queries", scales=SMALL)


async def hashes(url: str) -> dict[str, str]:
    conn = await asyncpg.connect(url)
    try:
        statements = [(r["table_name"], r["statement"]) async for r in test_queries.table_hash_statements(conn)]
        return {name: await conn.fetchval(statement) for name, statement in statements}
    finally:
        await conn.close()


async def fetch(url: str, statement: str) -> object:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(statement)
    finally:
        await conn.close()


async def drop_all(admin_url: str, database: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        names = [
            r["datname"]
            for r in await conn.fetch("select datname from pg_database where datname like $1", database + "%")
        ]
    finally:
        await conn.close()
    for name in names:
        await drop_database(admin_url, name)


@pytest.fixture
async def schema(tmp_path: Path) -> Path:
    folder = tmp_path / "schema"
    shutil.copytree(ROOT / "schema", folder)
    return folder


async def test_two_builds_hold_the_same_rows_in_every_table(admin_url: str, schema: Path) -> None:
    first, second = f"{DATABASE}_a", f"{DATABASE}_b"
    try:
        for database in (first, second):
            await prepare_database(admin_url, database, schema, loader(), 100, quiet, no_progress)
        one = await hashes(with_database(admin_url, first))
        two = await hashes(with_database(admin_url, second))
    finally:
        await drop_all(admin_url, first)
        await drop_all(admin_url, second)
    assert {"bookstore.books", "corpus.paragraphs", "cookbook.recipes", "inventory.products"} <= set(one)
    differing = sorted(name for name in one if one[name] != two.get(name))
    assert differing == []


async def test_a_new_migration_extends_the_build_and_analyzes_what_it_touched(admin_url: str, schema: Path) -> None:
    url = with_database(admin_url, DATABASE)
    said: list[str] = []
    try:
        _, reused = await prepare_database(admin_url, DATABASE, schema, loader(), 100, quiet, no_progress)
        assert reused is False
        books = await fetch(url, "select count(*) from bookstore.books")
        (schema / "0990_books_price_year_idx.sql").write_text(
            "alter table bookstore.books add column discount numeric(4, 2) not null default 0;\n"
            "create index books_discount_idx on bookstore.books (discount);\n"
        )
        _, reused = await prepare_database(admin_url, DATABASE, schema, loader(), 100, said.append, no_progress)
        # The loaded rows are still there (no reload), the new column has statistics (analyzed).
        assert reused is False
        assert await fetch(url, "select count(*) from bookstore.books") == books
        assert await fetch(url, "select count(*) from pg_stats where tablename = 'books' and attname = 'discount'") == 1
        assert any("extending build" in line and "0990_books_price_year_idx.sql" in line for line in said), said
        assert not any("building database" in line for line in said), said
    finally:
        await drop_all(admin_url, DATABASE)


async def test_switching_back_reuses_the_build_kept_for_that_fingerprint(admin_url: str, schema: Path) -> None:
    url = with_database(admin_url, DATABASE)
    extra = schema / "0990_books_note.sql"
    try:
        await prepare_database(admin_url, DATABASE, schema, loader(), 100, quiet, no_progress)
        extra.write_text("alter table bookstore.books add column note text;\n")  # "the other branch"
        await prepare_database(admin_url, DATABASE, schema, loader(), 100, quiet, no_progress)
        extra.unlink()  # back on the first branch: its build was kept, not extended in place
        said: list[str] = []
        _, reused = await prepare_database(admin_url, DATABASE, schema, loader(), 100, said.append, no_progress)
        assert reused is True
        assert any("reusing the kept build" in line for line in said), said
        assert await fetch(url, "select count(*) from information_schema.columns where column_name = 'note'") == 0
        extra.write_text("alter table bookstore.books add column note text;\n")  # and over again
        _, reused = await prepare_database(admin_url, DATABASE, schema, loader(), 100, quiet, no_progress)
        assert reused is True
        assert await fetch(url, "select count(*) from information_schema.columns where column_name = 'note'") == 1
    finally:
        await drop_all(admin_url, DATABASE)


async def test_an_edited_applied_migration_or_seed_rebuilds(admin_url: str, schema: Path, tmp_path: Path) -> None:
    said: list[str] = []
    first = sorted(schema.glob("0001_*.sql"))[0]
    try:
        await prepare_database(admin_url, DATABASE, schema, loader(), 100, quiet, no_progress)
        first.write_text(first.read_text() + "\n-- an edit to an applied file\n")
        await prepare_database(admin_url, DATABASE, schema, loader(), 100, said.append, no_progress)
        assert any("building database" in line for line in said), said
        said.clear()
        other_scale = seed_modules_fixture(
            seed_modules(Settings()), ROOT / "queries", scales={**SMALL, "bookstore": 3_001}
        )
        await prepare_database(admin_url, DATABASE, schema, other_scale, 100, said.append, no_progress)
        assert any("building database" in line for line in said), said
    finally:
        await drop_all(admin_url, DATABASE)


async def test_kept_builds_are_pruned_to_the_newest(admin_url: str, schema: Path) -> None:
    try:
        for n in range(4):
            (schema / f"099{n}_books_note_{n}.sql").write_text(
                f"alter table bookstore.books add column note_{n} text;\n"
            )
            await prepare_database(admin_url, DATABASE, schema, loader(), 100, quiet, no_progress, keep=2)
        conn = await asyncpg.connect(admin_url)
        try:
            kept = await conn.fetchval(
                "select count(*) from pg_database where datname ~ $1", f"^{DATABASE}_[0-9a-f]{{16}}$"
            )
        finally:
            await conn.close()
        assert kept == 2
        assert kept_name(DATABASE, "0" * 16) == f"{DATABASE}_{'0' * 16}"
    finally:
        await drop_all(admin_url, DATABASE)
