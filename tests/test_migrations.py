"""Migrations: ordered, recorded with checksums, serialized by a lock, edits refused."""

import asyncio
import shutil
from collections.abc import Callable
from pathlib import Path

import asyncpg
import httpx
import pytest

from app import migrations
from app.index_leftovers import invalid_indexes
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


async def test_two_instances_migrating_at_once_apply_each_file_once(database_url: str, schema_copy: Path) -> None:
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


# Online migrations: `-- catalog: no-transaction` files.

ONLINE = "-- catalog: no-transaction\n"


def test_statements_are_split_minding_comments_and_quotes() -> None:
    text = (
        "-- a comment; with a semicolon\n"
        "create function f() returns text language sql as $body$ select 'a;b' $body$;\n"
        "/* block; /* nested; */ */ select 'it''s; fine', \"odd;name\";\n"
    )
    statements = migrations.sql_statements(text)
    assert len(statements) == 2
    assert statements[0].startswith("create function") and "'a;b'" in statements[0]
    assert migrations.sql_statements(ONLINE + "create index concurrently i on t (a)\n") == [
        "create index concurrently i on t (a)"
    ]


async def test_status_shows_each_files_mode(conn: asyncpg.Connection, schema_copy: Path) -> None:
    (schema_copy / "9000_table.sql").write_text("create table public.t (a bigint);\n")
    (schema_copy / "9001_index.sql").write_text(ONLINE + "create index concurrently t_a_idx on public.t (a);\n")
    state = await migrations.status(conn, schema_copy)
    assert state.modes["9000_table.sql"] == "transaction"
    assert state.modes["9001_index.sql"] == "no-transaction"


async def test_online_file_with_two_statements_is_refused_by_name(conn: asyncpg.Connection, schema_copy: Path) -> None:
    (schema_copy / "9000_table.sql").write_text("create table public.t (a bigint);\n")
    (schema_copy / "9001_two.sql").write_text(
        ONLINE + "set lock_timeout = '1s';\ncreate index concurrently t_a_idx on public.t (a);\n"
    )
    with pytest.raises(migrations.MigrationError, match=r"9001_two.sql .*exactly one statement"):
        await migrations.migrate(conn, schema_copy)
    # Refused before anything ran: the earlier pending file is not applied either.
    assert await conn.fetchval("select to_regclass('public.t')") is None


async def test_online_file_runs_outside_a_transaction_and_is_recorded(
    conn: asyncpg.Connection, schema_copy: Path
) -> None:
    (schema_copy / "9000_table.sql").write_text("create table public.t (a bigint);\n")
    (schema_copy / "9001_index.sql").write_text(ONLINE + "create index concurrently t_a_idx on public.t (a);\n")
    (schema_copy / "9002_after.sql").write_text("create table public.after_index (id bigint primary key);\n")
    assert (await migrations.migrate(conn, schema_copy))[-3:] == ["9000_table.sql", "9001_index.sql", "9002_after.sql"]
    assert await conn.fetchval("select indisvalid from pg_index where indexrelid = 'public.t_a_idx'::regclass")
    assert (await migrations.status(conn, schema_copy)).pending == []
    # The session's own timeouts are put back after the online statement.
    assert await conn.fetchval("select current_setting('statement_timeout')") == "0"
    assert await conn.fetchval("select current_setting('lock_timeout')") == "0"


async def _insert_forever(url: str, stop: asyncio.Event, counts: list[int], errors: list[BaseException]) -> None:
    """A writer: one insert after another (each its own transaction) until told to stop."""
    writer = await asyncpg.connect(url)
    try:
        while not stop.is_set():
            try:
                await asyncio.wait_for(writer.execute("insert into public.busy (code) values (random() * 1e6)"), 30)
            except (asyncpg.PostgresError, TimeoutError) as exc:
                errors.append(exc)
                return
            counts[0] += 1
    finally:
        await writer.close()


async def test_concurrent_index_on_a_table_being_written_does_not_block_writers(
    database_url: str, conn: asyncpg.Connection, schema_copy: Path
) -> None:
    (schema_copy / "9000_busy.sql").write_text(
        "create table public.busy (id bigint generated always as identity primary key, code bigint not null);\n"
    )
    await migrations.migrate(conn, schema_copy)
    await conn.execute("insert into public.busy (code) select g from generate_series(1, 200000) as g")
    (schema_copy / "9001_busy_code.sql").write_text(
        ONLINE + "create index concurrently busy_code_idx on public.busy (code);\n"
    )

    stop, counts, errors = asyncio.Event(), [0], list[BaseException]()
    writers = [asyncio.create_task(_insert_forever(database_url, stop, counts, errors)) for _ in range(2)]
    # A transaction that wrote to the table and stays open: the build must wait for it to end,
    # which holds the migration in its build phase while we watch the writers.
    held = await asyncpg.connect(database_url)
    monitor = await asyncpg.connect(database_url)
    try:
        held_tx = held.transaction()
        await held_tx.start()
        await held.execute("insert into public.busy (code) values (-1)")
        migration = asyncio.create_task(migrations.migrate(conn, schema_copy))

        async def building() -> None:
            while not await monitor.fetchval(
                "select count(*) from pg_stat_progress_create_index where relid = 'public.busy'::regclass"
            ):
                await asyncio.sleep(0.02)

        await asyncio.wait_for(building(), 30)
        during = counts[0]

        async def writers_progress() -> None:
            while counts[0] < during + 50 and not errors:
                await asyncio.sleep(0.02)

        await asyncio.wait_for(writers_progress(), 60)
        assert not migration.done(), "the build finished before the writers were watched"
        await held_tx.commit()
        assert await asyncio.wait_for(migration, 120) == ["9001_busy_code.sql"]
    finally:
        stop.set()
        await asyncio.gather(*writers)
        await held.close()
        await monitor.close()

    assert errors == []
    assert counts[0] >= during + 50
    assert await conn.fetchval("select indisvalid from pg_index where indexrelid = 'public.busy_code_idx'::regclass")
    # Every row written during the build is in the index: an index-only count agrees with the table.
    await conn.execute("set enable_seqscan = off")
    assert await conn.fetchval("select count(*) from public.busy where code >= -1") == await conn.fetchval(
        "select count(*) from public.busy"
    )


async def test_failed_concurrent_index_is_dropped_and_retried_on_the_next_migrate(
    conn: asyncpg.Connection, schema_copy: Path
) -> None:
    (schema_copy / "9000_codes.sql").write_text(
        "create table public.codes (id bigint primary key, code text not null);\n"
        "insert into public.codes values (1, 'a'), (2, 'b'), (3, 'a');\n"
    )
    (schema_copy / "9001_codes_unique.sql").write_text(
        ONLINE + "create unique index concurrently codes_code_key on public.codes (code);\n"
    )
    with pytest.raises(
        migrations.MigrationError, match=r"(?s)9001_codes_unique.sql.*INVALID index public.codes_code_key"
    ):
        await migrations.migrate(conn, schema_copy)
    assert [i.qualified for i in await invalid_indexes(conn)] == ["public.codes_code_key"]
    state = await migrations.status(conn, schema_copy)
    assert "9000_codes.sql" in state.applied and state.pending == ["9001_codes_unique.sql"]

    await conn.execute("delete from public.codes where id = 3")
    heard: list[str] = []
    assert await migrations.migrate(conn, schema_copy, heard.append) == ["9001_codes_unique.sql"]
    assert len(heard) == 1 and "public.codes_code_key" in heard[0] and "INVALID" in heard[0]
    assert await invalid_indexes(conn) == []
    with pytest.raises(asyncpg.UniqueViolationError):
        await conn.execute("insert into public.codes values (4, 'a')")


@pytest.mark.parametrize(
    "statement",
    [
        "create index concurrently bookstore_books_title_idx on bookstore.books (title);",
        "drop index concurrently bookstore.books_author_id_published_year_id_idx;",
        "reindex index concurrently bookstore.books_pkey;",
    ],
)
async def test_concurrent_statement_in_a_transactional_file_names_the_marker(
    conn: asyncpg.Connection, schema_copy: Path, statement: str
) -> None:
    (schema_copy / "9003_online_without_marker.sql").write_text(statement + "\n")
    with pytest.raises(migrations.MigrationError) as raised:
        await migrations.migrate(conn, schema_copy)
    message = str(raised.value)
    assert "9003_online_without_marker.sql" in message
    assert "-- catalog: no-transaction" in message
    assert (await migrations.status(conn, schema_copy)).pending == ["9003_online_without_marker.sql"]


@pytest.mark.parametrize(
    ("rewrite", "edited"),
    [
        (lambda data: data.replace(b"\n", b"\r\n"), False),  # a checkout that writes CRLF
        (lambda data: data.replace(b"\n", b"\r"), False),  # old Mac line endings
        (lambda data: data.replace(b"\n", b"\r\n", 3), False),  # mixed
        (lambda data: data.replace(b"\n", b"\r\n") + b"-- a real edit\r\n", True),
        (lambda data: data.replace(b"create", b"CREATE", 1), True),
    ],
)
async def test_line_endings_are_not_an_edit_but_text_is(
    conn: asyncpg.Connection, schema_copy: Path, rewrite: Callable[[bytes], bytes], edited: bool
) -> None:
    await migrations.migrate(conn, schema_copy)
    files = sorted(schema_copy.glob("*.sql"))
    for path in files:
        path.write_bytes(rewrite(path.read_bytes()))
    state = await migrations.status(conn, schema_copy)
    assert state.pending == []
    assert bool(state.edited) == edited, state.edited
    if not edited:
        assert await migrations.migrate(conn, schema_copy) == []
