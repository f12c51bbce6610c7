"""The named queries of a queries/ folder as the code generator needs them: names, parameters, docs, places."""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosql
from aiosql.types import SQLOperationType

NAME_LINE = re.compile(r"^--\s*name:\s*([A-Za-z_][\w]*)")


@dataclass(frozen=True)
class SourceQuery:
    """One `-- name:` query: where it is, its $n SQL and parameter orders, its kind and header."""

    namespace: str
    name: str
    sql: str  # as aiosql hands it to asyncpg, with $1..$n
    text: str  # as written, with :name parameters
    signature: tuple[str, ...]  # the `name(a, b)` order: the generated function's keyword arguments
    numbered: tuple[str, ...]  # the $1..$n order: how the generated function passes them
    operation: SQLOperationType
    doc: str
    path: Path
    line: int

    @property
    def fqn(self) -> str:
        return f"{self.namespace}.{self.name}"

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def _places(folder: Path) -> dict[str, tuple[Path, int, str]]:
    """name -> (file, line of its `-- name:`, text up to the next `-- name:`) for every .sql file in a folder."""
    found: dict[str, tuple[Path, int, str]] = {}
    for path in sorted(folder.glob("*.sql")):
        lines = path.read_text().splitlines()
        starts = [(i, m.group(1)) for i, line in enumerate(lines) if (m := NAME_LINE.match(line))]
        for k, (start, name) in enumerate(starts):
            end = starts[k + 1][0] if k + 1 < len(starts) else len(lines)
            found[name] = (path, start + 1, "\n".join(lines[start:end]))
    return found


def load_sources(queries_dir: Path, root: Path | None = None) -> dict[str, list[SourceQuery]]:
    """Every named query under `queries_dir`, by folder (namespace), in file and line order."""
    loaded: Any = aiosql.from_path(queries_dir, "asyncpg")
    adapter = loaded.driver_adapter
    by_namespace: dict[str, list[SourceQuery]] = {}
    for folder in sorted(p for p in queries_dir.iterdir() if p.is_dir() and any(p.glob("*.sql"))):
        namespace = folder.name
        group = getattr(loaded, namespace)
        found = []
        for name, (path, line, text) in _places(folder).items():
            fn = getattr(group, name)
            shown = path.relative_to(root) if root and path.is_relative_to(root) else path
            found.append(
                SourceQuery(
                    namespace=namespace,
                    name=name,
                    sql=fn.sql,
                    text=text,
                    signature=tuple(fn.parameters or ()),
                    numbered=tuple(adapter.var_sorted.get(f"{namespace}.{name}", ())),
                    operation=fn.operation,
                    doc=fn.__doc__ or "",
                    path=shown,
                    line=line,
                )
            )
        by_namespace[namespace] = sorted(found, key=lambda q: (str(q.path), q.line))
    return by_namespace
