"""Index impact: which plan cases use each index, which indexes no case uses, and which indexes the
baselines relied on that a migration dropped or renamed (`catalog plans indexes`, the check's summary).

The answer comes from the committed baselines (queries/<namespace>/plans/*.txt), so it needs no
checking database; the list of indexes comes from pg_catalog on a database migrated from schema/.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from app.core import sql as core_sql
from app.plans import baseline as baselines

USING = re.compile(r"\busing (?P<index>\S+)(?: on (?P<table>\S+))?")
SYSTEM_SCHEMAS = ("pg_catalog.", "information_schema.", "pg_toast.")
ON_TABLE = re.compile(r"\bon (?P<schema>[A-Za-z_][\w$]*)\.[A-Za-z_][\w$]*")


@dataclass(frozen=True)
class IndexInfo:
    """One index as pg_catalog describes it."""

    schema_name: str
    index_name: str
    table_name: str
    is_unique: bool
    is_primary: bool
    is_valid: bool
    size_bytes: int
    definition: str

    @property
    def qualified(self) -> str:
        return f"{self.schema_name}.{self.index_name}"


def indexes_in_shape(shape: tuple[str, ...], default_schema: str) -> set[str]:
    """schema.index of every index a baseline's plan shape uses.

    A scan line names its table (`Index Scan using x on bookstore.books`); a Bitmap Index Scan
    does not, so its schema is taken from the nearest enclosing node that names a table.
    """
    found = set()
    for number, line in enumerate(shape):
        match = USING.search(line)
        if not match:
            continue
        schema = match["table"].split(".")[0] if match["table"] and "." in match["table"] else None
        if schema is None:
            depth = len(line) - len(line.lstrip())
            for above in reversed(shape[:number]):
                above_depth = len(above) - len(above.lstrip())
                table = ON_TABLE.search(above)
                if above_depth < depth and table:
                    schema = table["schema"]
                    break
                depth = min(depth, above_depth)
        found.add(f"{schema or default_schema}.{match['index']}")
    return found


def index_use(queries_dir: Path) -> dict[str, list[str]]:
    """schema.index -> the `query [case]` labels whose baselines use it, from every baseline file."""
    use: dict[str, list[str]] = {}
    for path in sorted(queries_dir.glob("*/plans/*.txt")):
        try:
            known = baselines.parse(path.read_text())
        except ValueError:
            continue
        namespace = path.parent.parent.name
        for index in indexes_in_shape(known.shape, namespace):
            use.setdefault(index, []).append(f"{known.query} [{known.case}]")
    return use


def gone(use: dict[str, list[str]], existing: set[str]) -> dict[str, list[str]]:
    """Indexes the baselines used that the database no longer has, with the cases that used them."""
    return {
        index: cases
        for index, cases in sorted(use.items())
        if index not in existing and not index.startswith(SYSTEM_SCHEMAS)
    }


async def database_indexes(conn: asyncpg.Connection) -> list[IndexInfo]:
    return [IndexInfo(**r) for r in await core_sql.index_list(conn)]


def render(indexes: list[IndexInfo], use: dict[str, list[str]], pattern: str | None = None) -> str:
    """Every index with the cases whose plans use it; then the unused; then baselines' vanished indexes."""
    lines = []
    listed = [i for i in indexes if pattern is None or re.search(pattern, i.qualified)]
    used = [i for i in listed if i.qualified in use]
    unused = [i for i in listed if i.qualified not in use]
    for index in used:
        cases = use[index.qualified]
        lines.append(f"{index.qualified} on {index.table_name}: {len(cases)} case(s)")
        lines += [f"    {case}" for case in cases]
    if unused:
        lines += ["", "Indexes no plan case uses (each costs writes and space; a DBA decides):"]
        for index in unused:
            role = ""
            if index.is_primary or index.is_unique:
                role = " [primary key]" if index.is_primary else " [unique: enforces a constraint]"
            lines.append(f"    {index.qualified} on {index.table_name}{role}")
    vanished = gone(use, {i.qualified for i in indexes})
    if pattern is not None:
        vanished = {k: v for k, v in vanished.items() if re.search(pattern, k)}
    if vanished:
        lines += ["", "Indexes the baselines use that schema/ no longer creates (run `catalog plans update`):"]
        for name, cases in vanished.items():
            lines.append(f"    {name}: {', '.join(cases)}")
    return "\n".join(lines)


def dropped_summary(vanished: dict[str, list[str]]) -> list[str]:
    """Lines naming each vanished index and the queries whose baselines used it (failure summaries)."""
    lines = []
    for index, cases in vanished.items():
        names = sorted({case.split(" [")[0] for case in cases})
        lines.append(f"index {index} no longer exists; baselines of {', '.join(names)} used it ({len(cases)} cases)")
    return lines
