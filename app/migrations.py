"""Ordered, checksummed migrations from schema/NNNN_description.sql.

Each file runs in its own transaction, under an advisory lock so that app instances
starting together cannot race. An applied file that was edited afterwards stops
everything with a message naming it: a migration, once applied, is history.
"""

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from app.queries import queries, rows

MIGRATION_NAME = re.compile(r"^\d{4}_[a-z0-9_]+\.sql$")


class MigrationError(Exception):
    """The schema folder and the database disagree in a way that needs a person."""


@dataclass(frozen=True)
class MigrationFile:
    path: Path

    @property
    def filename(self) -> str:
        return self.path.name

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class MigrationStatus:
    applied: list[str]
    pending: list[str]
    edited: list[str]
    unknown: list[str]


def migration_files(schema_dir: Path) -> list[MigrationFile]:
    files = sorted(p for p in schema_dir.glob("*.sql"))
    bad = [p.name for p in files if not MIGRATION_NAME.match(p.name)]
    if bad:
        raise MigrationError(f"migration files must be named NNNN_description.sql: {', '.join(bad)}")
    return [MigrationFile(p) for p in files]


async def status(conn: asyncpg.Connection, schema_dir: Path) -> MigrationStatus:
    """Which files are applied, pending, edited after being applied, or applied but gone."""
    applied: dict[str, str] = {}
    if await queries.core.migrations_table_exists(conn):
        applied = {r["filename"]: r["checksum"] for r in await rows(queries.core.applied_migrations(conn))}
    files = migration_files(schema_dir)
    names = {f.filename for f in files}
    return MigrationStatus(
        applied=[f.filename for f in files if f.filename in applied],
        pending=[f.filename for f in files if f.filename not in applied],
        edited=[f.filename for f in files if f.filename in applied and applied[f.filename] != f.checksum],
        unknown=sorted(name for name in applied if name not in names),
    )


def _refuse_edited(state: MigrationStatus) -> None:
    if state.edited:
        raise MigrationError(
            "applied migration files were edited afterwards: "
            + ", ".join(state.edited)
            + ". Restore them and put the change in a new schema/NNNN_*.sql file."
        )


async def migrate(conn: asyncpg.Connection, schema_dir: Path) -> list[str]:
    """Apply every pending file in order; returns the names applied."""
    await queries.core.lock_migrations(conn)
    try:
        await queries.core.create_migrations_table(conn)
        state = await status(conn, schema_dir)
        _refuse_edited(state)
        done: list[str] = []
        for file in migration_files(schema_dir):
            if file.filename not in state.pending:
                continue
            async with conn.transaction():
                try:
                    await conn.execute(file.path.read_text())
                except asyncpg.PostgresError as exc:
                    raise MigrationError(f"{file.filename} failed: {exc}") from exc
                await queries.core.record_migration(conn, filename=file.filename, checksum=file.checksum)
            done.append(file.filename)
        return done
    finally:
        await queries.core.unlock_migrations(conn)
