"""`catalog codegen [--check]`: prepare every named query on a freshly migrated database and write
app/<folder>/sql.py for each queries/<folder>/; with --check, only say which files are stale."""

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import psycopg
from aiosql.types import SQLOperationType

from app.codegen import analyze
from app.codegen.describe import Description, PgType, PrepareError, describe, load_catalog, load_types, table_rows
from app.codegen.nullability import Catalog
from app.codegen.render import Field, TypedQuery, render_module
from app.named_queries import NamedQuery, load_tree

ROW_TYPED = {SQLOperationType.SELECT, SQLOperationType.SELECT_ONE, SQLOperationType.INSERT_RETURNING}
"""Suffixes whose rows reach Python as dicts, so their columns need distinct names; `$` and `!` ignore names."""
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
    failed_modules: set[Path] = field(default_factory=set)


def module_path(app_dir: Path, namespace: str) -> Path:
    """Where the typed code of queries/<namespace>/ goes: app/<namespace>/sql.py."""
    return app_dir / namespace / "sql.py"


def _typed(
    conn: psycopg.Connection[Any],
    query: NamedQuery,
    types: dict[int, PgType],
    catalog: Catalog,
    folder: dict[str, NamedQuery],
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
        raise PrepareError(
            "its suffix expects rows but the statement returns none (drop the suffix or add `returning`)"
        )
    if query.operation == SQLOperationType.SELECT_VALUE and len(description.columns) != 1:
        raise PrepareError(f"`$` returns one value but the statement returns {len(description.columns)} columns")
    names = [c.name for c in description.columns]
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
            analyze.python_type(column.type_oid, types, null_elements=not (elements or column.name in notes.not_null)),
            not (proven or column.name in notes.not_null),
        )
        for column, proven, elements in zip(description.columns, inferred.not_null, inferred.elements_not_null)
    )
    keys = column_names(names) if query.operation in ROW_TYPED else names
    table, whole = _table_of(conn, description) if query.operation in ROW_TYPED else (None, False)
    return TypedQuery(
        source=query,
        params=params,
        columns=tuple(replace(c, name=key) for c, key in zip(columns, keys)),
        one_row=inferred.one_row,
        table=table,
        whole_row=whole,
        renamed=keys != names,
    )


def _table_of(conn: psycopg.Connection[Any], description: Description) -> tuple[str | None, bool]:
    """The one table every column comes from (or None), and whether they are its whole row in order."""
    oids = {c.table_oid for c in description.columns}
    if len(oids) != 1 or 0 in oids:
        return None, False
    (oid,) = oids
    name, numbers = table_rows(conn, oids).get(oid, ("", ()))
    return name or None, numbers == tuple(c.attnum for c in description.columns)


def column_names(names: list[str]) -> list[str]:
    """Distinct keys for a row: a column without a name is `column_N` (N its position from 1); a
    name seen before gets `_2`, `_3`, ... (`id`, `id_2`); an `as` alias in the SQL chooses another."""
    out: list[str] = []
    for position, name in enumerate(names, start=1):
        key = name if name and name != "?column?" else f"column_{position}"
        if key in out:
            key = next(
                f"{key}_{k}" for k in range(2, len(names) + 2) if f"{key}_{k}" not in out and f"{key}_{k}" not in names
            )
        out.append(key)
    return out


def generate(url: str, queries_dir: Path, app_dir: Path, root: Path) -> Outcome:
    """Describe every named query on the database at `url` and render one module per folder."""
    outcome = Outcome()
    loaded = load_tree(queries_dir, root)
    outcome.failures += [str(problem) for problem in loaded.problems]
    outcome.failed_modules |= {module_path(app_dir, problem.path.parent.name) for problem in loaded.problems}
    namespaces = sorted(p.name for p in queries_dir.iterdir() if p.is_dir() and any(p.glob("*.sql")))
    with psycopg.connect(url, autocommit=True) as conn:
        types = load_types(conn)
        catalog = load_catalog(conn)
        for namespace in namespaces:
            typed = []
            found = loaded.namespace(namespace)
            folder = {query.name: query for query in found}
            for query in found:
                try:
                    typed.append(_typed(conn, query, types, catalog, folder))
                except PrepareError as exc:
                    outcome.failures.append(str(query.problem(str(exc), exc.hint, exc.position)))
                    outcome.failed_modules.add(module_path(app_dir, namespace))
            outcome.modules[module_path(app_dir, namespace)] = render_module(namespace, typed)
    return outcome


def stale(outcome: Outcome) -> list[Path]:
    """Generated files whose content differs from what the SQL and schema now give, except those of folders
    with a failed query (their code cannot match until the query prepares)."""
    return [
        path
        for path, text in outcome.modules.items()
        if path not in outcome.failed_modules and (not path.exists() or path.read_text() != text)
    ]


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
