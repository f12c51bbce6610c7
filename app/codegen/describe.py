"""What PostgreSQL says about a named query: parameter types, result columns, and its analysis of the
statement (the rewritten query tree, `debug_print_rewritten`), with the catalog facts that tree refers to.

The statement is prepared through libpq (psycopg), whose result description carries, for each column,
the table and column it comes from (through CTEs, subqueries and RETURNING), which asyncpg does not expose.
The catalog reads (queries/core/codegen.sql) come from the one loader (app/queries.py `bound`: `$n`
parameters, sent as they are by psycopg's RawCursor), never from the generated module codegen rewrites.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import pq

from app.codegen.nullability import Catalog, Routine
from app.codegen.querytree import Node, TreeFormatError, statement
from app.queries import bound


class PrepareError(Exception):
    """PostgreSQL refused to prepare a query: its message, hint and 1-based position in the statement."""

    def __init__(self, message: str, hint: str = "", position: int | None = None) -> None:
        super().__init__(message)
        self.hint = hint
        self.position = position


@dataclass(frozen=True)
class PgType:
    """A type as the catalog knows it: `kind` is b (base), e (enum), d (domain), c (composite), a (array)."""

    oid: int
    schema: str
    name: str
    kind: str
    element: int  # array element type, or 0
    base: int  # a domain's base type, or 0
    labels: tuple[str, ...] = ()  # an enum's labels


@dataclass(frozen=True)
class Column:
    name: str
    type_oid: int
    table_oid: int  # 0 when the column is an expression
    attnum: int


@dataclass(frozen=True)
class Description:
    param_oids: tuple[int, ...]
    columns: tuple[Column, ...]
    tree: Node | None  # PostgreSQL's rewritten query tree of the statement, when it printed one we can read


TREE_TITLE = "rewritten parse tree"


def connect(url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(url, autocommit=True)


def describe(conn: psycopg.Connection[Any], sql: str, analyze: bool) -> Description:
    """Prepare `sql` (with $1..$n) unnamed and describe it; with `analyze`, keep PostgreSQL's query tree too."""
    pgconn = conn.pgconn
    with _printed_trees(conn, analyze) as printed:
        prepared = pgconn.prepare(b"", sql.encode())
        if prepared.status != pq.ExecStatus.COMMAND_OK:
            raise _refused(prepared)
        described = pgconn.describe_prepared(b"")  # before the block's `reset`, which drops the unnamed statement
        text = printed[0] if printed else None  # the block's own `reset` prints a tree too
    if described.status != pq.ExecStatus.COMMAND_OK:
        raise _refused(described)
    params = tuple(described.param_type(i) for i in range(described.nparams))
    columns = tuple(
        Column(
            name=(described.fname(i) or b"").decode(),
            type_oid=described.ftype(i),
            table_oid=described.ftable(i),
            attnum=described.ftablecol(i),
        )
        for i in range(described.nfields)
    )
    tree = None
    if text:
        try:
            tree = statement(text)
        except TreeFormatError:
            tree = None  # nothing proven: every column stays nullable
    return Description(param_oids=params, columns=columns, tree=tree)


@contextmanager
def _printed_trees(conn: psycopg.Connection[Any], wanted: bool) -> Iterator[list[str]]:
    """Collect the query trees PostgreSQL prints (as LOG notices) while the block prepares a statement."""
    printed: list[str] = []
    if not wanted:
        yield printed
        return

    def keep(diagnostic: psycopg.errors.Diagnostic) -> None:
        if (diagnostic.message_primary or "").startswith(TREE_TITLE) and diagnostic.message_detail:
            printed.append(diagnostic.message_detail)

    conn.add_notice_handler(keep)
    switched = conn.pgconn.exec_(b"set debug_print_rewritten = on; set client_min_messages = log")
    printed.clear()  # the tree of the `set` itself
    try:
        yield printed if switched.status == pq.ExecStatus.COMMAND_OK else []
    finally:
        conn.pgconn.exec_(b"reset debug_print_rewritten; reset client_min_messages")
        conn.remove_notice_handler(keep)


def _refused(result: pq.abc.PGresult) -> PrepareError:
    """PostgreSQL's primary message, hint and error position (not its `LINE n` of the statement)."""

    def field(code: pq.DiagnosticField) -> str:
        return (result.error_field(code) or b"").decode(errors="replace").strip()

    position = field(pq.DiagnosticField.STATEMENT_POSITION)
    return PrepareError(
        field(pq.DiagnosticField.MESSAGE_PRIMARY) or "could not prepare the statement",
        field(pq.DiagnosticField.MESSAGE_HINT),
        int(position) if position.isdigit() else None,
    )


def _rows(conn: psycopg.Connection[Any], name: str, /, **params: object) -> list[tuple[Any, ...]]:
    """The rows of the query `name` of queries/core/ (codegen.sql), run with `params`."""
    sql, args = bound("core", name, **params)
    with psycopg.RawCursor(conn) as cursor:
        cursor.execute(sql, args)
        return cursor.fetchall()


def load_types(conn: psycopg.Connection[Any]) -> dict[int, PgType]:
    """Every type of the database, by oid (a few thousand rows, read once per run)."""
    rows = _rows(conn, "codegen_types")
    return {
        r[0]: PgType(oid=r[0], schema=r[1], name=r[2], element=r[3], base=r[4], labels=tuple(r[5]), kind=r[6])
        for r in rows
    }


def load_catalog(conn: psycopg.Connection[Any]) -> Catalog:
    """The functions and operators of the database, and lookups of relations and their columns."""
    functions = {r[0]: Routine(r[1], r[2], r[3]) for r in _rows(conn, "codegen_functions")}
    operators = {r[0]: Routine(r[1], r[2], r[3]) for r in _rows(conn, "codegen_operators")}

    def columns(relid: int) -> dict[int, bool]:
        return {r[0]: bool(r[1]) for r in _rows(conn, "codegen_column_facts", table_oid=relid)}

    def relation(relid: int) -> tuple[str, str | None]:
        found = _rows(conn, "codegen_relation", table_oid=relid)
        return (found[0][0], found[0][1]) if found else ("", None)

    def insert_triggers(relid: int) -> int:
        found = _rows(conn, "codegen_insert_triggers", table_oid=relid)
        return int(found[0][0] or 0) if found else 0

    arrays = frozenset(oid for oid, pg in load_types(conn).items() if pg.kind == "a")
    return Catalog(functions, operators, columns, relation, insert_triggers, arrays)


def table_rows(conn: psycopg.Connection[Any], table_oids: set[int]) -> dict[int, tuple[str, tuple[int, ...]]]:
    """table oid -> (table name, the numbers of its columns in order): what a whole row of it is."""
    if not table_oids:
        return {}
    return {r[0]: (r[1], tuple(r[2])) for r in _rows(conn, "codegen_table_rows", table_oids=sorted(table_oids))}
