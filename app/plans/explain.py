"""Running one plan case: parameters resolved, a warm-up run that yields the result, then EXPLAIN."""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import asyncpg

from app.core import sql as core_sql
from app.plans.cases import Case, SqlParam
from app.plans.named import NamedQuery

# A prefix wrapped around a query's own SQL: with cachemodes.PREPARE, the only SQL text in app/plans/
EXPLAIN = "explain (analyze, buffers, verbose, format json) "


@dataclass(frozen=True)
class CaseRun:
    """What one case produced: the plan JSON, the result's size and hash, or the error it raised."""

    case: Case
    args: tuple[Any, ...]
    explain: dict[str, Any] | None
    rows: int
    result_hash: str
    error: str | None = None

    @property
    def plan(self) -> dict[str, Any]:
        return self.explain["Plan"] if self.explain else {}

    @property
    def execution_ms(self) -> float:
        return float(self.explain.get("Execution Time", 0.0)) if self.explain else 0.0

    @property
    def planning_ms(self) -> float:
        return float(self.explain.get("Planning Time", 0.0)) if self.explain else 0.0


async def connect(url: str, session: dict[str, str]) -> asyncpg.Connection:
    """A checking session with the app's settings plus the pinned planner settings."""
    return await asyncpg.connect(url, server_settings=session)


async def read_settings(conn: asyncpg.Connection, names: list[str]) -> dict[str, str]:
    """The values the server reports for `names` in this session (proof they were applied)."""
    found = await core_sql.current_settings(conn, setting_names=names)
    return {row["setting_name"]: row["setting_value"] for row in found}


def result_hash(records: list[asyncpg.Record]) -> str:
    """sha256 of the rows in order (values as JSON, non-JSON types as text)."""
    payload = json.dumps([list(r.values()) for r in records], default=str, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


async def resolve_args(conn: asyncpg.Connection, query: NamedQuery, case: Case) -> tuple[Any, ...]:
    """Parameter values in $1..$n order: literals as given, `{ sql = ... }` evaluated, missing ones NULL."""
    values = []
    for name in query.params:
        value = case.params.get(name)
        if isinstance(value, SqlParam):
            value = await conn.fetchval(value.sql)
        values.append(value)
    return tuple(values)


async def rolled_back(conn: asyncpg.Connection, statement: str, args: tuple[Any, ...]) -> list[asyncpg.Record]:
    """Run in a transaction that is rolled back, then put every sequence back where it was."""
    positions = await core_sql.sequence_positions(conn)
    tx = conn.transaction()
    await tx.start()
    try:
        return await conn.fetch(statement, *args)
    finally:
        await tx.rollback()
        for p in positions:
            await core_sql.restore_sequence(
                conn, sequence_name=p["sequence_name"], last_value=p["last_value"], start_value=p["start_value"]
            )


async def run_case(conn: asyncpg.Connection, query: NamedQuery, case: Case) -> CaseRun:
    """Warm-up execution (its rows are the result checked), then EXPLAIN ANALYZE of a second one."""
    args: tuple[Any, ...] = ()
    try:
        args = await resolve_args(conn, query, case)
        records = await rolled_back(conn, query.sql, args)
        explained = await rolled_back(conn, EXPLAIN + query.sql, args)
    except (asyncpg.PostgresError, asyncpg.InterfaceError, ValueError, TypeError) as exc:
        return CaseRun(case=case, args=args, explain=None, rows=0, result_hash="", error=f"{type(exc).__name__}: {exc}")
    document = explained[0][0]
    plan = (json.loads(document) if isinstance(document, str) else document)[0]
    return CaseRun(case=case, args=args, explain=plan, rows=len(records), result_hash=result_hash(records))
