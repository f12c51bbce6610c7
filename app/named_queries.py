"""The one loader of named queries: each `.sql` file read by aiosql through our loader class, one
NamedQuery per `-- name:`, and every mistake a Problem naming FILE:LINE:COL instead of an exception.

A file is loaded on its own, so one broken file (or query) leaves the others usable. Parameters are
found by app/sqlscan.py (PostgreSQL's own scanner) and numbered $1..$n in order of first appearance.
Only a `--` comment of the scanner's own (not one inside a block comment, a string or a dollar-quoted
body) starts a query or is documentation: `-- name:` inside `$$ ... $$` is part of the SQL.
"""

import inspect
import keyword
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiosql
from aiosql.query_loader import QueryLoader
from aiosql.types import QueryDatum, SQLOperationType
from aiosql.utils import SQLLoadException

from app import sqlscan

NAME_LINE = re.compile(r"^\s*--\s*name\s*:\s*")
SPEC = re.compile(r"^(?P<name>[^\W\d][\w-]*)\s*(?:\((?P<params>[^)]*)\))?\s*(?P<op><!|\*!|\^|\$|!|#)?\s*$")
DOC_LINE = re.compile(r"^\s*--\s?(.*)$")
OPERATIONS = {
    "<!": SQLOperationType.INSERT_RETURNING,
    "*!": SQLOperationType.INSERT_UPDATE_DELETE_MANY,
    "!": SQLOperationType.INSERT_UPDATE_DELETE,
    "#": SQLOperationType.SCRIPT,
    "^": SQLOperationType.SELECT_ONE,
    "$": SQLOperationType.SELECT_VALUE,
    None: SQLOperationType.SELECT,
}
RESERVED = {"conn"}
"""Names a generated function takes for itself: a parameter so named gets a trailing `_` too."""


def python_name(name: str) -> str:
    """`name` as a Python identifier: a keyword (`from`, `in`) or a reserved name gets a trailing `_`."""
    return f"{name}_" if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in RESERVED else name


@dataclass(frozen=True)
class Problem:
    """A mistake in a `.sql` file, at a line and column of that file (both from 1)."""

    path: Path
    line: int
    col: int
    query: str | None
    message: str
    hint: str = ""

    def __str__(self) -> str:
        who = f" query {self.query}:" if self.query else ""
        hint = f" (hint: {self.hint})" if self.hint else ""
        return f"{self.path}:{self.line}:{self.col}:{who} {self.message}{hint}"


@dataclass(frozen=True)
class NamedQuery:
    """One `-- name:` query: its SQL with $1..$n as sent to PostgreSQL, its parameters, kind and place."""

    namespace: str
    name: str
    sql: str
    text: str  # the block as written, from its `-- name:` line, with :name parameters
    signature: tuple[str, ...]  # the generated function's keyword arguments, as written in the SQL
    numbered: tuple[str, ...]  # the names of $1..$n, in order
    operation: SQLOperationType
    doc: str
    path: Path
    line: int  # of the `-- name:` line
    origin: tuple[tuple[int, int], ...] = field(repr=False, compare=False)  # (line, col) of each char of sql

    @property
    def fqn(self) -> str:
        return f"{self.namespace}.{self.name}"

    @property
    def params(self) -> tuple[str, ...]:
        """The names of $1..$n in order (the plan checker's name for `numbered`)."""
        return self.numbered

    @property
    def source(self) -> Path:
        return self.path

    @property
    def is_script(self) -> bool:
        """A `#` script may hold several statements; PREPARE and EXPLAIN take one."""
        return self.operation == SQLOperationType.SCRIPT

    def place(self, position: int | None = None) -> tuple[int, int]:
        """(line, col) in the file of a 1-based character position of `sql` (PostgreSQL's error position)."""
        if position is None or not self.origin:
            return self.line, 1
        return self.origin[min(max(position - 1, 0), len(self.origin) - 1)]

    def problem(self, message: str, hint: str = "", position: int | None = None) -> Problem:
        line, col = self.place(position)
        return Problem(self.path, line, col, self.name, message, hint)


@dataclass
class Loaded:
    """The queries of some files, by fully qualified name, and the problems that kept others out."""

    queries: dict[str, NamedQuery] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def namespace(self, namespace: str) -> list[NamedQuery]:
        """The queries of one folder, in file and line order."""
        return sorted(
            (q for q in self.queries.values() if q.namespace == namespace), key=lambda q: (str(q.path), q.line)
        )


@dataclass
class _Parsed:
    query: NamedQuery
    datum: QueryDatum


def comment_lines(sql: str) -> set[int]:
    """The lines (from 0) of `sql` that are a `--` comment alone, at top level: the scanner's own comment
    tokens. Past a place where the text stops scanning (an unterminated string or comment, reported with
    its query), every line that looks like a comment counts as one, so the queries after it still load."""
    lines = sql.splitlines(keepends=True)
    starts: list[int] = []
    at = 0
    for line in lines:
        starts.append(at + len(line) - len(line.lstrip()))
        at += len(line)
    try:
        tokens, scanned = sqlscan.tokens(sql), len(sql)
    except sqlscan.ScanError as exc:
        scanned = exc.offset
        try:
            tokens = sqlscan.tokens(sql[:scanned])
        except sqlscan.ScanError:
            tokens, scanned = [], 0
    comments = {t.start for t in tokens if t.name == "SQL_COMMENT"}
    return {
        number
        for number, (line, start) in enumerate(zip(lines, starts))
        if DOC_LINE.match(line) and (start >= scanned or start in comments)
    }


def _parse_block(
    path: Path, lines: list[str], start: int, end: int, namespace: str, comments: set[int]
) -> _Parsed | Problem:
    """The query whose `-- name:` is line `start` (0-based) and which ends before line `end`; `comments`
    are the lines that are top-level `--` comments (documentation; any other line is SQL)."""
    head = lines[start]
    spec_col = NAME_LINE.match(head).end()  # type: ignore[union-attr]
    spec = head[spec_col:].strip()
    matched = SPEC.match(spec)
    if not matched:
        return Problem(
            path, start + 1, spec_col + 1, next(iter(spec.split("(")[0].split()), None),
            f"cannot read the query name and suffix in {spec!r}",
            "write `-- name: query_name(param, ...)` followed by one of ^ $ ! <! *! # or nothing",
        )  # fmt: skip
    name = matched.group("name").replace("-", "_")
    operation = OPERATIONS[matched.group("op")]
    raw = matched.group("params")
    declared = None if raw is None else [p.strip() for p in raw.split(",") if p.strip()]
    doc: list[str] = []
    chars: list[str] = []
    origin: list[tuple[int, int]] = []
    for number in range(start + 1, end):
        line = lines[number]
        if number in comments and (comment := DOC_LINE.match(line)):  # aiosql's rule: a comment line is doc
            doc.append(comment.group(1))
            continue
        chars.extend(line + "\n")
        origin.extend((number + 1, col + 1) for col in range(len(line) + 1))
    text = "".join(chars)
    left = len(text) - len(text.lstrip())
    body = text.strip()
    origin = origin[left : left + len(body)]

    def at(offset: int, message: str, hint: str = "") -> Problem:
        line, col = origin[min(offset, len(origin) - 1)] if origin else (start + 1, 1)
        return Problem(path, line, col, name, message, hint)

    if not body.rstrip(";").strip():
        return Problem(
            path, start + 1, 1, name, "the query has no SQL", "write the statement under its `-- name:` line"
        )
    try:
        found = sqlscan.parameters(body)
    except sqlscan.ScanError as exc:
        swallowed = [n + 1 for n in range(start + 1, end) if NAME_LINE.match(lines[n]) and n not in comments]
        hint = "close the string, quoted name or comment"
        if swallowed:  # a string opened here and closed in a later query: its header became SQL
            hint += f" (the `-- name:` on line {swallowed[0]} is inside it, so it starts no query)"
        return at(exc.offset, f"the SQL does not scan: {exc}", hint)
    sql, order, moved = sqlscan.numbered(body, found)
    if declared is not None:
        for param in found:
            if param.name not in declared:
                return at(
                    param.start, f"uses :{param.name}, which `{name}(...)` does not declare", "add it to the list"
                )
        unused = [p for p in declared if p not in order]
        if unused:
            return Problem(
                path, start + 1, spec_col + 1, name, f"declares {', '.join(unused)} but never uses it",
                "remove it from the list, or use it as :name in the SQL",
            )  # fmt: skip
    if operation == SQLOperationType.SCRIPT and order:
        return at(found[0].start, "a `#` script cannot take parameters", "drop the `#` suffix or the parameter")
    signature = tuple(declared) if declared is not None else order
    query = NamedQuery(
        namespace=namespace,
        name=name,
        sql=sql,
        text="\n".join(lines[start:end]),
        signature=signature,
        numbered=order,
        operation=operation,
        doc="\n".join(doc).strip(),
        path=path,
        line=start + 1,
        origin=tuple(origin[i] for i in moved),
    )
    params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    params += [inspect.Parameter(python_name(p), inspect.Parameter.KEYWORD_ONLY) for p in signature]
    datum = QueryDatum(
        query_name=name,
        doc_comments=query.doc,
        operation_type=operation,
        sql=sql,
        record_class=None,
        signature=inspect.Signature(params),
        floc=(path, start + 1),
        attributes=None,
        parameters=list(order),
    )
    return _Parsed(query, datum)


def _loader_class(namespace: str, shown: Path, parsed: list[NamedQuery], problems: list[Problem]) -> type[QueryLoader]:
    """aiosql's loader, reading a file's `-- name:` blocks with our scanner and keeping what it finds."""

    class Loader(QueryLoader):
        def load_query_data_from_sql(self, sql: str, ns_parts: list[str], fname: Path | str = "") -> list[QueryDatum]:
            lines = sql.splitlines()
            comments = comment_lines(sql)
            starts = [i for i, line in enumerate(lines) if i in comments and NAME_LINE.match(line)]
            data: list[QueryDatum] = []
            seen: dict[str, int] = {}
            for k, start in enumerate(starts):
                end = starts[k + 1] if k + 1 < len(starts) else len(lines)
                result = _parse_block(shown, lines, start, end, namespace, comments)
                if isinstance(result, Problem):
                    problems.append(result)
                    continue
                name = result.query.name
                if name in seen:
                    problems.append(
                        Problem(shown, start + 1, 1, name, f"a second query named {name} (the first is on line {seen[name]})", "rename one")
                    )  # fmt: skip
                    continue
                seen[name] = start + 1
                parsed.append(result.query)
                data.append(result.datum)
            return data

    return Loader


def load_file(path: Path, namespace: str, root: Path | None = None) -> Loaded:
    """The named queries of one `.sql` file, as namespace.name; never raises for a mistake in the file."""
    shown = path.relative_to(root) if root and path.is_relative_to(root) else path
    parsed: list[NamedQuery] = []
    loaded = Loaded()
    try:
        found: Any = aiosql.from_path(
            path, "asyncpg", loader_cls=_loader_class(namespace, shown, parsed, loaded.problems)
        )
    except (SQLLoadException, OSError, UnicodeDecodeError) as exc:
        loaded.problems.append(
            Problem(shown, 1, 1, None, f"aiosql cannot load the file: {exc}", "rename the clashing query")
        )
        return loaded
    for query in parsed:
        fn = getattr(found, query.name)  # aiosql's function: the SQL, kind and doc it keeps
        loaded.queries[query.fqn] = NamedQuery(
            namespace=namespace,
            name=query.name,
            sql=fn.sql,
            text=query.text,
            signature=query.signature,
            numbered=tuple(fn.parameters or ()),
            operation=fn.operation,
            doc=fn.__doc__ or "",
            path=shown,
            line=query.line,
            origin=query.origin,
        )
    return loaded


def load_folder(folder: Path, namespace: str | None = None, root: Path | None = None) -> Loaded:
    """Every `.sql` file of one folder (namespace = the folder's name), each loaded on its own."""
    loaded = Loaded()
    for path in sorted(folder.glob("*.sql")):
        one = load_file(path, namespace or folder.name, root)
        for fqn, query in one.queries.items():
            if fqn in loaded.queries:
                first = loaded.queries[fqn]
                loaded.problems.append(
                    query.problem(f"a second query named {query.name} in {namespace or folder.name}/ (the first is {first.path}:{first.line})", "rename one")
                )  # fmt: skip
                continue
            loaded.queries[fqn] = query
        loaded.problems += one.problems
    return loaded


def load_tree(queries_dir: Path, root: Path | None = None) -> Loaded:
    """Every named query under `queries_dir`: each sub-folder holding `.sql` files is a namespace."""
    loaded = Loaded()
    for folder in sorted(p for p in queries_dir.iterdir() if p.is_dir() and any(p.glob("*.sql"))):
        one = load_folder(folder, root=root)
        loaded.queries.update(one.queries)
        loaded.problems += one.problems
    return loaded
