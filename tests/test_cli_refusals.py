"""A statement PostgreSQL refuses in a `catalog` command is answered with the place (FILE:LINE for a
migration), the SQLSTATE, the message and a hint; never a traceback. Each case runs the real command as
a DBA does (a subprocess) against a real database: a migration that breaks a constraint (not null,
unique, check over stored rows), that PostgreSQL cannot parse or resolve, that waits past its lock or
statement timeout, that raises with its own hint; and commands run as a role that may not change the
schema, or that meet a lock held by another session.
"""

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from app import roles
from app.settings import Settings
from tests.conftest import make_settings
from tests.serving_process import ROOT

NO_HANG = 60


def catalog(database_url: str, *args: str, schema_dir: Path | None = None) -> tuple[int, str]:
    """`catalog ARGS` as a DBA runs it: exit code, and what it printed (stdout and stderr)."""
    env = {**os.environ, "DATABASE_URL": database_url}
    if schema_dir is not None:
        env["SCHEMA_DIR"] = str(schema_dir)
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=NO_HANG
    )
    return done.returncode, done.stdout + done.stderr


def assert_refused(code: int, said: str, sqlstate: str, *words: str) -> None:
    """Exit 1, the SQLSTATE and every word said, a `catalog: hint:` line, no traceback."""
    assert code == 1, said
    assert "Traceback" not in said, said
    assert f"{sqlstate}: " in said, said
    hint = "catalog: hint: "
    assert any(line.startswith(hint) and len(line) > len(hint) for line in said.splitlines()), said
    for word in words:
        assert word in said, f"{word!r} not in:\n{said}"


@pytest.fixture
def schema_copy(tmp_path: Path) -> Path:
    target = tmp_path / "schema"
    shutil.copytree(Settings().schema_dir, target)
    return target


# (file text, SQLSTATE, line the refusal names, words of the message or hint)
MIGRATIONS = {
    "not null violated": (
        "-- two authors\ninsert into bookstore.authors (name) values ('Named');\n"
        "insert into bookstore.authors (name) values (null);\n",
        "23502",
        3,
        ["null value", "correct the data first"],
    ),
    "unique violated": (
        "insert into inventory.categories (name) values ('Tools');\n\n"
        "insert into inventory.categories (name)\nvalues ('Tools');\n",
        "23505",
        3,
        ["duplicate key", "already exists"],
    ),
    "check added over stored rows": (
        "insert into bookstore.authors (name) values ('Old');\n"
        "insert into bookstore.books (title, author_id, published_year)\n"
        "select 'Ancient', id, 1500 from bookstore.authors;\n"
        "-- no books before 1900 from now on\n"
        "alter table bookstore.books\n    add constraint books_modern check (published_year >= 1900);\n",
        "23514",
        5,
        ["books_modern", "is violated by some row", "correct the data first"],
    ),
    "syntax error inside a statement": (
        "-- a column for notes\nalter table bookstore.books\n    add colum note text;\n",
        "42601",
        3,
        ['syntax error at or near "text"', "syntax"],
    ),
    "syntax error in a later statement": (
        "create table public.fine (id int);\n\ncreate tabel public.broken (id int);\n",
        "42601",
        3,
        ['syntax error at or near "tabel"'],
    ),
    "unknown table": (
        "create table public.first_step (id int);\n-- then\nselect count(*)\nfrom public.no_such_table;\n",
        "42P01",
        4,
        ['relation "public.no_such_table" does not exist', "does not exist or cannot be used"],
    ),
    "unknown column": (
        "update bookstore.books\nset subtitle = 'x';\n",
        "42703",
        2,
        ['column "subtitle" of relation "books" does not exist'],
    ),
    "statement timeout": (
        "set local statement_timeout = '100ms';\nselect pg_sleep(5);\n",
        "57014",
        2,
        ["statement timeout", "run it again when the database is quieter"],
    ),
    "raised with its own hint": (
        "do $$\nbegin\n    raise exception 'stock is negative' using hint = 'repair inventory.products first';\nend\n$$;\n",
        "P0001",
        1,
        ["stock is negative", "hint: repair inventory.products first"],
    ),
}


@pytest.mark.parametrize("case", list(MIGRATIONS), ids=list(MIGRATIONS))
async def test_a_refused_migration_names_file_line_sqlstate_and_hint(
    conn: asyncpg.Connection, database_url: str, schema_copy: Path, case: str
) -> None:
    text, sqlstate, line, words = MIGRATIONS[case]
    (schema_copy / "9001_refused.sql").write_text(text)
    code, said = await asyncio.to_thread(catalog, database_url, "migrate", schema_dir=schema_copy)
    assert_refused(code, said, sqlstate, f"schema/9001_refused.sql:{line}: failed", *words)
    # Nothing of the file stays, and it is still pending.
    assert await conn.fetchval("select count(*) from public.schema_migrations where filename = '9001_refused.sql'") == 0
    assert await conn.fetchval("select to_regclass('public.first_step') is null and to_regclass('public.fine') is null")
    code, said = await asyncio.to_thread(catalog, database_url, "migrate", "--status", schema_dir=schema_copy)
    assert "pending  transaction     9001_refused.sql" in said, said


async def test_a_migration_waiting_past_its_lock_timeout_says_run_again(
    conn: asyncpg.Connection, database_url: str, schema_copy: Path
) -> None:
    (schema_copy / "9001_locked.sql").write_text(
        "set local lock_timeout = '200ms';\n\nalter table bookstore.books add column note text;\n"
    )
    async with conn.transaction():  # the running app, say, in a long transaction on the table
        await conn.execute("lock table bookstore.books in access share mode")
        code, said = await asyncio.to_thread(catalog, database_url, "migrate", schema_dir=schema_copy)
    assert_refused(code, said, "55P03", "schema/9001_locked.sql:3: failed", "lock timeout", "run the command again")


@pytest.mark.parametrize("command", [["migrate"], ["keys", "list"], ["seed", "--demo"]])
async def test_a_command_run_as_a_role_that_may_not_change_the_schema_says_so(
    conn: asyncpg.Connection, database_url: str, command: list[str]
) -> None:
    settings = make_settings(database_url)
    assert await roles.ensure_app_role(conn, settings)
    app_role_url = roles.serving_url(database_url, settings)
    code, said = await asyncio.to_thread(catalog, app_role_url, *command)
    assert_refused(code, said, "42501", f"catalog {command[0]}: PostgreSQL refused it", "permission denied")
    assert "run `catalog` as the owner of the schema" in said, said


@pytest.mark.parametrize("command", [["keys", "list"], ["keys", "create", "ops-bot", "--scopes", "admin"]])
async def test_a_command_meeting_a_held_lock_says_run_again(
    conn: asyncpg.Connection, database_url: str, command: list[str]
) -> None:
    database = await conn.fetchval("select current_database()")
    await conn.execute(f"alter database {database} set lock_timeout = '200ms'")
    async with conn.transaction():  # another session holds the keys table
        await conn.execute("lock table access.api_keys in access exclusive mode")
        code, said = await asyncio.to_thread(catalog, database_url, *command)
    assert_refused(code, said, "55P03", "catalog keys: PostgreSQL refused it", "lock timeout", "run the command again")
