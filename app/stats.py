"""`catalog stats [--format text|markdown|json] [--reset]`: production figures of each named query
(pg_stat_statements of the app's database) beside the buffers its plan cases allow (docs/operating.md).

A statement is ours when its text carries a query name (app/queries.py named_sql). A named query is
over budget when its shared buffers per call (hit + read) exceed the most any of its plan cases may
read: each case's max_buffers, or its baseline x tolerance + slack (the `buffers-budget` and
`buffers-baseline` rules), whichever is lower. Exit status: 0, 1 when a query is over budget, 2 when
the statistics cannot be read (with what to do).
"""

import json
import sys
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg

from app.core import sql
from app.database_admin import resolve_database_url
from app.plans import baseline as baselines
from app.plans.cases import load_cases
from app.plans.config import CheckConfig, Thresholds
from app.plans.named import load_named_queries
from app.queries import query_name
from app.settings import ROOT, Settings

ENABLE = (
    "add `shared_preload_libraries = 'pg_stat_statements'` to postgresql.conf (or the managed service's "
    "parameter group), restart the server, then run `catalog migrate` as a superuser or run "
    "`create extension pg_stat_statements` in the app's database"
)
NOT_OURS_SHOWN = 10  # statements without a query name, most total time first
MIN_CALLS = 10  # fewer calls are not judged: the first rows written to a new table cost far more buffers
CHECKED = Thresholds()  # the plan checker's tolerance and slack (app/plans/config.py)


class StatsError(Exception):
    """The statistics cannot be read or reset; the message says why and what to do."""


@dataclass(frozen=True)
class Budget:
    """The most shared buffers a query's checked plan cases may read, and from how many cases."""

    buffers: int | None
    cases: int
    skipped: str | None = None


@dataclass
class Figures:
    """pg_stat_statements' figures summed over a query's entries (one per user and query id)."""

    calls: int = 0
    total_ms: float = 0.0
    rows: int = 0
    hit: int = 0
    read: int = 0

    def add(self, row: sql.StatementStatisticsRow) -> None:
        self.calls += row["calls"] or 0
        self.total_ms += row["total_exec_time"] or 0.0
        self.rows += row["rows"] or 0
        self.hit += row["shared_blks_hit"] or 0
        self.read += row["shared_blks_read"] or 0

    def per_call(self, value: float) -> float:
        return value / self.calls if self.calls else 0.0


@dataclass
class QueryLine:
    """One named query: its production figures per call beside its plan budget, and the verdict."""

    query: str
    file: str | None
    calls: int
    total_ms: float
    mean_ms: float
    rows_per_call: float
    hit_per_call: float
    read_per_call: float
    buffers_per_call: float
    budget: int | None
    cases: int
    verdict: str  # "over budget", "ok", "few calls", "no budget" (skipped or no case), "unknown" (not in queries/)


@dataclass
class OtherLine:
    """A statement without a query name: not sent through the named queries."""

    text: str
    calls: int
    total_ms: float
    mean_ms: float
    buffers_per_call: float


@dataclass
class Report:
    database: str
    server_version: str
    since: str | None
    queries: list[QueryLine] = field(default_factory=list)
    others: list[OtherLine] = field(default_factory=list)
    others_total: int = 0
    hidden: int = 0  # texts pg_stat_statements hides from this user ("<insufficient privilege>")

    @property
    def over_budget(self) -> list[QueryLine]:
        return [q for q in self.queries if q.verdict == "over budget"]


def budgets(queries_dir: Path, thresholds: Thresholds = CHECKED) -> dict[str, tuple[Budget, str]]:
    """Each named query's buffer budget from its plan cases and baselines, and its file (relative to the repo)."""
    named = load_named_queries(queries_dir)
    book = load_cases(named)
    config = CheckConfig(queries_dir=queries_dir, schema_dir=queries_dir, reports_dir=queries_dir)
    found: dict[str, tuple[Budget, str]] = {}
    for fqn, query in named.items():
        try:
            file = str(query.source.relative_to(ROOT))
        except ValueError:
            file = str(query.source)
        entry = book.queries.get(fqn)
        if entry is None or entry.skip:
            found[fqn] = (Budget(None, 0, entry.skip if entry else None), file)
            continue
        allowed: list[int] = []
        for case in entry.cases:
            limits = [case.max_buffers] if case.max_buffers is not None else []
            known = baselines.read(baselines.baseline_path(config.baseline_dir(query.namespace), query.name, case.name))
            if known is not None:
                limits.append(int(known.buffers * thresholds.buffer_tolerance + thresholds.buffer_slack))
            if limits:
                allowed.append(min(limits))
        found[fqn] = (Budget(max(allowed) if allowed else None, len(entry.cases)), file)
    return found


def build(
    rows: list[sql.StatementStatisticsRow],
    known: dict[str, tuple[Budget, str]],
    report: Report,
    min_calls: int = MIN_CALLS,
) -> Report:
    """Sum the rows by query name and hold each named query with at least `min_calls` calls to its budget."""
    named: dict[str, Figures] = {}
    others: dict[str, Figures] = {}
    for row in rows:
        text = row["query"] or ""
        if text == "<insufficient privilege>":
            report.hidden += 1
            continue
        name = query_name(text)
        if name is None:
            others.setdefault(" ".join(text.split()), Figures()).add(row)
        else:
            named.setdefault(name, Figures()).add(row)
    for name, figures in named.items():
        budget, file = known.get(name, (None, None))
        per_call = figures.per_call(figures.hit + figures.read)
        if budget is None:
            verdict = "unknown"
        elif budget.buffers is None:
            verdict = "no budget"
        elif figures.calls < min_calls:
            verdict = "few calls"
        else:
            verdict = "over budget" if per_call > budget.buffers else "ok"
        report.queries.append(
            QueryLine(
                query=name,
                file=file,
                calls=figures.calls,
                total_ms=figures.total_ms,
                mean_ms=figures.per_call(figures.total_ms),
                rows_per_call=figures.per_call(figures.rows),
                hit_per_call=figures.per_call(figures.hit),
                read_per_call=figures.per_call(figures.read),
                buffers_per_call=per_call,
                budget=budget.buffers if budget else None,
                cases=budget.cases if budget else 0,
                verdict=verdict,
            )
        )
    report.queries.sort(key=lambda q: (q.verdict != "over budget", -q.total_ms))
    ranked = sorted(others.items(), key=lambda item: -item[1].total_ms)
    report.others_total = len(ranked)
    report.others = [
        OtherLine(
            text=text,
            calls=f.calls,
            total_ms=f.total_ms,
            mean_ms=f.per_call(f.total_ms),
            buffers_per_call=f.per_call(f.hit + f.read),
        )
        for text, f in ranked[:NOT_OURS_SHOWN]
    ]
    return report


async def collect(
    conn: asyncpg.Connection, queries_dir: Path, reset: bool = False, min_calls: int = MIN_CALLS
) -> Report:
    """Read (and with `reset`, then reset) this database's pg_stat_statements; StatsError when it cannot."""
    found = await sql.statement_statistics_schema(conn)
    assert found is not None  # one row, always
    database, schema = found["database_name"], found["schema_name"]
    if schema is None:
        raise StatsError(f"pg_stat_statements is not installed in database {database}: {ENABLE}")
    await sql.statement_statistics_search_path(conn, schema_name=schema)
    try:
        rows = await sql.statement_statistics(conn)
        since = await sql.statement_statistics_since(conn)
    except asyncpg.ObjectNotInPrerequisiteStateError as exc:
        raise StatsError(f"pg_stat_statements is installed but not loaded ({exc}): {ENABLE}") from exc
    except asyncpg.InsufficientPrivilegeError as exc:
        raise StatsError(f"cannot read pg_stat_statements ({exc}): grant pg_read_all_stats to this user") from exc
    version = conn.get_server_version()
    report = Report(database=database, server_version=f"{version.major}.{version.minor}", since=_iso(since))
    build(rows, budgets(queries_dir), report, min_calls)
    if reset:
        try:
            await sql.reset_statement_statistics(conn)
        except asyncpg.InsufficientPrivilegeError as exc:
            raise StatsError(
                f"cannot reset pg_stat_statements ({exc}): a superuser may "
                "`grant execute on function pg_stat_statements_reset to <this user>`"
            ) from exc
    return report


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


# --- output ------------------------------------------------------------------------------------------


HEADINGS = ["query", "calls", "total ms", "mean ms", "rows/call", "hit/call", "read/call", "budget", "verdict"]


def _cells(q: QueryLine) -> list[str]:
    budget = f"{q.budget:,}" if q.budget is not None else "-"
    return [
        q.query,
        f"{q.calls:,}",
        f"{q.total_ms:,.1f}",
        f"{q.mean_ms:,.3f}",
        f"{q.rows_per_call:,.1f}",
        f"{q.hit_per_call:,.1f}",
        f"{q.read_per_call:,.1f}",
        budget,
        q.verdict,
    ]


def summary(report: Report) -> str:
    over = report.over_budget
    verdict = f"{len(over)} over budget" if over else "every named query within its plan budget"
    return (
        f"stats: {verdict}: {len(report.queries)} named queries, {report.others_total} statements not ours, "
        f"database {report.database}, since {report.since or 'the server started'}"
    )


def text(report: Report) -> str:
    """A console table (over-budget queries first, then by total time), the statements not ours, a summary."""
    table = [HEADINGS] + [_cells(q) for q in report.queries]
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADINGS))]
    lines = [
        "  ".join(cell.ljust(w) if i in (0, 8) else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
        for row in table
    ]
    for q in report.over_budget:
        lines.append(
            f"OVER {q.query} ({q.file}): {q.buffers_per_call:,.1f} buffers per call in production, "
            f"its {q.cases} plan case(s) allow at most {q.budget:,}: add a plan case with production's values"
        )
    if report.others:
        lines += ["", f"not ours ({report.others_total} statements without a query name; most total time first):"]
        lines += [f"  {o.calls:>8,} calls {o.total_ms:>10,.1f} ms  {_short(o.text)}" for o in report.others]
    if report.hidden:
        lines.append(f"hidden: {report.hidden} statements of other users (grant pg_read_all_stats to see them)")
    lines += ["", summary(report)]
    return "\n".join(lines)


def markdown(report: Report) -> str:
    """The report for a ticket or a CI summary, in the plan reports' shape."""
    out = ["# Query statistics", "", f"**{summary(report)}**", ""]
    for q in report.over_budget:
        out.append(
            f"- **over budget** `{q.query}` (`{q.file}`): {q.buffers_per_call:,.1f} buffers per call, "
            f"plan cases allow {q.budget:,}"
        )
    out += ["", "## Named queries", "", "| " + " | ".join(HEADINGS) + " | file |", "|---" * (len(HEADINGS) + 1) + "|"]
    for q in report.queries:
        out.append("| " + " | ".join(_md(c) for c in _cells(q)) + f" | `{q.file or '-'}` |")
    out += ["", "## Not ours", "", f"{report.others_total} statements without a query name, most total time first:"]
    out += ["", "| calls | total ms | mean ms | buffers/call | statement |", "|---:|---:|---:|---:|---|"]
    for o in report.others:
        out.append(
            f"| {o.calls:,} | {o.total_ms:,.1f} | {o.mean_ms:,.3f} | {o.buffers_per_call:,.1f} | `{_md(_short(o.text))}` |"
        )
    out += ["", "## Settings", "", f"- database: `{report.database}` (PostgreSQL {report.server_version})"]
    out.append(f"- statistics since: {report.since or 'the server started'}")
    return "\n".join(out) + "\n"


def as_json(report: Report) -> str:
    data: dict[str, Any] = asdict(report)
    data["summary"] = summary(report)
    return json.dumps(data, indent=2) + "\n"


def _short(text: str, width: int = 100) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


async def command(settings: Settings, output: str, reset: bool, min_calls: int = MIN_CALLS) -> int:
    """`catalog stats`: print the report in `output` format; exit 1 when a query is over budget, 2 on an error."""
    try:
        url = await resolve_database_url(settings)
        conn = await asyncpg.connect(url, timeout=settings.connect_timeout)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        print(f"catalog stats: cannot connect to the app's database: {exc}", file=sys.stderr)
        return 2
    try:
        report = await collect(conn, settings.queries_dir, reset, min_calls)
    except StatsError as exc:
        print(f"catalog stats: {exc}", file=sys.stderr)
        return 2
    finally:
        await conn.close()
    print({"text": text, "markdown": markdown, "json": as_json}[output](report), end="" if output != "text" else "\n")
    if reset:
        print(f"catalog stats: statistics of database {report.database} reset", file=sys.stderr)
    return 1 if report.over_budget else 0
