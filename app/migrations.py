"""Ordered, checksummed migrations from schema/NNNN_description.sql.

Each file runs in its own transaction, under an advisory lock so that app instances
starting together cannot race. An applied file that was edited afterwards stops
everything with a message naming it: a migration, once applied, is history.

A file whose first line is `-- catalog: no-transaction` is an online migration: it holds
one statement (`create index concurrently`, `drop index concurrently`, `reindex ...
concurrently`, `alter type ... add value`), runs outside a transaction under the same lock,
and is recorded only after it succeeded. An INVALID index left by a failed concurrent build is
found by what the file builds (app/index_leftovers.py), named or not, reported, dropped
(concurrently) and built again by the next migrate; `--status` says so for each one.

After each file, running apps are told (a NOTIFY, app/schema_changes.py) so they drop statements
prepared against the schema before it.

The migrator runs its queries (queries/core/) by name (app/queries.py ByName), not through generated
code: `catalog codegen` migrates a scratch database before it rewrites app/core/sql.py, so it must
never need that module (docs/typed-queries.md).
"""

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from pglast.parser import ParseError, split

from app import schema_changes
from app.index_leftovers import InvalidIndex, invalid_indexes, left_by
from app.queries import ByName
from app.refusals import refusal, refusal_hint

MIGRATION_NAME = re.compile(r"^\d{4}_[a-z0-9_]+\.sql$")
NO_TRANSACTION_MARKER = "-- catalog: no-transaction"
TRANSACTION = "transaction"
NO_TRANSACTION = "no-transaction"
# An online statement blocks no writer while it works, so it is not cut short; it must not
# queue behind a long lock either (a failed concurrent build is recovered on the next run).
ONLINE_LOCK_TIMEOUT = "10s"
ONLINE_STATEMENT_TIMEOUT = "0"

log = logging.getLogger(__name__)
CORE = ByName("core")


class MigrationError(Exception):
    """The schema folder and the database disagree in a way that needs a person; `hint` says what to do."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


def refused(place: str, exc: asyncpg.PostgresError, how: str = "", then: str = "") -> MigrationError:
    """MigrationError for a statement PostgreSQL refused at `place` (FILE:LINE): its SQLSTATE, message, hint."""
    return MigrationError(f"{place}: failed{how}: {refusal(exc)}{then}", refusal_hint(exc))


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
class Leftover:
    """An INVALID index and the online migration file whose statement builds it (None: no file does)."""

    index: InvalidIndex
    filename: str | None
    applied: bool  # that file was applied since: a later run built its index (under another name, if unnamed)

    def plan(self) -> str:
        """What `catalog migrate` does about it, for `--status` and its own messages."""
        index = self.index
        if index.building_pid is not None:
            return f"another backend (pid {index.building_pid}) is building an index on {index.table_name} right now; migrate waits for it to end"
        if self.filename is None:
            return "no migration file builds it, so migrate leaves it alone; drop it if nobody needs it, or rebuild it with reindex ... concurrently"
        if self.applied:
            return f"left by a failed run of {self.filename}, applied since; migrate drops it"
        return f"left by a failed run of {self.filename}; migrate drops it and runs the file again"


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


def statement_line(file: MigrationFile) -> int:
    """The line of `file` where its first statement starts (after the marker, comments and blank lines)."""
    for number, line in enumerate(file.text.splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("--"):
            return number
    return 1


def where(file: MigrationFile) -> str:
    """`schema/NNNN_name.sql:LINE`, for messages."""
    return f"{file.path.parent.name}/{file.filename}:{statement_line(file)}"


async def status(conn: asyncpg.Connection, schema_dir: Path) -> MigrationStatus:
    """Which files are applied, pending, edited after being applied, or applied but gone."""
    applied: dict[str, str] = {}
    if await CORE.fetchval(conn, "migrations_table_exists"):
        applied = {r["filename"]: r["checksum"] for r in await CORE.fetch(conn, "applied_migrations")}
    files = migration_files(schema_dir)
    names = {f.filename for f in files}
    return MigrationStatus(
        applied=[f.filename for f in files if f.filename in applied],
        pending=[f.filename for f in files if f.filename not in applied],
        edited=[f.filename for f in files if f.filename in applied and applied[f.filename] != f.checksum],
        unknown=sorted(name for name in applied if name not in names),
        modes={f.filename: f.mode for f in files},
    )


async def leftovers(conn: asyncpg.Connection, schema_dir: Path) -> list[Leftover]:
    """Every INVALID index, with the online file (pending before applied) whose statement builds it."""
    invalid = await invalid_indexes(conn)
    if not invalid:
        return []
    state = await status(conn, schema_dir)
    files = [f for f in migration_files(schema_dir) if f.mode == NO_TRANSACTION]
    found: dict[int, Leftover] = {}
    for file in sorted(files, key=lambda f: f.filename not in state.pending):
        try:
            statement = online_statement(file)
        except MigrationError:
            continue  # migrate names this file when it gets to it; the others are still looked at
        unclaimed = [index for index in invalid if index.index_oid not in found]
        for index in await left_by(conn, statement, unclaimed):
            found[index.index_oid] = Leftover(index, file.filename, applied=file.filename in state.applied)
    return [found.get(index.index_oid, Leftover(index, None, applied=False)) for index in invalid]


async def _drop(conn: asyncpg.Connection, index: InvalidIndex) -> None:
    await conn.execute(
        await CORE.fetchval(conn, "drop_index_statement", schema_name=index.schema_name, index_name=index.index_name)
    )


def _refuse_edited(state: MigrationStatus) -> None:
    if state.edited:
        raise MigrationError(
            "applied migration files were edited afterwards: "
            + ", ".join(state.edited)
            + ". Restore them and put the change in a new schema/NNNN_*.sql file."
        )


def statement_lines(text: str) -> list[tuple[int, str]] | None:
    """Each statement of `text` with the line it starts on (PostgreSQL's parser, pglast, splits them);
    None when pglast cannot parse the text (a syntax error, or syntax newer than pglast's parser)."""
    try:
        return [(text.count("\n", 0, part.start or 0) + 1, text[part]) for part in split(text, only_slices=True)]
    except ParseError:
        return None


async def _apply_in_transaction(conn: asyncpg.Connection, file: MigrationFile) -> None:
    """Run the file's statements one by one in one transaction (so a refusal names its line), then record it."""
    statements = statement_lines(file.text)
    whole = statements is None  # then the server parses it whole; a syntax error's position gives the line
    if statements is None:
        statements = [(1, file.text)] if sql_statements(file.text) else []  # comments alone: nothing to run
    async with conn.transaction():
        for line, statement in statements:
            try:
                await conn.execute(statement)
            except asyncpg.PostgresError as exc:
                if exc.position:  # a character offset (from 1) into the statement sent
                    line += statement.count("\n", 0, int(exc.position) - 1)
                elif whole:
                    line = statement_line(file)
                place = f"{file.path.parent.name}/{file.filename}:{line}"
                if isinstance(exc, asyncpg.ActiveSQLTransactionError):
                    raise MigrationError(
                        f"{place}: failed: {exc}. Migrations run in a transaction unless marked: put this"
                        f" statement alone in its own file whose first line is `{NO_TRANSACTION_MARKER}`"
                    ) from exc
                raise refused(place, exc) from exc
        await CORE.execute(conn, "record_migration", filename=file.filename, checksum=file.checksum)


async def _apply_online(
    conn: asyncpg.Connection, file: MigrationFile, statement: str, say: Callable[[str], None]
) -> None:
    """Drop what an earlier failed run left, run the statement outside a transaction, then record it."""
    for index in await left_by(conn, statement, await invalid_indexes(conn)):
        if index.building_pid is not None:
            raise MigrationError(
                f"{where(file)}: index {index.qualified} on {index.table_name} is INVALID and another backend"
                f" (pid {index.building_pid}) is building an index on {index.table_name} right now;"
                " run catalog migrate again once that build has ended"
            )
        say(
            f"{where(file)}: index {index.qualified} on {index.table_name} is INVALID (an earlier run of this file"
            " failed); dropping it concurrently and running the file again"
        )
        await _drop(conn, index)
    previous = await CORE.fetchrow(conn, "session_timeouts")
    assert previous is not None  # two settings read with no table: always one row
    await CORE.fetchrow(
        conn, "set_session_timeouts", lock_value=ONLINE_LOCK_TIMEOUT, statement_value=ONLINE_STATEMENT_TIMEOUT
    )
    try:
        await conn.execute(statement)
    except asyncpg.PostgresError as exc:
        left = [i.qualified for i in await left_by(conn, statement, await invalid_indexes(conn))]
        hint = ""
        if left:
            hint = (
                f"; it left the INVALID index {', '.join(left)}: fix the cause, then catalog migrate drops it"
                " and builds the index again"
            )
        raise refused(where(file), exc, " (outside a transaction)", hint) from exc
    finally:
        await CORE.fetchrow(
            conn,
            "set_session_timeouts",
            lock_value=previous["lock_timeout"],
            statement_value=previous["statement_timeout"],
        )
    await CORE.execute(conn, "record_migration", filename=file.filename, checksum=file.checksum)


async def _drop_leftovers_of_applied(conn: asyncpg.Connection, schema_dir: Path, say: Callable[[str], None]) -> None:
    """INVALID indexes left by an applied file's earlier failed run are dropped; the others are reported."""
    for leftover in await leftovers(conn, schema_dir):
        index = leftover.index
        if leftover.applied and index.building_pid is None:
            say(
                f"index {index.qualified} on {index.table_name} is INVALID: {leftover.plan()}; dropping it concurrently"
            )
            await _drop(conn, index)
        elif leftover.filename is None or index.building_pid is not None:
            say(f"index {index.qualified} on {index.table_name} is INVALID: {leftover.plan()}")


async def migrate(conn: asyncpg.Connection, schema_dir: Path, say: Callable[[str], None] | None = None) -> list[str]:
    """Apply every pending file in order; returns the names applied. `say` hears recoveries."""
    report = say or log.warning
    await CORE.fetchval(conn, "lock_migrations")
    try:
        await CORE.execute(conn, "create_migrations_table")
        state = await status(conn, schema_dir)
        _refuse_edited(state)
        pending = [f for f in migration_files(schema_dir) if f.filename in state.pending]
        online = {f.filename: online_statement(f) for f in pending if f.mode == NO_TRANSACTION}
        await _drop_leftovers_of_applied(conn, schema_dir, report)
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
        await CORE.fetchval(conn, "unlock_migrations")
