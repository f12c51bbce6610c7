"""What the generated code in app/<folder>/sql.py needs to run the named queries under queries/.

Each folder is loaded once (app/named_queries.py: aiosql with our parameter scanner, `:name` -> `$n`);
the typed functions send that SQL through asyncpg's own statement cache, passing the parameters in
the order they were numbered. `statement()` checks that order, and create_app() checks every query
through check_all(), so a `.sql` file edited without regenerating stops the app at start-up, naming it.
"""

import re
from contextlib import AbstractAsyncContextManager
from functools import cache, cached_property
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol

import asyncpg

from app.named_queries import Loaded, load_folder
from app.settings import ROOT

QUERIES_DIR = ROOT / "queries"

JsonValue = dict[str, "JsonValue"] | list["JsonValue"] | str | int | float | bool | None
"""A json or jsonb value as the app's connections encode and decode it (app/database.py)."""


Isolation = Literal["read_committed", "read_uncommitted", "serializable", "repeatable_read"]


class Connection(Protocol):
    """The app's one connection type: asyncpg's, a pool's proxy of one, or a request's routed one
    (app/routing.py); what the generated functions and the handlers use of it."""

    async def fetch(self, query: str, *args: object, timeout: float | None = ...) -> list[asyncpg.Record]: ...

    async def fetchrow(self, query: str, *args: object, timeout: float | None = ...) -> asyncpg.Record | None: ...

    async def fetchval(self, query: str, *args: object, column: int = ..., timeout: float | None = ...) -> Any: ...

    async def execute(self, query: str, *args: object, timeout: float | None = ...) -> str: ...

    def transaction(
        self, *, isolation: Isolation | None = ..., readonly: bool = ..., deferrable: bool = ...
    ) -> AbstractAsyncContextManager[object]: ...


class StaleQueryCode(RuntimeError):
    """The generated code no longer matches a `.sql` file: run `scripts/codegen`."""


OWN_QUERIES = QUERIES_DIR
"""Where bound() reads: this checkout's queries/ always (QUERIES_DIR may be pointed elsewhere in tests)."""


@cache
def _folder(folder: Path) -> Loaded:
    """One folder of queries (queries/<namespace>/), each file loaded on its own, once per process."""
    return load_folder(folder, root=ROOT)


def statement(namespace: str, name: str, params: tuple[str, ...]) -> str:
    """The SQL text of `namespace.name` with $1..$n, headed by its name (named_sql); StaleQueryCode unless
    $1..$n are `params` in order."""
    loaded = _folder(QUERIES_DIR / namespace)
    query = loaded.queries.get(f"{namespace}.{name}")
    if query is None:
        why = [str(p) for p in loaded.problems if p.query == name]
        raise StaleQueryCode(
            why[0] if why else f"query {namespace}.{name} is no longer in queries/{namespace}/: run scripts/codegen"
        )
    if query.numbered != params:
        raise StaleQueryCode(
            f"query {namespace}.{name} now takes {query.numbered}, the generated code passes {params}: run scripts/codegen"
        )
    return named_sql(f"{namespace}.{name}", query.sql)


class CallMismatch(RuntimeError):
    """A query run by name (bound()) is missing or takes other parameters than its caller passes."""


def bound(namespace: str, name: str, /, **params: object) -> tuple[str, list[object]]:
    """The SQL of `namespace.name` ($1..$n, headed by its name) and `params` in $n order, for a caller that
    must not need generated code (the migrator and codegen: codegen rebuilds what they would import).
    CallMismatch, naming the query's FILE:LINE, when the query is missing or its parameters differ."""
    loaded = _folder(OWN_QUERIES / namespace)
    query = loaded.queries.get(f"{namespace}.{name}")
    if query is None:
        why = [str(p) for p in loaded.problems if p.query == name]
        raise CallMismatch(
            why[0]
            if why
            else f"queries/{namespace}/: no query named {name}"
            " (hint: it is run by name from app/; rename it back, or rename the call too)"
        )
    if set(query.numbered) != set(params):
        raise CallMismatch(
            str(query.problem(
                f"takes {', '.join(query.numbered) or 'no parameters'}, its caller passes {', '.join(params) or 'none'}",
                "it is run by name, not through generated code: rename the caller's arguments to match",
            ))
        )  # fmt: skip
    return named_sql(query.fqn, query.sql), [params[p] for p in query.numbered]


class ByName:
    """The queries of one folder run by name with keyword arguments (bound()), for the code that
    `catalog codegen` itself runs on (it must not import the module it rewrites)."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace

    async def fetch(self, conn: Connection, name: str, /, **params: object) -> list[asyncpg.Record]:
        sql, args = bound(self.namespace, name, **params)
        return await conn.fetch(sql, *args)

    async def fetchrow(self, conn: Connection, name: str, /, **params: object) -> asyncpg.Record | None:
        sql, args = bound(self.namespace, name, **params)
        return await conn.fetchrow(sql, *args)

    async def fetchval(self, conn: Connection, name: str, /, **params: object) -> Any:
        sql, args = bound(self.namespace, name, **params)
        return await conn.fetchval(sql, *args)

    async def execute(self, conn: Connection, name: str, /, **params: object) -> str:
        sql, args = bound(self.namespace, name, **params)
        return await conn.execute(sql, *args)


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


class Statement:
    """A named query as generated code holds it: its SQL is looked up and checked on first use, so
    importing a stale module never fails (`catalog codegen` can always replace it); see check_all()."""

    created: ClassVar[list["Statement"]] = []

    def __init__(self, namespace: str, name: str, params: tuple[str, ...]) -> None:
        self.namespace, self.name, self.params = namespace, name, params
        Statement.created.append(self)

    @cached_property
    def sql(self) -> str:
        return statement(self.namespace, self.name, self.params)


def check_all() -> None:
    """Look up every Statement imported so far; one StaleQueryCode naming each stale query (app start-up)."""
    stale = []
    for held in Statement.created:
        try:
            _ = held.sql
        except StaleQueryCode as exc:
            stale.append(str(exc))
    if stale:
        raise StaleQueryCode("\n".join(stale))


def affected_rows(status: str) -> int:
    """The row count in a command status ("INSERT 0 3", "UPDATE 1", "DELETE 0"); 0 when it has none."""
    count = status.rpartition(" ")[2]
    return int(count) if count.isdigit() else 0
