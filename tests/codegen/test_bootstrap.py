"""`catalog codegen` never needs its own output: the queries it runs to build and read its scratch database
(the migrator's and its schema-change notice, the server set-up's, its catalog reads) are run by name
from queries/core/, so a DBA who renames one of their parameters can regenerate app/core/sql.py; a
rename the caller missed is named."""

import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.database_admin import drop_database
from app.queries import CallMismatch, bound
from app.settings import ROOT

SCRATCH = "catalog_codegen"  # the database `catalog codegen` builds (app/codegen/command.py)

RENAMES = [
    # (the .sql file, its text before and after, the Python caller, its text before and after, the end of
    # the new signature app/core/sql.py must hold)
    (
        "queries/core/migrations.sql",
        ("record_migration(filename, checksum)", "values (:filename, :checksum)"),
        ("record_migration(file_name, checksum)", "values (:file_name, :checksum)"),
        "app/migrations.py",
        '"record_migration", filename=',
        '"record_migration", file_name=',
        "*, file_name: str, checksum: str) -> int:",
    ),
    (
        "queries/core/admin.sql",
        ("database_exists(database_name)$", "where datname = :database_name\n"),
        ("database_exists(db_name)$", "where datname = :db_name\n"),
        "app/database_admin.py",
        '"database_exists", database_name=name',
        '"database_exists", db_name=name',
        "*, db_name: str) -> bool:",
    ),
    (
        "queries/core/schema_changes.sql",
        ("announce_schema_change(channel, payload)!", "select pg_notify(:channel::text, :payload::text);"),
        ("announce_schema_change(channel, message)!", "select pg_notify(:channel::text, :message::text);"),
        "app/schema_changes.py",
        "channel=CHANNEL, payload=change",
        "channel=CHANNEL, message=change",
        "*, channel: str, message: str\n) -> int:",
    ),
    (
        "queries/core/codegen.sql",
        ("codegen_relation(table_oid)^", "where c.oid = :table_oid::oid;"),
        ("codegen_relation(relation_oid)^", "where c.oid = :relation_oid::oid;"),
        "app/codegen/describe.py",
        '"codegen_relation", table_oid=relid',
        '"codegen_relation", relation_oid=relid',
        "*, relation_oid: int\n) -> CodegenRelationRow | None:",
    ),
]


def edit(path: Path, before: str, after: str) -> None:
    text = path.read_text()
    assert before in text, f"{path} no longer holds {before!r}: update this test"
    path.write_text(text.replace(before, after))


@pytest.fixture
async def checkout(admin_url: str, tmp_path: Path) -> AsyncIterator[Path]:
    """A copy of the app, its queries and schema, as a DBA's checkout; its codegen's scratch database dropped after."""
    for folder in ("app", "queries", "schema"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    yield tmp_path
    await drop_database(admin_url, SCRATCH)


def codegen(checkout: Path, admin_url: str) -> subprocess.CompletedProcess[str]:
    """`catalog codegen` run on the checkout (its app/ first on the path) against the test server."""
    env = {**os.environ, "PYTHONPATH": str(checkout), "DATABASE_URL": admin_url}
    env.pop("QUERIES_DIR", None)
    return subprocess.run(
        [sys.executable, "-c", "import sys; from app.cli import main; sys.exit(main(['codegen']))"],
        cwd=checkout, env=env, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip


@pytest.mark.parametrize(("sql_file", "before", "after", "caller", "call", "new_call", "signature"), RENAMES)
def test_codegen_regenerates_after_a_parameter_it_depends_on_is_renamed(
    checkout: Path,
    admin_url: str,
    sql_file: str,
    before: tuple[str, str],
    after: tuple[str, str],
    caller: str,
    call: str,
    new_call: str,
    signature: str,
) -> None:
    for old, new in zip(before, after):
        edit(checkout / sql_file, old, new)
    edit(checkout / caller, call, new_call)  # app/core/sql.py is left as generated before the rename
    done = codegen(checkout, admin_url)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "codegen: wrote app/core/sql.py" in done.stderr
    assert signature in (checkout / "app" / "core" / "sql.py").read_text()


@pytest.mark.parametrize(("sql_file", "before", "after", "caller", "call", "new_call", "signature"), RENAMES)
def test_a_rename_its_caller_missed_is_named_at_the_query(
    checkout: Path,
    admin_url: str,
    sql_file: str,
    before: tuple[str, str],
    after: tuple[str, str],
    caller: str,
    call: str,
    new_call: str,
    signature: str,
) -> None:
    for old, new in zip(before, after):
        edit(checkout / sql_file, old, new)
    done = codegen(checkout, admin_url)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    line = next(n for n, text in enumerate((checkout / sql_file).read_text().splitlines(), 1) if after[0] in text)
    assert f"{sql_file}:{line}:1: query {after[0].split('(')[0]}: takes " in done.stderr
    assert "rename the caller's arguments to match" in done.stderr


def test_bound_orders_arguments_as_the_sql_numbers_them() -> None:
    sql, args = bound("core", "set_session_timeouts", statement_value="0", lock_value="10s")
    assert args == ["10s", "0"]  # :lock_value is $1 in queries/core/migrations.sql
    assert sql.startswith("select /* catalog: core.set_session_timeouts */") and "$1" in sql and "$2" in sql
    sql, args = bound("core", "lock_migrations")
    assert args == [] and sql.startswith("select /* catalog: core.lock_migrations */") and "$1" not in sql


@pytest.mark.parametrize(
    ("name", "params", "words"),
    [
        ("no_such_query", {}, "queries/core/: no query named no_such_query"),
        ("record_migration", {"filename": "x"}, "takes filename, checksum, its caller passes filename"),
        (
            "record_migration",
            {"filename": "x", "checksum": "y", "extra": 1},
            "its caller passes filename, checksum, extra",
        ),
        ("lock_migrations", {"anything": 1}, "takes no parameters, its caller passes anything"),
    ],
)
def test_bound_names_a_call_that_does_not_fit(name: str, params: dict[str, object], words: str) -> None:
    with pytest.raises(CallMismatch) as raised:
        bound("core", name, **params)
    assert words in str(raised.value) and "hint: " in str(raised.value)
