"""Plan cases: queries/<namespace>/<file>.plans.toml beside <file>.sql, checked against the queries."""

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.plans.named import NamedQuery

CASE_KEYS = {
    "name",
    "description",
    "params",
    "allow_seq_scan",
    "allow_estimate",
    "max_buffers",
    "ignore_result",
    "ignore_rows",
}
QUERY_KEYS = {"cases", "skip"}


@dataclass(frozen=True)
class SqlParam:
    """A parameter given as a scalar query, evaluated against the checking database."""

    sql: str


@dataclass(frozen=True)
class Case:
    """One set of parameters to explain a query with, and its allowances."""

    query: str
    name: str
    description: str
    params: dict[str, Any]
    allow_seq_scan: dict[str, str] = field(default_factory=dict)
    allow_estimate: str | None = None
    max_buffers: int | None = None
    ignore_result: str | None = None
    # Catalog reads whose row count any migration changes: judged on cost only (rows and plan shape follow the catalog's size).
    ignore_rows: str | None = None


@dataclass(frozen=True)
class QueryCases:
    """A named query's cases, or the reason it is skipped."""

    query: str
    cases: tuple[Case, ...] = ()
    skip: str | None = None


@dataclass
class CaseBook:
    """Every query's cases, plus the problems found in the case files (each one fails the check)."""

    queries: dict[str, QueryCases] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)


def case_file(sql_file: Path) -> Path:
    """queries/x/books.sql -> queries/x/books.plans.toml"""
    return sql_file.with_suffix(".plans.toml")


def load_cases(named: dict[str, NamedQuery]) -> CaseBook:
    """Read the case file beside each .sql file that holds named queries."""
    book = CaseBook()
    by_file: dict[Path, dict[str, NamedQuery]] = {}
    for query in named.values():
        by_file.setdefault(query.source, {})[query.name] = query
    for sql_file, in_file in sorted(by_file.items()):
        path = case_file(sql_file)
        if not path.exists():
            continue
        try:
            data = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as exc:
            book.problems.append((path.name, f"{path}: not valid TOML: {exc}"))
            continue
        for name, entry in data.items():
            found = in_file.get(name)
            if found is None:
                book.problems.append((name, f"{path.name}: no query named {name!r} in {sql_file.name}"))
                continue
            query = found
            parsed = _query_cases(query, entry, path.name, book.problems)
            if parsed is not None:
                book.queries[query.fqn] = parsed
    for folder in {sql_file.parent for sql_file in by_file}:
        for path in sorted(folder.glob("*.plans.toml")):
            if path.name.removesuffix(".plans.toml") + ".sql" not in {f.name for f in by_file}:
                book.problems.append((path.name, f"{path}: no .sql file with named queries beside it"))
    return book


def _query_cases(query: NamedQuery, entry: Any, where: str, problems: list[tuple[str, str]]) -> QueryCases | None:
    def bad(message: str) -> None:
        problems.append((query.fqn, f"{where} [{query.name}]: {message}"))

    if not isinstance(entry, dict) or set(entry) - QUERY_KEYS:
        bad(f"a query entry takes only {sorted(QUERY_KEYS)}")
        return None
    skip, raw_cases = entry.get("skip"), entry.get("cases", [])
    if skip is not None:
        if raw_cases or not isinstance(skip, str) or not skip.strip():
            bad("skip must be a non-empty reason, and a skipped query has no cases")
            return None
        return QueryCases(query=query.fqn, skip=skip.strip())
    cases: list[Case] = []
    for raw in raw_cases:
        case = _case(query, raw, bad)
        if case is None:
            continue
        if any(c.name == case.name for c in cases):
            bad(f"two cases are named {case.name!r}")
            continue
        cases.append(case)
    if query.is_script and cases:
        bad("a `#` script cannot be explained (EXPLAIN takes one statement); give it a skip with a reason")
        return None
    return QueryCases(query=query.fqn, cases=tuple(cases))


def _case(query: NamedQuery, raw: Any, bad: Any) -> Case | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"]:
        bad("every case needs a name")
        return None
    unknown = set(raw) - CASE_KEYS
    if unknown:
        bad(f"case {raw['name']!r} has unknown keys {sorted(unknown)}")
        return None
    params: dict[str, Any] = {}
    for key, value in raw.get("params", {}).items():
        if key not in query.params:
            bad(f"case {raw['name']!r} sets {key!r}, not a parameter of the query {list(query.params)}")
            return None
        if isinstance(value, dict):
            if set(value) != {"sql"} or not isinstance(value["sql"], str):
                bad(f'case {raw["name"]!r}: parameter {key!r} is a table but not {{ sql = "..." }}')
                return None
            value = SqlParam(value["sql"])
        params[key] = value
    allow = raw.get("allow_seq_scan", {})
    if not isinstance(allow, dict) or not all(isinstance(v, str) and v.strip() for v in allow.values()):
        bad(f'case {raw["name"]!r}: allow_seq_scan maps "schema.table" to the reason it is allowed')
        return None
    for key in ("allow_estimate", "ignore_result", "ignore_rows"):
        if key in raw and (not isinstance(raw[key], str) or not raw[key].strip()):
            bad(f"case {raw['name']!r}: {key} is the reason, a non-empty string")
            return None
    budget = raw.get("max_buffers")
    if budget is not None and (not isinstance(budget, int) or budget <= 0):
        bad(f"case {raw['name']!r}: max_buffers must be a positive integer")
        return None
    return Case(
        query=query.fqn,
        name=raw["name"],
        description=str(raw.get("description", "")),
        params=params,
        allow_seq_scan=dict(allow),
        allow_estimate=raw.get("allow_estimate"),
        max_buffers=budget,
        ignore_result=raw.get("ignore_result"),
        ignore_rows=raw.get("ignore_rows"),
    )
