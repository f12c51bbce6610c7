"""Schema lints: what a DBA checks when reviewing the schema as a whole (`catalog lint-schema`).

The lints read pg_catalog on a database migrated from schema/ (queries/core/schema_lint.sql) and
check what squawk, reading one migration at a time, cannot (serial, varchar, char and timestamp
columns are squawk's rules). Each finding names the object and the fix. An accepted exception is a comment in the migration,
next to the object, with its reason:

    -- schema-lint: allow narrow-primary-key shop.countries.id: about 250 rows, never grows

and is shown in the report instead of failing it.
"""

import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import asyncpg

from app import migrations
from app.core import sql as core_sql
from app.database import with_database
from app.database_admin import create_database, drop_database, resolve_database_url
from app.embedded import start_embedded_server
from app.settings import Settings

ALLOW = re.compile(r"--\s*schema-lint:\s*allow\s+(?P<rule>[a-z-]+)\s+(?P<object>[^\s:]+)\s*:\s*(?P<reason>\S.*)$")
SEQUENCE_USED_FRACTION = 0.5

RULES = {
    "fk-without-index": "a foreign key no index starts with: deleting or updating a parent row scans the child table",
    "redundant-index": "an index whose key is a prefix of another's: every write pays for it, no read needs it",
    "no-primary-key": "a table without a primary key: rows cannot be addressed, logical replication cannot update",
    "narrow-primary-key": "an integer or smallint primary key: a growing table runs out of ids",
    "nullable-foreign-key": "a nullable foreign-key column: is a row without a parent really meaningful?",
    "sequence-near-limit": "a sequence past half its range",
}


@dataclass(frozen=True)
class Finding:
    """One object breaking one rule, with the fix; `accepted` holds the reason of an exception."""

    rule: str
    object_name: str
    problem: str
    fix: str
    accepted: str | None = None
    accepted_at: str | None = None


@dataclass(frozen=True)
class Allowance:
    rule: str
    object_name: str
    reason: str
    where: str


def allowances(schema_dir: Path) -> list[Allowance]:
    """Every `-- schema-lint: allow <rule> <object>: <reason>` comment in the migration files."""
    found = []
    for path in sorted(schema_dir.glob("*.sql")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = ALLOW.search(line)
            if match:
                found.append(
                    Allowance(match["rule"], match["object"].lower(), match["reason"].strip(), f"{path.name}:{number}")
                )
    return found


async def findings(conn: asyncpg.Connection) -> list[Finding]:
    """Every rule's findings on the database `conn` is connected to."""
    found: list[Finding] = []
    for fk in await core_sql.lint_unindexed_foreign_keys(conn):
        columns = ", ".join(fk["column_names"])
        found.append(
            Finding(
                "fk-without-index",
                fk["object_name"],
                f"no index on {fk['table_name']} starts with ({columns})",
                f"create index concurrently on {fk['table_name']} ({columns}) in a `-- catalog: no-transaction` file",
            )
        )
    for index in await core_sql.lint_redundant_indexes(conn):
        how = "duplicates" if index["same_columns"] else "is a prefix of"
        found.append(
            Finding(
                "redundant-index",
                index["object_name"],
                f"{how} {index['covering_index']} on {index['table_name']} (same predicate)",
                f"drop index concurrently {index['object_name']} (reads can use {index['covering_index']})",
            )
        )
    for table in await core_sql.lint_tables_without_primary_key(conn):
        found.append(
            Finding(
                "no-primary-key",
                table["object_name"],
                "the table has no primary key",
                "add `id bigint generated always as identity primary key`, or a primary key on its natural key",
            )
        )
    for key in await core_sql.lint_narrow_primary_keys(conn):
        found.append(
            Finding(
                "narrow-primary-key",
                key["object_name"],
                f"primary key of type {key['column_type']} (at most 2,147,483,647 ids, 32,767 for smallint)",
                "use bigint (changing it later rewrites the table and every referencing one)",
            )
        )
    for nullable in await core_sql.lint_nullable_foreign_keys(conn):
        found.append(
            Finding(
                "nullable-foreign-key",
                nullable["object_name"],
                f"allows NULL (foreign key {nullable['constraint_name']})",
                "add `not null` if every row has a parent, else accept it with the reason",
            )
        )
    for sequence in await core_sql.lint_sequences_near_limit(conn, used_fraction=SEQUENCE_USED_FRACTION):
        used = sequence["last_value"] / sequence["max_value"]
        found.append(
            Finding(
                "sequence-near-limit",
                sequence["object_name"],
                f"at {sequence['last_value']:,} of {sequence['max_value']:,} ({used:.0%}) for {sequence['data_type']}",
                "move the column and the sequence to bigint before it runs out",
            )
        )
    return found


def apply_allowances(found: list[Finding], allowed: list[Allowance]) -> tuple[list[Finding], list[Allowance]]:
    """Findings with their accepted reasons filled in, and the allowances that matched nothing."""
    by_key = {(a.rule, a.object_name): a for a in allowed}
    used: set[tuple[str, str]] = set()
    result = []
    for finding in found:
        key = (finding.rule, finding.object_name.lower())
        allowance = by_key.get(key)
        if allowance:
            used.add(key)
            finding = replace(finding, accepted=allowance.reason, accepted_at=allowance.where)
        result.append(finding)
    return result, [a for a in allowed if (a.rule, a.object_name) not in used]


def render(found: list[Finding], unused: list[Allowance]) -> str:
    """The report: failures with their fixes, then accepted exceptions with their reasons."""
    failing = [f for f in found if not f.accepted]
    accepted = [f for f in found if f.accepted]
    lines = []
    for f in failing:
        lines.append(f"FAIL {f.rule} {f.object_name}: {f.problem}\n     fix: {f.fix}")
    for f in accepted:
        lines.append(f"accepted {f.rule} {f.object_name}: {f.problem}\n     reason ({f.accepted_at}): {f.accepted}")
    for a in unused:
        lines.append(f"note: {a.where} allows {a.rule} {a.object_name}, which no longer has that finding")
    verdict = "FAILED" if failing else "passed"
    lines.append(f"lint-schema: {verdict}: {len(failing)} finding(s), {len(accepted)} accepted exception(s)")
    return "\n".join(lines)


async def lint(conn: asyncpg.Connection, schema_dir: Path) -> tuple[list[Finding], list[Allowance]]:
    """Lint the database `conn` is connected to, with the exceptions written in `schema_dir`."""
    return apply_allowances(await findings(conn), allowances(schema_dir))


@asynccontextmanager
async def migrated_database(settings: Settings) -> AsyncIterator[asyncpg.Connection]:
    """A connection to a new, empty database migrated from schema/ on the app's server; dropped after."""
    admin_url = settings.database_url or start_embedded_server(settings.data_dir)
    name = f"catalog_lint_schema_{os.getpid()}"
    await drop_database(admin_url, name)
    await create_database(admin_url, name)
    try:
        conn = await asyncpg.connect(with_database(admin_url, name))
        try:
            await migrations.migrate(conn, settings.schema_dir)
            yield conn
        finally:
            await conn.close()
    finally:
        await drop_database(admin_url, name)


async def lint_fresh_database(settings: Settings) -> tuple[list[Finding], list[Allowance]]:
    """Migrate a new, empty database from schema/ on the app's server, lint it, drop it."""
    async with migrated_database(settings) as conn:
        return await lint(conn, settings.schema_dir)


async def command(settings: Settings, live: bool) -> int:
    """`catalog lint-schema [--live]`: print the report; 1 when a finding has no accepted reason."""
    if live:
        conn = await asyncpg.connect(await resolve_database_url(settings))
        try:
            found, unused = await lint(conn, settings.schema_dir)
        finally:
            await conn.close()
    else:
        found, unused = await lint_fresh_database(settings)
    print(render(found, unused))
    return 1 if any(not f.accepted for f in found) else 0
