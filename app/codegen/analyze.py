"""From PostgreSQL's description of a query to typed Python: parameter and column types, and nullability.

Nullability is PostgreSQL's own analysis read soundly (app/codegen/nullability.py): a column is
non-optional only when the query tree proves it cannot be null; a parameter accepts None when the
statement tests it for null, coalesces it, or writes it into a column that may be null. A query's header
may say what the author knows better:

    -- not null: author, categories      these result columns are never null
    -- nullable: isbn, price             these parameters accept None
    -- requires: create_plan_fixture_table   run that query of the folder first (a table made at run time)
"""

import re
from dataclasses import dataclass

from app.codegen.describe import Description, PgType
from app.codegen.nullability import Analysis, Catalog

SCALARS: dict[str, str] = {
    "int2": "int", "int4": "int", "int8": "int", "oid": "int", "xid": "int", "xid8": "int", "cid": "int",
    "float4": "float", "float8": "float", "numeric": "Decimal", "money": "str",
    "text": "str", "varchar": "str", "bpchar": "str", "char": "str", "name": "str",
    "unknown": "str", "tsvector": "str", "tsquery": "str", "regclass": "str", "regproc": "str",
    "regtype": "str", "regnamespace": "str", "regrole": "str", "regoper": "str", "regprocedure": "str",
    "regoperator": "str", "regconfig": "str", "regdictionary": "str", "regcollation": "str", "pg_lsn": "int", "xml": "str", "macaddr": "str", "macaddr8": "str",
    "bit": "BitString", "varbit": "BitString", "bool": "bool",
    "date": "date", "timestamp": "datetime", "timestamptz": "datetime", "time": "time", "timetz": "time",
    "interval": "timedelta",
    "uuid": "UUID", "bytea": "bytes", "json": "JsonValue", "jsonb": "JsonValue", "void": "None",
    "inet": "IPv4Interface | IPv6Interface | IPv4Address | IPv6Address", "cidr": "IPv4Network | IPv6Network",
    "point": "Point", "box": "Box", "lseg": "LineSegment", "line": "Line", "path": "Path", "polygon": "Polygon",
    "circle": "Circle", "record": "Record",
}  # fmt: skip
"""PostgreSQL type name -> the Python type asyncpg decodes it to (json/jsonb through the app's codec)."""

ANNOTATION = re.compile(r"^(not null|nullable|requires):\s*(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class Annotations:
    not_null: frozenset[str]
    nullable: frozenset[str]
    requires: tuple[str, ...]  # queries of the same folder to run first on the scratch database


def annotations(doc: str) -> Annotations:
    """`-- not null: a, b`, `-- nullable: x` and `-- requires: q` lines of a query's header (aiosql's doc)."""
    found: dict[str, list[str]] = {"not null": [], "nullable": [], "requires": []}
    for line in doc.splitlines():
        match = ANNOTATION.match(line.strip())
        if match:
            found[match.group(1).lower()].extend(n.strip() for n in match.group(2).split(",") if n.strip())
    return Annotations(frozenset(found["not null"]), frozenset(found["nullable"]), tuple(found["requires"]))


PARAM_SCALARS = {"numeric": "Decimal | float"}
"""Where a parameter accepts more than a column decodes to: asyncpg encodes a float as numeric too."""


def python_type(oid: int, types: dict[int, PgType], param: bool = False, null_elements: bool = False) -> str:
    """The Python annotation for a PostgreSQL type, as asyncpg decodes it: arrays as lists, domains as their
    base, enums as Literal, ranges as asyncpg.Range (multiranges as lists of them), composite types as
    asyncpg.Record, and a base type of an extension (citext, hstore, ltree...) as str (asyncpg reads it as text)."""
    pg = types.get(oid)
    if pg is None:
        return "object"
    if pg.kind == "a":  # a parameter takes any sequence (lists are invariant: list[int] is no list[float])
        element = python_type(pg.element, types, param)
        return f"{'Sequence' if param else 'list'}[{element}{' | None' if null_elements else ''}]"
    if pg.kind == "d":
        return python_type(pg.base, types, param, null_elements)
    if param and pg.schema == "pg_catalog" and pg.name in PARAM_SCALARS:
        return PARAM_SCALARS[pg.name]
    if pg.kind == "e":
        return "Literal[" + ", ".join(repr(label) for label in pg.labels) + "]"
    if pg.schema == "pg_catalog" and pg.name in SCALARS:
        return SCALARS[pg.name]
    if pg.kind == "r":
        return "Range"
    if pg.kind == "m":
        return f"{'Sequence' if param else 'list'}[Range]"
    if pg.kind == "c" and not param:
        return "Record"
    if pg.kind == "b" and pg.schema not in ("pg_catalog", "information_schema"):
        return "str"
    return "object"


@dataclass(frozen=True)
class Inferred:
    """What the query tree proves: per result column non-null, the $n that accept null, exactly one row."""

    not_null: tuple[bool, ...]
    elements_not_null: tuple[bool, ...]  # per column: an array none of whose elements is null
    nullable_params: frozenset[int]
    one_row: bool


def infer(catalog: Catalog, description: Description) -> Inferred:
    """Nullability of a described statement; nothing proven when PostgreSQL printed no tree we could read."""
    columns = len(description.columns)
    if description.tree is None:
        return Inferred((False,) * columns, (False,) * columns, frozenset(), False)
    analysis = Analysis(catalog)
    proven = analysis.outputs(description.tree)
    elements = Analysis(catalog, elements=True).outputs(description.tree)
    if len(proven) != columns or len(elements) != columns:  # a tree that does not match proves nothing
        proven, elements = [False] * columns, [False] * columns
    return Inferred(
        tuple(proven),
        tuple(elements),
        frozenset(analysis.nullable_params(description.tree)),
        analysis.one_row(description.tree),
    )
