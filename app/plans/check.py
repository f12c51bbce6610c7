"""Running every case of every named query and judging it: the checker's core, without I/O policy."""

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from app.core import sql as core_sql
from app.plans import baseline as baselines
from app.plans.cases import Case, CaseBook, case_file
from app.plans.config import CheckConfig
from app.plans.explain import CaseRun, run_case
from app.plans.named import NamedQuery
from app.plans.rules import (
    Estimate,
    Violation,
    against_baseline,
    budget,
    estimates,
    seq_scans,
    spills,
    worst_estimate,
)
from app.plans.tree import buffers, shape

PINNED_CACHE_MODE = "force_custom_plan"


@dataclass
class CaseResult:
    """One query/case: what ran, which rules it broke, or why it was skipped."""

    query: str
    case: str
    violations: list[Violation] = field(default_factory=list)
    run: CaseRun | None = None
    skipped: str | None = None
    worst: Estimate | None = None
    baseline_written: bool = False
    # The baseline this run replaced (update mode), for the report's before/after.
    previous: baselines.Baseline | None = None
    # The baseline the run was judged against (the reports draw its tree when the shape changed).
    baseline: baselines.Baseline | None = None
    # Findings that do not fail the case (the statistics pass: a plan that differs from the baseline).
    notes: list[str] = field(default_factory=list)

    @property
    def compared(self) -> baselines.Baseline | None:
        """The baseline a reviewer compares this run with: the replaced one in update mode."""
        return self.previous if self.baseline_written else self.baseline

    @property
    def shape_changed(self) -> bool:
        """Whether the plan's shape differs from the compared baseline (False without a plan or baseline)."""
        known = self.compared
        if known is None or self.run is None or not self.run.explain:
            return False
        return tuple(shape(self.run.plan)) != tuple(known.shape)

    @property
    def passed(self) -> bool:
        return not self.violations

    @property
    def verdict(self) -> str:
        if self.violations:
            return "FAIL"
        return "skip" if self.skipped else ("updated" if self.baseline_written else "ok")


def selected(fqn: str, patterns: list[str] | None) -> bool:
    """Whether `fqn` matches one of the --query patterns (`bookstore.books_*`, or a bare name)."""
    if not patterns:
        return True
    name = fqn.rpartition(".")[2]
    return any(fnmatch.fnmatchcase(fqn, p) or fnmatch.fnmatchcase(name, p) for p in patterns)


def cache_mode_outcomes(app_session: dict[str, str], reported: str) -> list[CaseResult]:
    """A failure when the app stops pinning custom plans, or the checking session is not using them."""
    problems = []
    if app_session.get("plan_cache_mode") != PINNED_CACHE_MODE:
        problems.append(
            Violation(
                "plan-cache-mode",
                "app.database.session_settings",
                f"the app sessions use plan_cache_mode={app_session.get('plan_cache_mode', 'auto (default)')};"
                f" prepared statements may switch to generic plans this check never sees: pin {PINNED_CACHE_MODE}",
            )
        )
    if reported != PINNED_CACHE_MODE:
        problems.append(
            Violation("plan-cache-mode", "checking session", f"the server reports plan_cache_mode={reported}")
        )
    return [CaseResult(query="(session)", case="plan_cache_mode", violations=problems)]


async def relation_rows(conn: asyncpg.Connection) -> dict[str, int]:
    return {r["relation_name"]: r["row_estimate"] for r in await core_sql.relation_row_estimates(conn)}


def judge(
    run: CaseRun,
    config: CheckConfig,
    sizes: dict[str, int],
    known: baselines.Baseline | None,
    against_baselines: bool = True,
) -> CaseResult:
    """Apply every rule to one case's run (without `against_baselines`: only the rules of the plan itself)."""
    case = run.case
    outcome = CaseResult(query=case.query, case=case.name, run=run, baseline=known)
    if run.error:
        outcome.violations.append(Violation("error", "", run.error))
        return outcome
    limits = config.thresholds
    plan = run.plan
    outcome.worst = worst_estimate(plan, limits.estimate_min_rows)
    outcome.violations += seq_scans(plan, sizes, case.allow_seq_scan, limits.seq_scan_rows)
    outcome.violations += spills(plan)
    if not case.allow_estimate:
        outcome.violations += estimates(plan, limits.estimate_factor, limits.estimate_min_rows)
    outcome.violations += budget(plan, case.max_buffers)
    if not against_baselines:
        return outcome
    if known is None:
        outcome.violations.append(
            Violation("baseline", "", f"no baseline file: record it with `catalog plans update --query {case.query}`")
        )
    else:
        digest = None if case.ignore_result or case.ignore_rows else run.result_hash
        rows = None if case.ignore_rows else run.rows
        # A catalog read (ignore_rows) is judged on cost alone: each migration grows the catalog, and the
        # planner's join order over pg_catalog follows its size.
        outcome.violations += against_baseline(
            plan, rows, digest, known, limits, case.query, judge_shape=case.ignore_rows is None
        )
    return outcome


def baseline_of(run: CaseRun) -> baselines.Baseline:
    return baselines.Baseline(
        query=run.case.query,
        case=run.case.name,
        rows=run.rows,
        result_hash=run.result_hash,
        buffers=buffers(run.plan),
        shape=tuple(shape(run.plan)),
    )


async def check_query(
    conn: asyncpg.Connection,
    query: NamedQuery,
    cases: tuple[Case, ...],
    config: CheckConfig,
    sizes: dict[str, int],
    update: bool,
) -> list[CaseResult]:
    """Every case of one query; with `update`, baselines are rewritten before judging."""
    outcomes = []
    directory = config.baseline_dir(query.namespace)
    for case in cases:
        run = await run_case(conn, query, case)
        path = baselines.baseline_path(directory, query.name, case.name)
        written = False
        previous = baselines.read(path)
        if update and not run.error:
            written = baselines.write(path, baseline_of(run))
        outcome = judge(run, config, sizes, baselines.read(path))
        outcome.baseline_written = written
        outcome.previous = previous if written else None
        outcomes.append(outcome)
    return outcomes


async def check_all(
    conn: asyncpg.Connection,
    named: dict[str, NamedQuery],
    book: CaseBook,
    config: CheckConfig,
    update: bool = False,
    patterns: list[str] | None = None,
) -> list[CaseResult]:
    """Every selected named query: its cases run and judged, or its skip, or a `no-case` failure."""
    outcomes = [
        CaseResult(query=where, case="(case file)", violations=[Violation("case-file", "", message)])
        for where, message in book.problems
        if selected(where, patterns)
    ]
    sizes = await relation_rows(conn)
    for fqn in sorted(named):
        if not selected(fqn, patterns):
            continue
        query = named[fqn]
        entry = book.queries.get(fqn)
        if entry is None or (not entry.cases and not entry.skip):
            if any(where == fqn for where, _ in book.problems):
                continue
            where = case_file(query.source).name
            message = f"no plan case: add [{query.name}] with cases (or a skip with a reason) to {where}"
            outcomes.append(CaseResult(query=fqn, case="-", violations=[Violation("no-case", "", message)]))
            continue
        if entry.skip:
            outcomes.append(CaseResult(query=fqn, case="-", skipped=entry.skip))
            continue
        outcomes += await check_query(conn, query, entry.cases, config, sizes, update)
    if update and not patterns:
        remove_stale_baselines(config, named, book)
    return outcomes


def remove_stale_baselines(config: CheckConfig, named: dict[str, NamedQuery], book: CaseBook) -> list[Path]:
    """Delete baseline files whose query or case no longer exists; returns them."""
    wanted = set()
    namespaces = {q.namespace for q in named.values()}
    for fqn, entry in book.queries.items():
        query = named[fqn]
        for case in entry.cases:
            wanted.add(baselines.baseline_path(config.baseline_dir(query.namespace), query.name, case.name))
    removed = []
    for namespace in namespaces:
        for path in config.baseline_dir(namespace).glob("*.txt"):
            if path not in wanted:
                path.unlink()
                removed.append(path)
    return removed
