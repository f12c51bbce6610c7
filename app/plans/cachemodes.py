"""Measuring the plan_cache_mode trade-off: a custom plan per execution versus one generic plan.

asyncpg prepares every statement; under plan_cache_mode = auto PostgreSQL may switch a prepared
statement to a generic plan after five executions. This explains each case once with a custom
plan (planning + execution time) and once through a prepared statement forced to its generic plan.
"""

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import asyncpg

from app.plans.cases import Case
from app.plans.explain import EXPLAIN, rolled_back, run_case
from app.plans.named import NamedQuery
from app.plans.tree import buffers, shape

# Prefixes around the query's own SQL, like explain.EXPLAIN: a prepared statement and its EXECUTE.
PREPARE = "prepare plan_check_generic as "
EXECUTE = "execute plan_check_generic"
DEALLOCATE = "deallocate plan_check_generic"


@dataclass(frozen=True)
class Measurement:
    """One case's custom plan (planning + execution) against its generic plan's execution."""

    query: str
    case: str
    custom_planning_ms: float
    custom_execution_ms: float
    custom_buffers: int
    generic_execution_ms: float
    generic_buffers: int
    same_shape: bool
    error: str | None = None


def literal(value: Any, type_name: str) -> str:
    """A SQL literal for a case parameter (None, bool, number, string or list), cast to its type."""
    if value is None:
        return f"null::{type_name}"
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float, Decimal)):
        text = repr(value) if not isinstance(value, Decimal) else str(value)
    elif isinstance(value, (list, tuple)):
        text = "array[" + ", ".join(literal(v, "text").removesuffix("::text") for v in value) + "]"
    else:
        text = "'" + str(value).replace("'", "''") + "'"
    return f"{text}::{type_name}"


async def generic_run(conn: asyncpg.Connection, query: NamedQuery, args: tuple[Any, ...]) -> dict[str, Any]:
    """EXPLAIN ANALYZE of EXECUTE on a prepared statement (the session forces generic plans)."""
    types = [t.name for t in (await conn.prepare(query.sql)).get_parameters()]
    await conn.execute(PREPARE + query.sql)
    try:
        values = ", ".join(literal(v, t) for v, t in zip(args, types))
        execute = f"{EXECUTE}({values})" if args else EXECUTE
        for _ in range(2):  # warm-up, then the measured run
            explained = await rolled_back(conn, EXPLAIN + execute, ())
    finally:
        await conn.execute(DEALLOCATE)
    document = explained[0][0]
    plan: dict[str, Any] = (json.loads(document) if isinstance(document, str) else document)[0]
    return plan


async def measure(
    custom: asyncpg.Connection, generic: asyncpg.Connection, query: NamedQuery, case: Case
) -> Measurement:
    """The same case under force_custom_plan (`custom`) and force_generic_plan (`generic`)."""
    run = await run_case(custom, query, case)
    if run.error or run.explain is None:
        return Measurement(query.fqn, case.name, 0, 0, 0, 0, 0, False, run.error)
    try:
        plan = await generic_run(generic, query, run.args)
    except asyncpg.PostgresError as exc:
        return Measurement(query.fqn, case.name, 0, 0, 0, 0, 0, False, f"generic plan: {exc}")
    return Measurement(
        query=query.fqn,
        case=case.name,
        custom_planning_ms=run.planning_ms,
        custom_execution_ms=run.execution_ms,
        custom_buffers=buffers(run.plan),
        generic_execution_ms=float(plan.get("Execution Time", 0.0)),
        generic_buffers=buffers(plan["Plan"]),
        same_shape=shape(plan["Plan"]) == shape(run.plan),
    )
