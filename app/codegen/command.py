"""`catalog codegen [--check]` and `catalog verify [--against GIT_REF]`: the command line."""

import argparse
import asyncio
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from typing import Any

import asyncpg
import psycopg
from aiosql.types import SQLOperationType

from app import migrations
from app.codegen.analyze import annotations
from app.codegen.describe import PrepareError, describe
from app.codegen.generate import generate, stale, write
from app.database import with_database
from app.database_admin import create_database, drop_database
from app.embedded import start_embedded_server
from app.named_queries import load_tree
from app.queries import CallMismatch
from app.settings import ROOT, Settings

SCRATCH_DATABASE = "catalog_codegen"


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def add_parsers(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    codegen = commands.add_parser(
        "codegen", help="write app/<folder>/sql.py, typed, from queries/ prepared on a migrated database"
    )
    codegen.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a file is stale or a query fails"
    )
    verify = commands.add_parser("verify", help="prepare every named query on a database migrated from schema/")
    verify.add_argument(
        "--against", metavar="GIT_REF", help="also the queries of that revision (the version still running in a deploy)"
    )


async def _scratch(settings: Settings) -> str:
    """A database migrated from schema/ alone, made anew: the schema the queries must fit."""
    admin_url = settings.database_url or start_embedded_server(settings.data_dir)
    await drop_database(admin_url, SCRATCH_DATABASE)
    await create_database(admin_url, SCRATCH_DATABASE)
    url = with_database(admin_url, SCRATCH_DATABASE)
    conn = await asyncpg.connect(url)
    try:
        await migrations.migrate(conn, settings.schema_dir)
    finally:
        await conn.close()
    return url


def run_codegen(settings: Settings, check: bool) -> int:
    try:
        url = asyncio.run(_scratch(settings))
    except migrations.MigrationError as exc:
        say(f"codegen: the migrations do not apply: {exc}")
        return 1
    except CallMismatch as exc:  # a query the migrator runs by name was renamed in the SQL alone
        say(f"codegen: the scratch database cannot be migrated: {exc}")
        return 1
    try:
        outcome = generate(url, settings.queries_dir, ROOT / "app", ROOT)
    except CallMismatch as exc:  # one of codegen's own catalog reads (queries/core/codegen.sql)
        say(f"codegen: cannot read the catalog: {exc}")
        return 1
    for failure in outcome.failures:
        say(failure)
    if check:
        old = stale(outcome)  # folders with a failed query are not called stale: their code cannot match yet
        for path in old:
            say(f"codegen: STALE {path.relative_to(ROOT)}: run scripts/codegen and commit the result")
        count = sum(text.count("\nasync def ") for text in outcome.modules.values())
        if not old and not outcome.failures:
            say(f"codegen: {len(outcome.modules)} generated files are up to date ({count} queries)")
        if outcome.failures:
            say("codegen: fix the failed queries above (the file and query named), then run scripts/codegen")
        return 1 if old or outcome.failures else 0
    for path in write(outcome):
        say(f"codegen: wrote {path.relative_to(ROOT)}")
    say("codegen: done" + (f", {len(outcome.failures)} queries failed" if outcome.failures else ""))
    return 1 if outcome.failures else 0


@contextmanager
def queries_at(ref: str) -> Iterator[Path]:
    """The queries/ folder of a git revision, unpacked into a temporary folder."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", ref, "queries"], cwd=ROOT, capture_output=True, check=False
    )
    if archive.returncode != 0:
        raise ValueError(f"git cannot read queries/ at {ref!r}: {archive.stderr.decode().strip()}")
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
            tar.extractall(tmp, filter="data")
        yield Path(tmp) / "queries"


def script_count(queries_dir: Path) -> int:
    """How many named queries are `#` scripts (several statements: verify cannot prepare them)."""
    loaded = load_tree(queries_dir, queries_dir.parent)
    return sum(query.operation == SQLOperationType.SCRIPT for query in loaded.queries.values())


def prepare_all(conn: psycopg.Connection[Any], queries_dir: Path, label: str) -> tuple[int, list[str]]:
    """Prepare every named query of a folder; returns the count and one line per failure."""
    failures = []
    count = 0
    loaded = load_tree(queries_dir, queries_dir.parent)
    failures += [f"{label}{problem}" for problem in loaded.problems]
    for namespace in sorted({query.namespace for query in loaded.queries.values()}):
        found = loaded.namespace(namespace)
        folder = {query.name: query for query in found}
        for query in found:
            if query.operation == SQLOperationType.SCRIPT:  # several statements: cannot be prepared
                continue
            count += 1
            try:
                for needed in annotations(query.doc).requires:
                    if needed in folder:
                        conn.execute(folder[needed].sql)
                describe(conn, query.sql, analyze=False)
            except PrepareError as exc:
                failures.append(f"{label}{query.problem(str(exc), exc.hint, exc.position)}")
    return count, failures


def run_verify(settings: Settings, against: str | None) -> int:
    try:
        url = asyncio.run(_scratch(settings))
    except (migrations.MigrationError, CallMismatch) as exc:
        say(f"verify: the migrations do not apply: {exc}")
        return 1
    failures: list[str] = []
    with psycopg.connect(url, autocommit=True) as conn:
        count, found = prepare_all(conn, settings.queries_dir, "")
        failures += found
        scripts = script_count(settings.queries_dir)
        say(
            f"verify: {count} of {count + scripts} named queries of the working tree prepared on schema/"
            f" ({len(found)} failed; {scripts} `#` scripts hold several statements and cannot be prepared)"
        )
        if against:
            try:
                with queries_at(against) as old:
                    count, found = prepare_all(conn, old, f"{against}:")
            except ValueError as exc:
                say(f"verify: {exc}")
                return 2
            failures += found
            say(f"verify: {count} queries of {against} prepared on schema/ ({len(found)} failed)")
    for failure in failures:
        print(f"BROKEN {failure}")
    return 1 if failures else 0
