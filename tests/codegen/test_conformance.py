"""The code generator's conformance suite: every case of conformance_cases.CASES is generated into one module,
its annotations compared with the expected ones, then the query is run on data with NULLs and every value
returned is checked against its annotation (None only where the type is Optional)."""

import ast
import types
import typing
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from ipaddress import IPv4Address, IPv4Interface, IPv4Network, IPv6Address, IPv6Interface, IPv6Network
from pathlib import Path
from typing import Any, Literal
from uuid import UUID

import asyncpg
import psycopg
import pytest

from app.codegen.generate import generate
from app.database import prepare_connection
from app.database_admin import drop_database
from app.named_queries import NamedQuery, load_tree
from app.queries import JsonValue
from tests.codegen.conformance_cases import CASES, VALUE, Case
from tests.codegen.test_codegen import migrated

SCHEMA = Path(__file__).parent / "conformance" / "schema"
DATABASE = "catalog_test_conformance"
NAMES: dict[str, Any] = {
    "int": int, "str": str, "bool": bool, "float": float, "bytes": bytes, "Decimal": Decimal, "date": date,
    "datetime": datetime, "time": time, "timedelta": timedelta, "UUID": UUID, "Literal": Literal,
    "Sequence": Sequence, "JsonValue": JsonValue, "Range": asyncpg.Range, "Record": asyncpg.Record,
    "BitString": asyncpg.BitString, "IPv4Address": IPv4Address, "IPv6Address": IPv6Address,
    "IPv4Interface": IPv4Interface, "IPv6Interface": IPv6Interface, "IPv4Network": IPv4Network,
    "IPv6Network": IPv6Network, "None": None, "list": list,
}  # fmt: skip


@dataclass(frozen=True)
class Generated:
    """One case as `catalog codegen` typed it: result annotations in order, parameter annotations, its SQL."""

    columns: list[tuple[str, str]]
    params: dict[str, str]
    query: NamedQuery


@dataclass(frozen=True)
class Suite:
    url: str
    server_version: int
    generated: dict[str, Generated]


def _query_file(cases: list[Case]) -> str:
    parts = []
    for case in cases:
        params = f"({', '.join(case.params)})"
        header = f"\n{case.header}" if case.header else ""
        parts.append(f"-- name: {case.name}{params}{case.suffix}\n-- A {case.construct} case.{header}{case.sql};\n")
    return "\n".join(parts)


def _typed(source: str) -> tuple[dict[str, list[tuple[str, str]]], dict[str, tuple[dict[str, str], str]]]:
    """Row classes (name -> fields in order) and functions (name -> parameters, return) of a generated module."""
    rows: dict[str, list[tuple[str, str]]] = {}
    functions: dict[str, tuple[dict[str, str], str]] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef):
            rows[node.name] = [
                (item.target.id, ast.unparse(item.annotation))
                for item in node.body
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
            ]
        elif isinstance(node, ast.AsyncFunctionDef):
            params = {a.arg: ast.unparse(a.annotation) for a in node.args.kwonlyargs if a.annotation is not None}
            functions[node.name] = (params, ast.unparse(node.returns) if node.returns else "")
    return rows, functions


@pytest.fixture(scope="module")
async def suite(admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Suite]:
    url = await migrated(admin_url, DATABASE, SCHEMA)
    with psycopg.connect(url) as conn:
        version = conn.info.server_version
    root = tmp_path_factory.mktemp("conformance")
    folder = root / "queries" / "conformance"
    folder.mkdir(parents=True)
    runnable = [case for case in CASES if version >= case.min_version]
    by_construct: dict[str, list[Case]] = {}
    for case in runnable:
        by_construct.setdefault(case.construct, []).append(case)
    for construct, cases in by_construct.items():
        (folder / f"{construct}.sql").write_text(_query_file(cases))
    outcome = generate(url, root / "queries", root / "app", root)
    assert outcome.failures == []
    rows, functions = _typed(outcome.modules[root / "app" / "conformance" / "sql.py"])
    sources = {q.name: q for q in load_tree(root / "queries", root).namespace("conformance")}
    generated = {}
    for case in runnable:
        params, returns = functions[case.name] if case.name in functions else functions[f"{case.name}_"]
        if case.suffix == "$":
            columns = [(VALUE, returns)]
        elif case.suffix == "!":
            columns = []
        else:
            columns = rows[returns.removeprefix("list[").removesuffix("]").removesuffix(" | None")]  # shared per shape
        generated[case.name] = Generated(columns, params, sources[case.name])
    yield Suite(url, version, generated)
    await drop_database(admin_url, DATABASE)


def _resolve(annotation: str) -> Any:
    return eval(annotation, {"__builtins__": {}}, NAMES)  # the generated text, with the names it imports


def fits(value: object, annotation: Any) -> bool:
    """Whether a value asyncpg returned is of the annotated type (unions, Literal, list[...], JsonValue)."""
    if annotation is None or annotation is type(None):
        return value is None
    if isinstance(annotation, typing.ForwardRef):
        return fits(value, NAMES[annotation.__forward_arg__])
    if isinstance(annotation, str):  # JsonValue's recursive `list["JsonValue"]`
        return fits(value, NAMES[annotation])
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(fits(value, arg) for arg in args)
    if origin is Literal:
        return value in args
    if origin is list:
        return isinstance(value, list) and all(fits(item, args[0]) for item in value)
    if origin is dict:
        return isinstance(value, dict) and all(isinstance(k, str) and fits(v, args[1]) for k, v in value.items())
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, annotation)


@pytest.fixture
async def data(suite: Suite) -> AsyncIterator[asyncpg.Connection]:
    """A connection as the app makes them, in a transaction rolled back after the case (writes leave no trace)."""
    conn = await asyncpg.connect(suite.url)
    await prepare_connection(conn)
    transaction = conn.transaction()
    await transaction.start()
    yield conn
    await transaction.rollback()
    await conn.close()


def _ids(case: Case) -> str:
    return f"{case.construct}-{case.name}"


def _skip_unless_server_has(case: Case, suite: Suite) -> None:
    if suite.server_version < case.min_version:
        pytest.skip(f"needs PostgreSQL {case.min_version // 10000}")


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_generated_types(case: Case, suite: Suite) -> None:
    _skip_unless_server_has(case, suite)
    found = suite.generated[case.name]
    assert found.columns == list(case.types.items())
    assert found.params == case.params


@pytest.mark.parametrize("case", CASES, ids=_ids)
async def test_values_fit_generated_types(case: Case, suite: Suite, data: asyncpg.Connection) -> None:
    _skip_unless_server_has(case, suite)
    found = suite.generated[case.name]
    args = [case.args[name] for name in found.query.numbered]
    for name, value in zip(found.query.numbered, args):
        assert fits(value, _resolve(found.params[name])), f"argument {name}={value!r} is no {found.params[name]}"
    if case.suffix == "!":
        await data.execute(found.query.sql, *args)
        return
    if case.suffix == "$":
        rows: list[dict[str, object]] = [{VALUE: await data.fetchval(found.query.sql, *args)}]
    else:
        rows = [dict(r) for r in await data.fetch(found.query.sql, *args)]
    assert rows, "the case's query returned no row: nothing was checked"
    annotations = dict(found.columns)
    for row in rows:
        for column, value in row.items():
            assert fits(value, _resolve(annotations[column])), f"{column}={value!r} is no {annotations[column]}"
    for column in case.nulls:  # the data does hold the NULL the type must admit
        assert any(row[column] is None for row in rows), f"no row has {column} null"
