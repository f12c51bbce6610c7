"""Which relations a statement may change and which it reads, by parsing it (pglast), so that a commit
raises the process's read position only for what it changed (app/replicas.py).

Names are `schema.relation` as the parser gives them (our queries schema-qualify). `EVERYTHING` stands
for what cannot be pinned down. A statement may change: the targets of its insert, update, delete and
merge (also inside `with`); nothing for transaction control or a plain `select ... for update`;
EVERYTHING for any other statement (DDL, copy, call, do...), a `select` that writes (a volatile function,
`into`), a call of a function outside pg_catalog in a writing statement, an unqualified target, or text
that does not parse. A statement reads every relation named in its tree (`with` names excluded);
EVERYTHING for an unqualified name, a relation that is not a user table (a view...), a call of a user
function that is not immutable, or text that does not parse. With the catalog learnt at start-up
(`learn_catalog`) only volatile functions count as writing. Answers are cached by text, like app/readonly.py.
"""

import json
from collections.abc import Iterable
from typing import Any

from pglast.parser import ParseError, parse_plpgsql_json, parse_sql_json

EVERYTHING = "*"
"""The relation name that stands for every relation."""
ALL = frozenset({EVERYTHING})
NOTHING: frozenset[str] = frozenset()
_WRITES = ("InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt")
_CACHE_LIMIT = 10_000

_written: dict[str, frozenset[str]] = {}
_read: dict[str, frozenset[str]] = {}
_triggered: dict[str, frozenset[str]] | None = None
"""Table -> the relations its triggers may change (`learn_triggers`); None: not known, every write changes EVERYTHING."""
_tables: frozenset[str] | None = None
"""The user tables (`learn_catalog`); a read naming any other relation (a view...) needs EVERYTHING. None: not known."""
_volatility: dict[str, str] = {}
"""`schema.name` and bare `name` of each user function -> its volatility (i, s, v; the most volatile overload)."""
_builtins: frozenset[str] = frozenset()
"""Names of pg_catalog's functions (`learn_catalog`): an unqualified call of any other name is a user function."""
_ORDER = {"i": 0, "s": 1, "v": 2}
_seen_writing: set[str] = set()


def _parse(sql: str) -> list[dict[str, Any]] | None:
    try:
        statements = json.loads(parse_sql_json(sql)).get("stmts", [])
    except ParseError:
        return None
    return [each.get("stmt", {}) for each in statements]


def _name(range_var: dict[str, Any]) -> str:
    schema = range_var.get("schemaname")
    return f"{schema}.{range_var['relname']}" if schema else EVERYTHING


def _walk(node: object, found: list[tuple[str, dict[str, Any]]]) -> None:
    """Collect (node kind, node) of every dict node under `node`."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, dict):
                found.append((key, value))
            _walk(value, found)
    elif isinstance(node, list):
        for item in node:
            _walk(item, found)


def changed_by(sql: str, plain_select_changes: bool = True) -> frozenset[str]:
    """The relations `sql` may change (`schema.name`; {EVERYTHING} when that cannot be told), not
    following triggers. A select with neither locking clause nor a call outside pg_catalog changes
    EVERYTHING when `plain_select_changes` (it was seen to write), else nothing."""
    statements = _parse(sql)
    if statements is None:
        return ALL
    changed: set[str] = set()
    for statement in statements:
        kind = next(iter(statement), "")
        if kind == "TransactionStmt":
            continue
        if kind not in (*_WRITES, "SelectStmt"):
            return ALL
        nodes: list[tuple[str, dict[str, Any]]] = [(kind, statement[kind])]
        _walk(statement[kind], nodes)
        targets = [node for node_kind, node in nodes if node_kind in _WRITES]
        for node_kind, node in nodes:
            if node_kind == "intoClause":
                return ALL
            if node_kind == "FuncCall" and _may_write(node):
                return ALL
        if not targets:
            if kind == "SelectStmt" and (statement[kind].get("lockingClause") or not plain_select_changes):
                continue  # locks rows, changes none
            return ALL  # a select that writes (a replica refused it: app/readonly.py mark_writing)
        for target in targets:
            relation = target.get("relation")
            if not isinstance(relation, dict):
                return ALL
            changed.add(_name(relation))
    return ALL if EVERYTHING in changed else frozenset(changed)


def read_by(sql: str) -> frozenset[str]:
    """The relations `sql` names (`schema.name`; {EVERYTHING} for an unqualified or unparsed one)."""
    statements = _parse(sql)
    if statements is None:
        return ALL
    nodes: list[tuple[str, dict[str, Any]]] = []
    _walk(statements, nodes)
    ctes = {node.get("ctename") for kind, node in nodes if kind == "CommonTableExpr"}
    read: set[str] = set()
    tables = _tables
    for kind, node in nodes:
        if kind == "RangeVar":
            if not node.get("schemaname") and node.get("relname") in ctes:
                continue
            name = _name(node)
            if tables is not None and name not in tables:
                return ALL  # a view, a system relation, a table created since start-up: what it reads is not known
            read.add(name)
        elif kind == "FuncCall" and tables is not None and _function_volatility(node) not in ("i", None):
            return ALL  # a function that may read tables
    return ALL if EVERYTHING in read else frozenset(read)


def _function_volatility(call: dict[str, Any]) -> str | None:
    """A user function's volatility (`learn_catalog`): i, s or v; "v" for one not known (created since);
    None for one of pg_catalog (reads and writes no user table)."""
    names = [part.get("String", {}).get("sval") for part in call.get("funcname", [])]
    if len(names) > 1:
        if names[0] == "pg_catalog":
            return None
        return _volatility.get(f"{names[0]}.{names[-1]}", "v")
    if not names:
        return None
    name = str(names[-1])
    known = _volatility.get(name)
    if known is None and name not in _builtins:
        return "v"
    return known


def _may_write(call: dict[str, Any]) -> bool:
    """Whether a function call may write: a volatile user function, or before `learn_catalog` any
    schema-qualified function outside pg_catalog."""
    if _tables is None:
        names = call.get("funcname", [])
        return len(names) > 1 and names[0].get("String", {}).get("sval") != "pg_catalog"
    return _function_volatility(call) == "v"


def function_changes(definition: str) -> frozenset[str]:
    """The relations a PL/pgSQL function (`pg_get_functiondef` text) may change: what its statements and
    expressions change; EVERYTHING for dynamic SQL or what does not parse."""
    try:
        tree = json.loads(parse_plpgsql_json(definition))
    except ParseError:
        return ALL
    nodes: list[tuple[str, dict[str, Any]]] = []
    _walk(tree, nodes)
    changed: set[str] = set()
    for kind, node in nodes:
        if kind.startswith("PLpgSQL_stmt_dyn") or (
            kind in ("PLpgSQL_stmt_return_query", "PLpgSQL_stmt_open") and node.get("dynquery")
        ):
            return ALL
        if kind != "PLpgSQL_expr":
            continue
        query = str(node.get("query", ""))
        if node.get("parseMode", 0):  # an expression or an assignment, not a whole statement
            query = "select " + query.partition(":=")[2] if ":=" in query else "select " + query
        changed |= changed_by(query, plain_select_changes=False)
    return ALL if EVERYTHING in changed else frozenset(changed)


def learn_triggers(triggers: Iterable[tuple[str, str, str]], related: Iterable[tuple[str, str]] = ()) -> None:
    """Take (table, function language, function definition) of every user trigger, and (table, other
    table) pairs a write of the first also changes (foreign keys that cascade, partitions and their
    parents): from now on a write of a table also changes those, transitively (a trigger function not
    in PL/pgSQL: EVERYTHING)."""
    global _triggered
    found: dict[str, frozenset[str]] = {}
    for table, language, definition in triggers:
        changed = function_changes(definition) if language == "plpgsql" else ALL
        found[table] = found.get(table, NOTHING) | changed
    for table, other in related:
        found[table] = found.get(table, NOTHING) | {other}
    _triggered = found
    _written.clear()


def learn_catalog(tables: Iterable[str] | None, functions: Iterable[tuple[str, str, str]] = ()) -> None:
    """Take the user tables (`schema.name`) and (schema, name, volatility) of every function, pg_catalog's
    too: from now on a read naming another relation, or calling a user function that is not immutable,
    needs EVERYTHING, and only volatile ones count as writing. None: forget them (the rules without a catalog)."""
    global _tables, _builtins
    volatility: dict[str, str] = {}
    builtins: set[str] = set()
    for schema, name, kind in functions:
        if schema == "pg_catalog":
            builtins.add(name)
            continue
        for key in (f"{schema}.{name}", name):
            if _ORDER.get(kind, 2) >= _ORDER.get(volatility.get(key, "i"), 2):
                volatility[key] = kind if kind in _ORDER else "v"
    _volatility.clear()
    _volatility.update(volatility)
    _builtins = frozenset(builtins)
    _tables = None if tables is None else frozenset(tables)
    _written.clear()
    _read.clear()


def with_triggers(changed: frozenset[str]) -> frozenset[str]:
    """`changed` and what the triggers of those tables change, transitively (EVERYTHING when triggers are not known)."""
    triggered = _triggered
    if triggered is None:
        return ALL
    result, todo = set(changed), list(changed)
    while todo:
        for relation in triggered.get(todo.pop(), NOTHING):
            if relation not in result:
                result.add(relation)
                todo.append(relation)
    return ALL if EVERYTHING in result else frozenset(result)


def changes(sql: str) -> frozenset[str]:
    """The relations `sql` may change with what that changes in turn (`with_triggers`); empty for a
    statement that changes nothing (a plain select, transaction control). Cached by text."""
    known = _written.get(sql)
    if known is None:
        directly = changed_by(sql, plain_select_changes=sql in _seen_writing)
        known = with_triggers(directly) if directly else NOTHING
        if len(_written) < _CACHE_LIMIT:
            _written[sql] = known
    return known


def reads(sql: str) -> frozenset[str]:
    """`read_by`, cached by text."""
    known = _read.get(sql)
    if known is None:
        known = read_by(sql)
        if len(_read) < _CACHE_LIMIT:
            _read[sql] = known
    return known


def seen_writing(sql: str) -> None:
    """Remember that `sql` wrote although nothing in its text says so (a replica refused it)."""
    _seen_writing.add(sql)
    _written.pop(sql, None)
