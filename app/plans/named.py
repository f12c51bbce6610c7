"""The named queries of a queries folder as aiosql loads them: SQL with $n, parameter order, kind."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosql
from aiosql.types import SQLOperationType


@dataclass(frozen=True)
class NamedQuery:
    """One `-- name:` query: `namespace.name`, its SQL with $1..$n and the names of $1..$n in order."""

    fqn: str
    sql: str
    params: tuple[str, ...]
    operation: SQLOperationType
    source: Path

    @property
    def namespace(self) -> str:
        return self.fqn.rpartition(".")[0]

    @property
    def name(self) -> str:
        return self.fqn.rpartition(".")[2]

    @property
    def is_script(self) -> bool:
        """A `#` script may hold several statements; EXPLAIN takes one."""
        return self.operation == SQLOperationType.SCRIPT


def load_named_queries(queries_dir: Path) -> dict[str, NamedQuery]:
    """Every named query under `queries_dir`, by fully qualified name."""
    loaded: Any = aiosql.from_path(queries_dir, "asyncpg")
    adapter = loaded.driver_adapter
    found: dict[str, NamedQuery] = {}
    for fqn in loaded.available_queries:
        if fqn.endswith("_cursor"):
            base = fqn.removesuffix("_cursor")
            if base in loaded.available_queries:
                continue
        fn = _lookup(loaded, fqn)
        # aiosql numbers $n in order of first appearance (var_sorted), not the `name(a, b)` order.
        params = tuple(adapter.var_sorted.get(fqn, ()))
        found[fqn] = NamedQuery(
            fqn=fqn,
            sql=fn.sql,
            params=params,
            operation=fn.operation,
            source=Path(fn.__func__.__code__.co_filename),
        )
    return found


def _lookup(loaded: Any, fqn: str) -> Any:
    target = loaded
    for part in fqn.split("."):
        target = getattr(target, part)
    return target
