"""`catalog codegen [--check]`: prepare every named query on a freshly migrated database and write
app/<folder>/sql.py for each queries/<folder>/; with --check, only say which files are stale."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from aiosql.types import SQLOperationType

from app.codegen import analyze
from app.codegen.describe import Description, PgType, PrepareError, describe, load_catalog, load_types
from app.codegen.nullability import Catalog
from app.codegen.render import Field, TypedQuery, render_module
from app.codegen.sources import SourceQuery, load_sources

WITH_ROWS = {
    SQLOperationType.SELECT,
    SQLOperationType.SELECT_ONE,
    SQLOperationType.SELECT_VALUE,
    SQLOperationType.INSERT_RETURNING,
}


@dataclass
class Outcome:
    """What a run found: modules by path, and the queries that failed with PostgreSQL's words."""

    modules: dict[Path, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def module_path(app_dir: Path, namespace: str) -> Path:
    """Where the typed code of queries/<namespace>/ goes: app/<namespace>/sql.py."""
    return app_dir / namespace / "sql.py"


def _typed(
    conn: psycopg.Connection[Any],
    query: SourceQuery,
    types: dict[int, PgType],
    catalog: Catalog,
    folder: dict[str, SourceQuery],
) -> TypedQuery:
    notes = analyze.annotations(query.doc)
    if query.operation == SQLOperationType.SCRIPT:  # several statements: nothing to prepare, nothing to type
        return TypedQuery(source=query, params=(), columns=(), one_row=False)
    for needed in notes.requires:
        if needed not in folder:
            raise PrepareError(f"`requires:` names {needed}, which is not a query of queries/{query.namespace}/")
        conn.execute(folder[needed].sql)
    description: Description = describe(conn, query.sql, analyze=True)
    if query.operation in WITH_ROWS and not description.columns:
        raise PrepareError("its suffix expects rows but the statement returns none (drop the suffix or add `returning`)")
    if query.operation == SQLOperationType.SELECT_VALUE and len(description.columns) != 1:
        raise PrepareError(f"`$` returns one value but the statement returns {len(description.columns)} columns")
    names = [c.name for c in description.columns]
    bad = sorted({n for n in names if names.count(n) > 1 or not n or n == "?column?"})
    if bad:
        raise PrepareError(f"result columns need distinct names (alias them with `as`): {', '.join(bad)}")
    unknown = notes.not_null - set(names)
    if unknown:
        raise PrepareError(f"`not null:` names columns the query does not return: {', '.join(sorted(unknown))}")
    signature = query.signature or query.numbered
    unknown = notes.nullable - set(signature)
    if unknown:
        raise PrepareError(f"`nullable:` names parameters the query does not take: {', '.join(sorted(unknown))}")
    by_number = dict(zip(query.numbered, description.param_oids))
    inferred = analyze.infer(catalog, description)
    optional = notes.nullable | {name for n, name in enumerate(query.numbered, 1) if n in inferred.nullable_params}
    params = tuple(
        Field(name, analyze.python_type(by_number.get(name, 0), types, param=True), name in optional)
        for name in signature
    )
    columns = tuple(
        Field(
            column.name,
            analyze.python_type(column.type_oid, types),
            not (proven or column.name in notes.not_null),
        )
        for column, proven in zip(description.columns, inferred.not_null)
    )
    return TypedQuery(source=query, params=params, columns=columns, one_row=inferred.one_row)


def generate(url: str, queries_dir: Path, app_dir: Path, root: Path) -> Outcome:
    """Describe every named query on the database at `url` and render one module per folder."""
    outcome = Outcome()
    sources = load_sources(queries_dir, root)
    with psycopg.connect(url, autocommit=True) as conn:
        types = load_types(conn)
        catalog = load_catalog(conn)
        for namespace, found in sources.items():
            typed = []
            folder = {query.name: query for query in found}
            for query in found:
                try:
                    typed.append(_typed(conn, query, types, catalog, folder))
                except PrepareError as exc:
                    outcome.failures.append(f"{query.where}: {query.fqn}: {exc}")
            outcome.modules[module_path(app_dir, namespace)] = render_module(namespace, typed)
    return outcome


def stale(outcome: Outcome) -> list[Path]:
    """Generated files whose content differs from what the SQL and schema now give."""
    return [path for path, text in outcome.modules.items() if not path.exists() or path.read_text() != text]


def write(outcome: Outcome) -> list[Path]:
    """Write the stale modules (a package __init__ too where the folder has none); returns them."""
    changed = stale(outcome)
    for path in changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        init = path.parent / "__init__.py"
        if not init.exists():
            init.write_text(f'"""Generated typed queries of queries/{path.parent.name}/ (see sql.py)."""\n')
        path.write_text(outcome.modules[path])
    return changed
