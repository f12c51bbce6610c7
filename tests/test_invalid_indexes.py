"""An INVALID index left by a failed concurrent build is found by what the file builds (named or not),
reported, dropped and built again; `catalog migrate --status` says what will happen to each one."""

import asyncio
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from app import migrations
from app.index_leftovers import invalid_indexes
from app.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
ONLINE = "-- catalog: no-transaction\n"

TABLES = """\
create schema "Odd Stock";
create table public.codes (
    id bigint primary key,
    region text not null,
    code text not null,
    active boolean not null
);
create table "Odd Stock"."Bins" (id bigint primary key, "Label" text not null);
insert into public.codes values (1, 'eu', 'a', true), (2, 'eu', 'A', true), (3, 'us', 'a', false), (4, 'eu', 'a', false);
insert into "Odd Stock"."Bins" values (1, 'x'), (2, 'x');
"""


@dataclass(frozen=True)
class Case:
    statement: str  # what the online file builds (its first run fails on a duplicate)
    index_name: str  # the name PostgreSQL gives it on the first run
    unduplicate: str  # what removes the duplicates
    holds: str  # an insert the built index refuses


CASES = {
    "unnamed-unique-expression": Case(
        "create unique index concurrently on inventory.products (lower(name));",
        "inventory.products_lower_idx",
        "delete from inventory.products where name = 'widget'",
        "insert into inventory.products (name, sku, price, category_id)"
        " select 'WIDGET', 'W-3', 1, min(id) from inventory.categories",
    ),
    "named": Case(
        "create unique index concurrently codes_code_region_key on public.codes (code, region);",
        "public.codes_code_region_key",
        "delete from public.codes where id = 4",
        "insert into public.codes values (9, 'eu', 'a', false)",
    ),
    "named-if-not-exists": Case(
        "create unique index concurrently if not exists codes_code_region_key on public.codes (code, region);",
        "public.codes_code_region_key",
        "delete from public.codes where id = 4",
        "insert into public.codes values (9, 'eu', 'a', false)",
    ),
    "unnamed-partial": Case(
        "create unique index concurrently on public.codes (lower(code)) where active;",
        "public.codes_lower_idx",
        "update public.codes set active = false where id = 2",
        "insert into public.codes values (9, 'us', 'A', true)",
    ),
    "unnamed-multi-column": Case(
        "create unique index concurrently on public.codes (region, code);",
        "public.codes_region_code_idx",
        "delete from public.codes where id = 4",
        "insert into public.codes values (9, 'eu', 'a', true)",
    ),
    "unnamed-other-schema-quoted": Case(
        'create unique index concurrently on "Odd Stock"."Bins" ("Label");',
        '"Odd Stock"."Bins_Label_idx"',
        'delete from "Odd Stock"."Bins" where id = 2',
        'insert into "Odd Stock"."Bins" values (9, \'x\')',
    ),
}


@pytest.fixture
def schema_copy(tmp_path: Path) -> Path:
    target = tmp_path / "schema"
    shutil.copytree(Settings().schema_dir, target)
    (target / "9000_tables.sql").write_text(TABLES)
    return target


async def _add_products(conn: asyncpg.Connection) -> None:
    await conn.execute("insert into inventory.categories (name) values ('Leftovers')")
    await conn.execute(
        "insert into inventory.products (name, sku, price, category_id)"
        " select p.name, p.sku, 1, c.id from inventory.categories as c"
        " cross join (values ('Widget', 'W-1'), ('widget', 'W-2')) as p (name, sku)"
    )


def migrate_status(database_url: str, schema_dir: Path) -> tuple[int, str]:
    """`catalog migrate --status` as a DBA runs it: exit code, and what it printed (stdout and stderr)."""
    env = {**os.environ, "DATABASE_URL": database_url, "SCHEMA_DIR": str(schema_dir)}
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate", "--status"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    return done.returncode, done.stdout + done.stderr


async def invalid_names(conn: asyncpg.Connection) -> list[str]:
    return [index.qualified for index in await invalid_indexes(conn)]


async def indexes_on(conn: asyncpg.Connection, table: str) -> list[str]:
    """Every index of `table`, schema-qualified and quoted as PostgreSQL quotes them."""
    rows = await conn.fetch(
        "select format('%I.%I', n.nspname, c.relname) as name from pg_index as i"
        " inner join pg_class as c on i.indexrelid = c.oid inner join pg_namespace as n on c.relnamespace = n.oid"
        " where i.indrelid = $1::regclass order by 1",
        table,
    )
    return [row["name"] for row in rows]


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_a_failed_concurrent_build_is_found_by_definition_dropped_and_built_again(
    conn: asyncpg.Connection, database_url: str, schema_copy: Path, case: Case
) -> None:
    await migrations.migrate(conn, schema_copy)
    await _add_products(conn)
    table = case.statement.split(" on ", 1)[1].split(" (", 1)[0]
    before = await indexes_on(conn, table)
    (schema_copy / "9001_unique.sql").write_text(ONLINE + "-- the index the app needs\n" + case.statement + "\n")

    with pytest.raises(migrations.MigrationError) as failed:
        await migrations.migrate(conn, schema_copy)
    message = str(failed.value)
    assert message.startswith("schema/9001_unique.sql:3: failed"), message  # FILE:LINE of the statement
    assert "is duplicated" in message and f"INVALID index {case.index_name}" in message
    assert await invalid_names(conn) == [case.index_name]

    code, said = migrate_status(database_url, schema_copy)
    assert code == 0, said
    assert "pending  no-transaction  9001_unique.sql" in said
    assert "left by a failed run of 9001_unique.sql; migrate drops it and runs the file again" in said, said
    assert "Traceback" not in said

    await conn.execute(case.unduplicate)
    heard: list[str] = []
    assert await migrations.migrate(conn, schema_copy, heard.append) == ["9001_unique.sql"]
    assert len(heard) == 1 and "schema/9001_unique.sql:3" in heard[0] and "INVALID" in heard[0], heard
    assert await invalid_names(conn) == []
    after = await indexes_on(conn, table)
    assert len(after) == len(before) + 1 and case.index_name in after, after  # rebuilt under its first name
    with pytest.raises(asyncpg.UniqueViolationError):
        await conn.execute(case.holds)
    code, said = migrate_status(database_url, schema_copy)
    assert (code, "INVALID" in said) == (0, False), said


async def test_the_leftover_of_a_file_applied_since_is_dropped_and_the_valid_index_kept(
    conn: asyncpg.Connection, database_url: str, schema_copy: Path
) -> None:
    """What the old runner left in the field: an INVALID `codes_lower_idx` from the failed run, the VALID
    `codes_lower_idx1` built by the retry, and the file recorded as applied."""
    await migrations.migrate(conn, schema_copy)
    statement = "create unique index concurrently on public.codes (lower(code), region);"
    (schema_copy / "9001_unique.sql").write_text(ONLINE + statement + "\n")
    with pytest.raises(asyncpg.UniqueViolationError):
        await conn.execute(statement)
    await conn.execute("delete from public.codes where id in (2, 4)")
    await conn.execute(statement)
    await conn.execute(
        "insert into public.schema_migrations (filename, checksum) values ('9001_unique.sql', $1)",
        migrations.MigrationFile(schema_copy / "9001_unique.sql").checksum,
    )
    assert await invalid_names(conn) == ["public.codes_lower_region_idx"]

    code, said = migrate_status(database_url, schema_copy)
    assert "INVALID  index public.codes_lower_region_idx on codes: left by a failed run of 9001_unique.sql," in said
    assert "applied since; migrate drops it" in said, said

    heard: list[str] = []
    assert await migrations.migrate(conn, schema_copy, heard.append) == []
    assert len(heard) == 1 and "public.codes_lower_region_idx" in heard[0], heard
    assert await invalid_names(conn) == []
    assert "public.codes_lower_region_idx1" in await indexes_on(conn, "public.codes")  # the valid one stays
    with pytest.raises(asyncpg.UniqueViolationError):
        await conn.execute("insert into public.codes values (9, 'eu', 'A', true)")


async def test_an_invalid_index_no_file_builds_is_reported_and_left_alone(
    conn: asyncpg.Connection, database_url: str, schema_copy: Path
) -> None:
    """A DBA's own failed build, on the same table as a pending file that builds something else."""
    await migrations.migrate(conn, schema_copy)
    with pytest.raises(asyncpg.UniqueViolationError):
        await conn.execute("create unique index concurrently codes_by_hand on public.codes (code)")
    (schema_copy / "9001_other.sql").write_text(ONLINE + "create index concurrently on public.codes (lower(code));\n")

    code, said = migrate_status(database_url, schema_copy)
    assert (
        "INVALID  index public.codes_by_hand on codes: no migration file builds it, so migrate leaves it alone" in said
    )
    heard: list[str] = []
    assert await migrations.migrate(conn, schema_copy, heard.append) == ["9001_other.sql"]
    assert len(heard) == 1 and "public.codes_by_hand" in heard[0] and "leaves it alone" in heard[0], heard
    assert await invalid_names(conn) == ["public.codes_by_hand"]
    assert "public.codes_lower_idx" in await indexes_on(conn, "public.codes")


@pytest.mark.parametrize(
    "statement", ["reindex index concurrently public.codes_checked_idx;", "reindex table concurrently public.codes;"]
)
async def test_a_failed_concurrent_reindex_leaves_a_copy_that_is_dropped_and_built_again(
    conn: asyncpg.Connection, schema_copy: Path, statement: str
) -> None:
    await migrations.migrate(conn, schema_copy)
    await conn.execute(
        "create function public.checked(code text) returns text language sql immutable as $$ select code $$;"
        "create index codes_checked_idx on public.codes (public.checked(code));"
        # Now it fails on 'A': the next build of the index (the reindex's copy) fails half-way.
        "create or replace function public.checked(code text) returns text language plpgsql immutable as"
        " $$ begin if code = 'A' then raise exception 'bad code'; end if; return code; end $$;"
    )
    (schema_copy / "9001_reindex.sql").write_text(ONLINE + statement + "\n")
    with pytest.raises(migrations.MigrationError, match=r"(?s)schema/9001_reindex.sql:2: .*bad code.*INVALID index"):
        await migrations.migrate(conn, schema_copy)
    left = await invalid_names(conn)  # a table's reindex may also leave the copies of its other indexes
    assert "public.codes_checked_idx_ccnew" in left and all(name.endswith("_ccnew") for name in left), left

    await conn.execute("delete from public.codes where code = 'A'")
    heard: list[str] = []
    assert await migrations.migrate(conn, schema_copy, heard.append) == ["9001_reindex.sql"]
    assert len(heard) == len(left) and all(any(name in said for said in heard) for name in left), heard
    assert await invalid_names(conn) == []
    assert "public.codes_checked_idx" in await indexes_on(conn, "public.codes")


async def test_an_index_being_built_by_another_backend_is_not_dropped(
    conn: asyncpg.Connection, database_url: str, schema_copy: Path
) -> None:
    await migrations.migrate(conn, schema_copy)
    (schema_copy / "9001_lower.sql").write_text(ONLINE + "create index concurrently on public.codes (lower(code));\n")
    held = await asyncpg.connect(database_url)
    builder = await asyncpg.connect(database_url)
    try:
        held_tx = held.transaction()
        await held_tx.start()
        await held.execute("insert into public.codes values (9, 'us', 'z', true)")
        # A DBA builds the same index by hand; it waits for the open transaction, INVALID meanwhile.
        building = asyncio.create_task(
            builder.execute("create index concurrently codes_lower_by_hand on public.codes (lower(code))")
        )
        while await invalid_names(conn) != ["public.codes_lower_by_hand"]:
            await asyncio.sleep(0.05)
        code, said = migrate_status(database_url, schema_copy)
        assert "public.codes_lower_by_hand on codes: another backend (pid " in said, said
        with pytest.raises(migrations.MigrationError, match=r"9001_lower.sql:2: .*is building an index on codes"):
            await migrations.migrate(conn, schema_copy)
        await held_tx.commit()
        await asyncio.wait_for(building, 60)
    finally:
        await held.close()
        await builder.close()
    assert await invalid_names(conn) == []
    assert await migrations.migrate(conn, schema_copy) == ["9001_lower.sql"]
    assert {"public.codes_lower_by_hand", "public.codes_lower_idx"} <= set(await indexes_on(conn, "public.codes"))
