"""Which INVALID indexes an online migration's failed run left, found by what its statement builds.

A `create index concurrently` that fails (a duplicate key, a lock timeout, a cancel) leaves its index
INVALID. Without a name, the next run picks another one (`products_lower_idx1`), so the leftover is
found by definition: the statement is built, in a transaction that is rolled back, on an empty
temporary table with its table's columns, and PostgreSQL prints both indexes' columns, expressions,
predicate and options, so equal definitions print alike. `reindex ... concurrently` leaves
`<index>_ccnew` (and `_ccold`) copies, found by name. The statement is parsed with pglast.
"""

import re
from dataclasses import dataclass

import asyncpg
from pglast import ast, parse_sql
from pglast.enums import ReindexObjectType
from pglast.parser import ParseError
from pglast.stream import RawStream

from app.queries import ByName

CORE = ByName(
    "core"
)  # run by name: the migrator uses this module, and codegen migrates before it rewrites app/core/sql.py
PROBE_TABLE = "catalog_index_probe"
PROBE_INDEX = "catalog_index_probe_idx"
PROBE_LOCK_TIMEOUT = "10s"  # the probe reads the table's columns: it must not queue behind a long lock
REINDEX_COPY = re.compile(r"^(?P<base>.+)_cc(new|old)\d*$")


@dataclass(frozen=True)
class InvalidIndex:
    """An index with pg_index.indisvalid = false; `building_pid` is another backend building an index on its
    table right now (None when none is)."""

    index_oid: int
    table_oid: int
    schema_name: str
    index_name: str
    table_name: str
    qualified_name: str  # schema.index, quoted where needed by PostgreSQL
    building_pid: int | None = None

    @property
    def qualified(self) -> str:
        return self.qualified_name


async def invalid_indexes(conn: asyncpg.Connection) -> list[InvalidIndex]:
    """Every INVALID index of the database, ordered by schema and name."""
    return [InvalidIndex(**row) for row in await CORE.fetch(conn, "invalid_indexes")]


def _parsed(statement: str) -> ast.Node | None:
    try:
        statements = parse_sql(statement)
    except ParseError:
        return None
    return statements[0].stmt if len(statements) == 1 else None


def _relation_name(relation: ast.RangeVar) -> str:
    """The relation as the statement names it, quoted where needed (for to_regclass)."""
    return str(RawStream()(relation))


def _qualified_name(schema_name: str, name: str) -> str:
    return _relation_name(ast.RangeVar(schemaname=schema_name, relname=name, inh=True, relpersistence="p"))


async def left_by(conn: asyncpg.Connection, statement: str, invalid: list[InvalidIndex]) -> list[InvalidIndex]:
    """The indexes of `invalid` that a failed run of `statement` (one online statement) would have left."""
    node = _parsed(statement)
    if not invalid or node is None:
        return []
    if isinstance(node, ast.IndexStmt):
        return await _same_definition(conn, statement, node, invalid)
    if isinstance(node, ast.ReindexStmt) and node.relation is not None:
        return await _reindex_copies(conn, node, node.relation, invalid)
    return []


async def _reindex_copies(
    conn: asyncpg.Connection, node: ast.ReindexStmt, relation: ast.RangeVar, invalid: list[InvalidIndex]
) -> list[InvalidIndex]:
    """`reindex index|table ... concurrently`: the `_ccnew`/`_ccold` copies of the index, or of the table's indexes."""
    target = await CORE.fetchval(conn, "relation_oid", relation_name=_relation_name(relation))
    if target is None:
        return []
    copies = [(index, REINDEX_COPY.match(index.index_name)) for index in invalid]
    if node.kind == ReindexObjectType.REINDEX_OBJECT_TABLE:
        return [index for index, copy in copies if copy and index.table_oid == target]
    found: list[InvalidIndex] = []
    for index, copy in copies:
        if copy and index.schema_name == (relation.schemaname or index.schema_name):
            if (
                await CORE.fetchval(
                    conn, "relation_oid", relation_name=_qualified_name(index.schema_name, copy["base"])
                )
                == target
            ):
                found.append(index)
    return found


async def _same_definition(
    conn: asyncpg.Connection, statement: str, node: ast.IndexStmt, invalid: list[InvalidIndex]
) -> list[InvalidIndex]:
    """The INVALID indexes on the statement's table that it would build: the one of its name (if it names one),
    and every one whose definition equals what it builds."""
    if node.relation is None:
        return []
    table = await CORE.fetchval(conn, "relation_oid", relation_name=_relation_name(node.relation))
    on_table = [index for index in invalid if index.table_oid == table]
    if table is None or not on_table:
        return []
    named = {index.index_oid for index in on_table if node.idxname and index.index_name == node.idxname}
    probe = _parsed(statement)
    assert isinstance(probe, ast.IndexStmt)  # the same text parsed again: a node of our own to change
    probe.idxname = PROBE_INDEX
    probe.relation = ast.RangeVar(schemaname="pg_temp", relname=PROBE_TABLE, inh=True, relpersistence="p")
    probe.concurrent = False  # a temporary table is built in the transaction, which is rolled back
    probe.if_not_exists = False
    probe.tableSpace = None
    probe_name = _qualified_name("pg_temp", PROBE_INDEX)
    names = {index.qualified_name: index for index in on_table}
    shapes: dict[str, dict[str, object]] = {}
    transaction = conn.transaction()
    await transaction.start()
    try:
        await CORE.fetchval(conn, "set_local_lock_timeout", lock_value=PROBE_LOCK_TIMEOUT)
        await conn.execute(await CORE.fetchval(conn, "probe_table_statement", probe_name=PROBE_TABLE, table_oid=table))
        await conn.execute(str(RawStream()(probe)))
        shapes = {
            row["index_name"]: {column: value for column, value in row.items() if column != "index_name"}
            for row in await CORE.fetch(conn, "index_shapes", index_names=[probe_name, *names])
        }
    except asyncpg.PostgresError:
        pass  # the statement cannot be built as written (its own run will say why): matched by name only
    finally:
        await transaction.rollback()
    wanted = shapes.get(probe_name)
    return [
        index
        for name, index in names.items()
        if index.index_oid in named or (wanted is not None and shapes.get(name) == wanted)
    ]
