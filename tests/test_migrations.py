"""Migrations: ordered, recorded with checksums, serialized by a lock, edits refused."""

import asyncio
import shutil
from pathlib import Path

import asyncpg
import httpx
import pytest

from app import migrations
from app.main import create_app
from app.settings import Settings
from tests.conftest import assert_error, make_settings


@pytest.fixture
def schema_copy(tmp_path: Path) -> Path:
    target = tmp_path / "schema"
    shutil.copytree(Settings().schema_dir, target)
    return target


async def test_fresh_database_gets_every_file_in_order(conn: asyncpg.Connection, schema_copy: Path) -> None:
    (schema_copy / "9000_extra.sql").write_text("create table public.extra (id bigint primary key);\n")
    pending = (await migrations.status(conn, schema_copy)).pending
    assert pending[-1] == "9000_extra.sql"
    applied = await migrations.migrate(conn, schema_copy)
    assert applied == pending
    state = await migrations.status(conn, schema_copy)
    assert state.pending == [] and state.edited == []
    assert state.applied == sorted(p.name for p in schema_copy.glob("*.sql"))
    assert await migrations.migrate(conn, schema_copy) == []


async def test_edited_applied_file_is_refused_by_name(conn: asyncpg.Connection, schema_copy: Path) -> None:
    first = sorted(schema_copy.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- an innocent-looking edit\n")
    with pytest.raises(migrations.MigrationError, match=first.name):
        await migrations.migrate(conn, schema_copy)
    assert (await migrations.status(conn, schema_copy)).edited == [first.name]


async def test_failing_file_leaves_nothing_behind(conn: asyncpg.Connection, schema_copy: Path) -> None:
    (schema_copy / "9001_broken.sql").write_text(
        "create table public.half_done (id bigint primary key);\nselect * from no_such_table;\n"
    )
    with pytest.raises(migrations.MigrationError, match="9001_broken.sql"):
        await migrations.migrate(conn, schema_copy)
    assert await conn.fetchval("select to_regclass('public.half_done')") is None
    assert (await migrations.status(conn, schema_copy)).pending == ["9001_broken.sql"]


async def test_badly_named_file_is_refused(conn: asyncpg.Connection, schema_copy: Path) -> None:
    (schema_copy / "add_things.sql").write_text("select 1;\n")
    with pytest.raises(migrations.MigrationError, match="add_things.sql"):
        await migrations.migrate(conn, schema_copy)


async def test_two_instances_migrating_at_once_apply_each_file_once(
    database_url: str, schema_copy: Path
) -> None:
    (schema_copy / "9002_slow.sql").write_text(
        "create table public.counter (n bigint);\nselect pg_sleep(0.5);\ninsert into public.counter values (1);\n"
    )
    conns = [await asyncpg.connect(database_url) for _ in range(3)]
    try:
        pending = (await migrations.status(conns[0], schema_copy)).pending
        results = await asyncio.gather(*(migrations.migrate(c, schema_copy) for c in conns))
        assert sorted(results, key=len) == [[], [], pending]
        assert await conns[0].fetchval("select count(*) from public.counter") == 1
    finally:
        for c in conns:
            await c.close()


async def test_ready_is_503_while_a_migration_is_pending(database_url: str, schema_copy: Path) -> None:
    (schema_copy / "9003_pending.sql").write_text("select 1;\n")
    app = create_app(make_settings(database_url, schema_dir=schema_copy))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            assert_error(await client.get("/ready"), 503, "9003_pending.sql")
            assert (await client.get("/health")).status_code == 200
