"""The named SQL queries under queries/, loaded once by aiosql, and what the generated code needs to run them.

aiosql reads the `.sql` files and turns `:name` parameters into `$n`; the typed functions that
`catalog codegen` writes to app/<folder>/sql.py send that SQL through asyncpg's own statement
cache, passing the parameters in the order aiosql numbered them. `statement()` checks that order at
import, so a `.sql` file edited without regenerating stops the app at start-up, naming the query.
"""

import re
from pathlib import Path
from typing import Any, Protocol

import aiosql
import asyncpg

from app.settings import ROOT

QUERIES_DIR = ROOT / "queries"

JsonValue = dict[str, "JsonValue"] | list["JsonValue"] | str | int | float | bool | None
"""A json or jsonb value as the app's connections encode and decode it (app/database.py)."""


class Connection(Protocol):
    """What the generated functions need of a connection: asyncpg's, or a pool's proxy of one."""

    async def fetch(self, query: str, *args: object, timeout: float | None = ...) -> list[asyncpg.Record]: ...

    async def fetchrow(self, query: str, *args: object, timeout: float | None = ...) -> asyncpg.Record | None: ...

    async def fetchval(self, query: str, *args: object, column: int = ..., timeout: float | None = ...) -> Any: ...

    async def execute(self, query: str, *args: object, timeout: float | None = ...) -> str: ...


class StaleQueryCode(RuntimeError):
    """The generated code no longer matches a `.sql` file: run `scripts/codegen`."""


def load_queries(queries_dir: Path = QUERIES_DIR) -> Any:
    """Every `.sql` file under `queries_dir`; each sub-folder is a namespace (`queries.bookstore.x`)."""
    return aiosql.from_path(queries_dir, "asyncpg")


def statement(namespace: str, name: str, params: tuple[str, ...]) -> str:
    """The SQL of `namespace.name` as aiosql loaded it, headed by its name (named_sql), after checking its
    $1..$n are `params` in order."""
    try:
        loaded = getattr(getattr(queries, namespace), name)
    except AttributeError:
        raise StaleQueryCode(
            f"query {namespace}.{name} is no longer in queries/{namespace}/: run scripts/codegen"
        ) from None
    numbered = tuple(queries.driver_adapter.var_sorted.get(f"{namespace}.{name}", ()))
    if numbered != params:
        raise StaleQueryCode(
            f"query {namespace}.{name} now takes {numbered}, the generated code passes {params}: run scripts/codegen"
        )
    sql: str = loaded.sql
    return named_sql(f"{namespace}.{name}", sql)


_FIRST_KEYWORD = re.compile(r"\s*[A-Za-z]+(?=\s)")
_NAMED = re.compile(r"\s*(?:[A-Za-z]+\s+)?/\* catalog: ([A-Za-z0-9_.]+) \*/")


def named_sql(qualified_name: str, sql: str) -> str:
    """`sql` with its query name as a comment right after the first keyword (`select /* catalog:
    bookstore.books_page */ ...`): pg_stat_statements keeps a statement's text from its first keyword
    (a leading comment is dropped) and pg_stat_activity cuts it at 1 kB (a trailing one is lost). Fixed
    per query, so asyncpg's statement cache and the server's plans are unaffected (docs/operating.md)."""
    comment = f"/* catalog: {qualified_name} */"
    keyword = _FIRST_KEYWORD.match(sql)
    if keyword is None:
        return f"{comment} {sql}"
    return f"{keyword.group()} {comment}{sql[keyword.end() :]}"


def query_name(sql: str) -> str | None:
    """The query name named_sql put at the head of a statement's text, or None for a statement not ours."""
    found = _NAMED.match(sql)
    return found.group(1) if found else None


def affected_rows(status: str) -> int:
    """The row count in a command status ("INSERT 0 3", "UPDATE 1", "DELETE 0"); 0 when it has none."""
    count = status.rpartition(" ")[2]
    return int(count) if count.isdigit() else 0


queries: Any = load_queries()
