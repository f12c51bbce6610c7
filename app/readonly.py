"""Which SQL statements cannot write, decided by parsing them (pglast), so they may run on a replica.

A statement may run on a read replica when its parse tree is a single SelectStmt (a query, a VALUES
list or TABLE) with no locking clause (`for update`, `for share`...), no `into` and no data-modifying `with` anywhere in its
tree. Anything else, or anything that does not parse, runs on the primary. A read-only statement
that still writes through a volatile function fails on a replica with "cannot execute ... in a
read-only transaction": the caller reruns it on the primary and calls `mark_writing`, so it goes
straight there from then on. Answers are cached by SQL text: the generated code passes the same
string object every time, whose hash Python keeps, so a lookup costs one dict probe per statement.
"""

import json
from collections.abc import Iterable

from pglast.parser import ParseError, parse_sql_json

from app.relations import seen_writing

_WRITING_NODES = frozenset({"InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt"})
_WRITING_KEYS = frozenset({"lockingClause", "intoClause"})
_CACHE_LIMIT = 10_000  # distinct texts remembered; beyond it (ad hoc SQL) a text is parsed each time

_read_only: dict[str, bool] = {}


def cannot_write(sql: str) -> bool:
    """True when `sql` is one plain select: no locking clause, no `into`, no data-modifying `with`."""
    try:
        tree = json.loads(parse_sql_json(sql))
    except ParseError:
        return False
    statements = tree.get("stmts", [])
    if len(statements) != 1 or "SelectStmt" not in statements[0].get("stmt", {}):
        return False
    return not _writes(statements[0]["stmt"])


def _writes(node: object) -> bool:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _WRITING_NODES or (key in _WRITING_KEYS and value):
                return True
            if _writes(value):
                return True
    elif isinstance(node, list):
        return any(_writes(item) for item in node)
    return False


def is_read_only(sql: str) -> bool:
    """Whether `sql` may run on a replica (cached by text; see the module docstring)."""
    known = _read_only.get(sql)
    if known is None:
        known = cannot_write(sql)
        if len(_read_only) < _CACHE_LIMIT:
            _read_only[sql] = known
    return known


def classify(statements: Iterable[str]) -> int:
    """Parse and remember each statement (at start-up, every loaded named query); returns how many may go to a replica."""
    return sum(is_read_only(sql) for sql in statements)


def mark_writing(sql: str) -> None:
    """Remember that `sql` wrote (a replica refused it): it runs on the primary from now on."""
    _read_only[sql] = False
    seen_writing(sql)
