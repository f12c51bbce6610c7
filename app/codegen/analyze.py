"""From PostgreSQL's description of a query to typed Python: parameter and column types, and nullability.

A column is non-optional only when the database proves it: a NOT NULL column of a table that is on the
inner side of every join (no outer join makes it nullable), or an expression that cannot be null
(`count(...)`, `exists(...)`, an `array(select ...)`, `x is null`, a non-null literal, a `coalesce` whose
last argument is a non-null literal). Everything else is optional. A query's header may narrow what the
author knows better:

    -- not null: author, categories      these result columns are never null
    -- nullable: isbn, price             these parameters accept None (besides those the SQL tests `is null`)
    -- requires: create_plan_fixture_table   run that query of the folder first (a table made at run time)
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from app.codegen.describe import Description, PgType

SCALARS: dict[str, str] = {
    "int2": "int", "int4": "int", "int8": "int", "oid": "int", "xid": "int",
    "float4": "float", "float8": "float", "numeric": "Decimal", "money": "str",
    "text": "str", "varchar": "str", "bpchar": "str", "char": "str", "name": "str", "citext": "str",
    "unknown": "str", "tsvector": "str", "tsquery": "str", "regclass": "str", "regproc": "str",
    "regtype": "str", "pg_lsn": "str", "bit": "str", "varbit": "str", "xml": "str",
    "bool": "bool",
    "date": "date", "timestamp": "datetime", "timestamptz": "datetime", "time": "time", "timetz": "time",
    "interval": "timedelta",
    "uuid": "UUID", "bytea": "bytes", "json": "JsonValue", "jsonb": "JsonValue", "void": "None",
    "inet": "IPv4Interface | IPv6Interface | IPv4Address | IPv6Address", "cidr": "IPv4Network | IPv6Network",
}
"""PostgreSQL type name -> the Python type asyncpg decodes it to (json/jsonb through the app's codec)."""

NULL_TEST = r":{name}(?:::[\w\[\] ]+)?\s+is\s+(?:not\s+)?null"
COALESCED = r"coalesce\(\s*:{name}\b"
ANNOTATION = re.compile(r"^(not null|nullable|requires):\s*(.*)$", re.IGNORECASE)

LITERAL = r"(?:'(?:[^']|'')*'(?:::[\w .\[\]\"]+)?|-?\d+(?:\.\d+)?(?:::[\w .\[\]]+)?|true|false)"
NON_NULL_EXPRESSIONS = [
    re.compile(r"^count\("),
    re.compile(r"^\(?(?:EXISTS|NOT EXISTS)\("),
    re.compile(r"^\(?ARRAY\(SubPlan \d+\)\)?$"),
    re.compile(r"^ARRAY\["),
    re.compile(r"^.+ IS (?:NOT )?NULL$"),
    re.compile(r"^(?:now|statement_timestamp|clock_timestamp|transaction_timestamp)\(\)$"),
    re.compile(r"^(?:CURRENT_TIMESTAMP|CURRENT_DATE|CURRENT_USER|SESSION_USER)$"),
    re.compile(r"^(?:row_number|rank|dense_rank)\(\) OVER"),
    re.compile(rf"^COALESCE\(.*, {LITERAL}\)$"),
    re.compile(rf"^{LITERAL}$"),
]
NULLABLE_SIDES = {"Left": ("Inner",), "Right": ("Outer",), "Full": ("Outer", "Inner")}
"""For an outer join, the children (by Parent Relationship) whose rows may be missing."""
RELATION_SCANS = {"Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan", "Tid Scan", "Tid Range Scan", "Sample Scan"}


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


def python_type(oid: int, types: dict[int, PgType], param: bool = False) -> str:
    """The Python annotation for a PostgreSQL type (arrays as lists, domains as their base, enums as Literal)."""
    pg = types.get(oid)
    if pg is None:
        return "object"
    if pg.kind == "a":  # a parameter takes any sequence (lists are invariant: list[int] is no list[float])
        return f"{'Sequence' if param else 'list'}[{python_type(pg.element, types, param)}]"
    if pg.kind == "d":
        return python_type(pg.base, types, param)
    if param and pg.schema == "pg_catalog" and pg.name in PARAM_SCALARS:
        return PARAM_SCALARS[pg.name]
    if pg.kind == "e":
        return "Literal[" + ", ".join(repr(label) for label in pg.labels) + "]"
    if pg.schema == "pg_catalog" and pg.name in SCALARS:
        return SCALARS[pg.name]
    return "object"


def nullable_params(sql_with_names: str, params: tuple[str, ...], notes: Annotations) -> set[str]:
    """Parameters the query accepts as null: those it tests with `is null` or coalesces, and annotated ones."""
    found = set(notes.nullable)
    for name in params:
        for pattern in (NULL_TEST, COALESCED):
            if re.search(pattern.format(name=re.escape(name)), sql_with_names, re.IGNORECASE):
                found.add(name)
    return found


def _walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", ()):
        yield from _walk(child)


def outer_join_nullable(plan: dict[str, Any]) -> tuple[set[tuple[str, str]], bool]:
    """Relations on the nullable side of an outer join, and whether anything else (a CTE, a subquery,
    a function) is there too, in which case no column's origin can be trusted."""
    relations: set[tuple[str, str]] = set()
    opaque = False
    for node in _walk(plan):
        sides = NULLABLE_SIDES.get(node.get("Join Type", ""), ())
        for child in node.get("Plans", ()):
            if child.get("Parent Relationship") not in sides:
                continue
            for below in _walk(child):
                if "Relation Name" in below and below.get("Node Type") in RELATION_SCANS | {"ModifyTable"}:
                    relations.add((below.get("Schema", ""), below["Relation Name"]))
                elif below.get("Node Type", "").endswith("Scan") and "Relation Name" not in below:
                    opaque = True
    return relations, opaque


def plan_relations(plan: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (node.get("Schema", ""), node["Relation Name"]) for node in _walk(plan) if "Relation Name" in node
    }


INIT_PLAN_OUTPUT = re.compile(r"^\(InitPlan (\d+)\)\.col(\d+)$")


def _unwrapped(expression: str) -> str:
    """The expression without parentheses around the whole of it."""
    text = expression.strip()
    while text.startswith("(") and text.endswith(")"):
        depth = 0
        for i, char in enumerate(text):
            depth += {"(": 1, ")": -1}.get(char, 0)
            if depth == 0 and i < len(text) - 1:
                return text
        text = text[1:-1].strip()
    return text


def expression_not_null(expression: str, plan: dict[str, Any] | None = None) -> bool:
    """An output expression that cannot be null; `(InitPlan n).colk` of a plain aggregate is looked up."""
    text = _unwrapped(expression)
    init = INIT_PLAN_OUTPUT.match(text)
    if init and plan is not None:
        for node in _walk(plan):
            if node.get("Subplan Name") == f"InitPlan {init.group(1)}":
                outputs = node.get("Output", [])
                k = int(init.group(2)) - 1
                plain = node.get("Node Type") == "Aggregate" and node.get("Strategy") == "Plain"
                return plain and k < len(outputs) and expression_not_null(outputs[k], plan)
        return False
    return any(pattern.search(text) for pattern in NON_NULL_EXPRESSIONS)


def always_one_row(plan: dict[str, Any] | None) -> bool:
    """The statement returns exactly one row: a plain aggregate, a bare `select expr`, or an insert of one VALUES row."""
    if plan is None:
        return False
    kind = plan.get("Node Type")
    if kind == "Aggregate" and plan.get("Strategy") == "Plain" and "Filter" not in plan:
        return True
    if kind == "Result" and "One-Time Filter" not in plan:
        return all(child.get("Parent Relationship") == "InitPlan" for child in plan.get("Plans", ()))
    if kind == "ModifyTable" and plan.get("Operation") == "Insert" and "Conflict Resolution" not in plan:
        children = plan.get("Plans", ())
        return len(children) == 1 and children[0].get("Node Type") == "Result" and not children[0].get("Plans")
    return False


def column_not_null(
    index: int,
    description: Description,
    not_null_columns: set[tuple[int, int]],
    distrusted_tables: set[int],
    trust_origins: bool,
    notes: Annotations,
) -> bool:
    column = description.columns[index]
    if column.name in notes.not_null:
        return True
    if column.table_oid and trust_origins and column.table_oid not in distrusted_tables:
        if (column.table_oid, column.attnum) in not_null_columns:
            return True
    outputs = description.plan.get("Output", []) if description.plan else []
    if index < len(outputs) and not column.table_oid:
        return expression_not_null(outputs[index], description.plan)
    return False
