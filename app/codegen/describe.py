"""What PostgreSQL says about a named query: parameter types, result columns with their origins, the plan.

The statement is prepared through libpq (psycopg), whose result description carries, for each column,
the table and column it comes from (through CTEs, subqueries and RETURNING), which asyncpg does not expose.
"""

import json
from dataclasses import dataclass
from typing import Any

import aiosql
import psycopg
from psycopg import pq

from app.settings import ROOT

QUERIES_DIR = ROOT / "queries"


class PrepareError(Exception):
    """PostgreSQL refused to prepare a query; the message is PostgreSQL's."""


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
    plan: dict[str, Any] | None  # EXPLAIN (VERBOSE, GENERIC_PLAN) of the statement, when it has one


EXPLAIN_GENERIC = b"explain (verbose, costs off, format json, generic_plan) "


def connect(url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(url, autocommit=True)


def describe(conn: psycopg.Connection[Any], sql: str, explain: bool) -> Description:
    """Prepare `sql` (with $1..$n) unnamed and describe it; EXPLAIN it when `explain` (not for utility statements)."""
    pgconn = conn.pgconn
    prepared = pgconn.prepare(b"", sql.encode())
    if prepared.status != pq.ExecStatus.COMMAND_OK:
        raise PrepareError(_message(prepared))
    described = pgconn.describe_prepared(b"")
    if described.status != pq.ExecStatus.COMMAND_OK:
        raise PrepareError(_message(described))
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
    plan = _generic_plan(conn, sql) if explain and columns else None
    return Description(param_oids=params, columns=columns, plan=plan)


def _message(result: pq.abc.PGresult) -> str:
    text = (result.error_message or b"").decode(errors="replace").strip()
    return text.removeprefix("ERROR:").strip() or "could not prepare the statement"


def _generic_plan(conn: psycopg.Connection[Any], sql: str) -> dict[str, Any] | None:
    """The generic plan with output expressions (PostgreSQL 16+); None on older servers."""
    if conn.info.server_version < 160000:
        return None
    result = conn.pgconn.exec_(EXPLAIN_GENERIC + sql.encode())
    if result.status != pq.ExecStatus.TUPLES_OK:
        return None
    raw = result.get_value(0, 0)
    document = json.loads(raw.decode() if raw else "[]")
    return document[0]["Plan"] if document else None


CATALOG_QUERIES = QUERIES_DIR / "core" / "codegen.sql"


def _catalog() -> Any:
    """queries/core/codegen.sql through aiosql's psycopg driver (codegen must not need its own output)."""
    return aiosql.from_path(CATALOG_QUERIES, "psycopg")


def load_types(conn: psycopg.Connection[Any]) -> dict[int, PgType]:
    """Every type of the database, by oid (a few thousand rows, read once per run)."""
    rows = _catalog().codegen_types(conn)
    return {
        r[0]: PgType(oid=r[0], schema=r[1], name=r[2], element=r[3], base=r[4], labels=tuple(r[5]), kind=r[6])
        for r in rows
    }


def not_null_columns(conn: psycopg.Connection[Any], table_oids: set[int]) -> set[tuple[int, int]]:
    """(table oid, attnum) of every NOT NULL column of these tables."""
    if not table_oids:
        return set()
    return {(r[0], r[1]) for r in _catalog().codegen_not_null_columns(conn, table_oids=sorted(table_oids))}


def relation_oids(conn: psycopg.Connection[Any], names: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """(schema, relation) -> oid for the relations a plan names."""
    catalog = _catalog()
    found: dict[tuple[str, str], int] = {}
    for schema, relation in sorted(names):
        oid = catalog.codegen_relation_oid(conn, schema_name=schema, relation_name=relation)
        if oid:
            found[(schema, relation)] = oid
    return found
