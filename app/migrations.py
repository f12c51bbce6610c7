"""Ordered, checksummed migrations from schema/NNNN_description.sql.

Each file runs in its own transaction, under an advisory lock so that app instances
starting together cannot race. An applied file that was edited afterwards stops
everything with a message naming it: a migration, once applied, is history.

A file whose first line is `-- catalog: no-transaction` is an online migration: it holds
one statement (`create index concurrently`, `drop index concurrently`, `reindex ...
concurrently`, `alter type ... add value`), runs outside a transaction under the same lock,
and is recorded only after it succeeded. An INVALID index left by a failed concurrent build
is reported, dropped and the file retried on the next migrate.

After each file, running apps are told (a NOTIFY, app/schema_changes.py) so they drop statements
prepared against the schema before it.
"""

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from app import schema_changes
from app.core import sql as core_sql

MIGRATION_NAME = re.compile(r"^\d{4}_[a-z0-9_]+\.sql$")
NO_TRANSACTION_MARKER = "-- catalog: no-transaction"
TRANSACTION = "transaction"
NO_TRANSACTION = "no-transaction"
# An online statement blocks no writer while it works, so it is not cut short; it must not
# queue behind a long lock either (a failed concurrent build is recovered on the next run).
ONLINE_LOCK_TIMEOUT = "10s"
ONLINE_STATEMENT_TIMEOUT = "0"

log = logging.getLogger(__name__)


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
        """sha256 of the file with CRLF and CR line endings read as LF: a checkout that writes CRLF is
        the same migration (the repository pins LF for .sql in .gitattributes)."""
        data = self.path.read_bytes().replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        return hashlib.sha256(data).hexdigest()

    @property
    def text(self) -> str:
        return self.path.read_text()

    @property
    def mode(self) -> str:
        """`no-transaction` when the first line is the marker, else `transaction`."""
        first_line = self.text.split("\n", 1)[0].strip()
        return NO_TRANSACTION if first_line.lower() == NO_TRANSACTION_MARKER else TRANSACTION


@dataclass(frozen=True)
class MigrationStatus:
    applied: list[str]
    pending: list[str]
    edited: list[str]
    unknown: list[str]
    modes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class InvalidIndex:
    schema_name: str
    index_name: str
    table_name: str

    @property
    def qualified(self) -> str:
        return f"{self.schema_name}.{self.index_name}"


def migration_files(schema_dir: Path) -> list[MigrationFile]:
    files = sorted(p for p in schema_dir.glob("*.sql"))
    bad = [p.name for p in files if not MIGRATION_NAME.match(p.name)]
    if bad:
        raise MigrationError(f"migration files must be named NNNN_description.sql: {', '.join(bad)}")
    return [MigrationFile(p) for p in files]


def sql_statements(text: str) -> list[str]:
    """Split SQL text into its statements, minding comments, quotes and dollar quotes.

    Comments are dropped; statements are returned stripped, empty ones left out.
    """
    statements: list[str] = []
    current: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif ch in ("'", '"'):
            end = i + 1
            while end < n:
                if text[end] == ch:
                    if end + 1 < n and text[end + 1] == ch:
                        end += 2
                        continue
                    break
                end += 1
            current.append(text[i : end + 1])
            i = end + 1
        elif ch == "$" and (tag := re.match(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$", text[i:])):
            closing = text.find(tag.group(0), i + len(tag.group(0)))
            end = n if closing < 0 else closing + len(tag.group(0))
            current.append(text[i:end])
            i = end
        elif ch == ";":
            statements.append("".join(current).strip())
            current = []
            i += 1
        else:
            current.append(ch)
            i += 1
    statements.append("".join(current).strip())
    return [s for s in statements if s]


def online_statement(file: MigrationFile) -> str:
    """The single statement of a no-transaction file; MigrationError naming the file otherwise."""
    statements = sql_statements(file.text)
    if len(statements) != 1:
        raise MigrationError(
            f"{file.filename} is marked `{NO_TRANSACTION_MARKER}` and must hold exactly one statement,"
            f" not {len(statements)}: put each online statement in its own file"
            " (a `set` cannot go with it: the runner sets lock_timeout and statement_timeout itself)"
        )
    return statements[0]


def names_in(statement: str) -> set[str]:
    """Every identifier-like word of a statement, lower-cased, quotes removed."""
    return {w.strip('"').lower() for w in re.findall(r'"[^"]+"|[A-Za-z_][A-Za-z0-9_$]*', statement)}


def left_by(statement: str, invalid: list[InvalidIndex]) -> list[InvalidIndex]:
    """The INVALID indexes a failed run of this statement would have left (its index, or a `_ccnew` copy)."""
    words = names_in(statement)

    def related(index_name: str) -> bool:
        base = re.sub(r"_ccnew\d*$", "", index_name.lower())
        return index_name.lower() in words or base in words

    return [index for index in invalid if related(index.index_name)]


async def invalid_indexes(conn: asyncpg.Connection) -> list[InvalidIndex]:
    """Indexes with pg_index.indisvalid = false: a concurrent build or reindex that failed."""
    return [InvalidIndex(**r) for r in await core_sql.invalid_indexes(conn)]


async def status(conn: asyncpg.Connection, schema_dir: Path) -> MigrationStatus:
    """Which files are applied, pending, edited after being applied, or applied but gone."""
    applied: dict[str, str] = {}
    if await core_sql.migrations_table_exists(conn):
        applied = {r["filename"]: r["checksum"] for r in await core_sql.applied_migrations(conn)}
    files = migration_files(schema_dir)
    names = {f.filename for f in files}
    return MigrationStatus(
        applied=[f.filename for f in files if f.filename in applied],
        pending=[f.filename for f in files if f.filename not in applied],
        edited=[f.filename for f in files if f.filename in applied and applied[f.filename] != f.checksum],
        unknown=sorted(name for name in applied if name not in names),
        modes={f.filename: f.mode for f in files},
    )


def _refuse_edited(state: MigrationStatus) -> None:
    if state.edited:
        raise MigrationError(
            "applied migration files were edited afterwards: "
            + ", ".join(state.edited)
            + ". Restore them and put the change in a new schema/NNNN_*.sql file."
        )


async def _apply_in_transaction(conn: asyncpg.Connection, file: MigrationFile) -> None:
    async with conn.transaction():
        try:
            if sql_statements(file.text):  # a file of comments alone is an empty query asyncpg cannot run
                await conn.execute(file.text)
        except asyncpg.ActiveSQLTransactionError as exc:
            raise MigrationError(
                f"{file.filename} failed: {exc}. Migrations run in a transaction unless marked: put this"
                f" statement alone in its own file whose first line is `{NO_TRANSACTION_MARKER}`"
            ) from exc
        except asyncpg.PostgresError as exc:
            raise MigrationError(f"{file.filename} failed: {exc}") from exc
        await core_sql.record_migration(conn, filename=file.filename, checksum=file.checksum)


async def _apply_online(
    conn: asyncpg.Connection, file: MigrationFile, statement: str, say: Callable[[str], None]
) -> None:
    """Drop what an earlier failed run left, run the statement outside a transaction, then record it."""
    for index in left_by(statement, await invalid_indexes(conn)):
        say(
            f"{file.filename}: index {index.qualified} on {index.table_name} is INVALID"
            " (an earlier concurrent build failed); dropping it and running the file again"
        )
        await conn.execute(
            await core_sql.drop_index_statement(conn, schema_name=index.schema_name, index_name=index.index_name)
        )
    previous = await core_sql.session_timeouts(conn)
    assert previous is not None  # two settings read with no table: always one row
    await core_sql.set_session_timeouts(
        conn, lock_value=ONLINE_LOCK_TIMEOUT, statement_value=ONLINE_STATEMENT_TIMEOUT
    )
    try:
        await conn.execute(statement)
    except asyncpg.PostgresError as exc:
        left = [i.qualified for i in left_by(statement, await invalid_indexes(conn))]
        hint = ""
        if left:
            hint = f"; it left the INVALID index {', '.join(left)}, which the next migrate drops before retrying"
        raise MigrationError(f"{file.filename} failed (outside a transaction): {exc}{hint}") from exc
    finally:
        await core_sql.set_session_timeouts(
            conn, lock_value=previous["lock_timeout"], statement_value=previous["statement_timeout"]
        )
    await core_sql.record_migration(conn, filename=file.filename, checksum=file.checksum)


async def migrate(conn: asyncpg.Connection, schema_dir: Path, say: Callable[[str], None] | None = None) -> list[str]:
    """Apply every pending file in order; returns the names applied. `say` hears recoveries."""
    report = say or log.warning
    await core_sql.lock_migrations(conn)
    try:
        await core_sql.create_migrations_table(conn)
        state = await status(conn, schema_dir)
        _refuse_edited(state)
        pending = [f for f in migration_files(schema_dir) if f.filename in state.pending]
        online = {f.filename: online_statement(f) for f in pending if f.mode == NO_TRANSACTION}
        done: list[str] = []
        for file in pending:
            if file.filename in online:
                await _apply_online(conn, file, online[file.filename], report)
            else:
                await _apply_in_transaction(conn, file)
            await schema_changes.announce(conn, file.filename)  # running apps drop stale statements
            done.append(file.filename)
        return done
    finally:
        await core_sql.unlock_migrations(conn)
