"""`catalog plans stats`: the plans production gets from the statistics targets the schema declares.

The checking database is analyzed at statistics target 10,000 (the whole table sampled) so plans
are the same on every run; production analyzes at the server default, 100 (a random sample of
30,000 rows), except for columns a migration gave `alter column ... set statistics`. This pass
copies the checking database (`create database ... template`, a file copy: the checking database
and its statistics stay untouched), and on the copy, a few times, analyzes at the production target
and runs every case. Each case is held to the rules of the plan itself (seq-scan, spill, estimate,
buffers-budget), not to the baselines, which were recorded under other statistics; a plan whose
shape differs from its baseline is reported with both plans. The fix for a case that fails here is
a per-column `set statistics` in a migration, which production then has too.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import asyncpg

from app.core import sql as core_sql
from app.database import with_database
from app.database_admin import drop_database
from app.plans import baseline as baselines
from app.plans.cases import load_cases
from app.plans.check import CaseResult, judge, relation_rows, selected
from app.plans.explain import connect, read_settings, run_case
from app.plans.fixture import describe_scales, prepare_database
from app.plans.named import load_named_queries
from app.plans.report import RunInfo
from app.plans.rules import Violation
from app.plans.runner import REPORTED, Target
from app.plans.tree import buffers, shape

PRODUCTION_TARGET = 100
DEFAULT_ROUNDS = 3

FIX = (
    "A case that fails only here plans well on complete statistics but not on a sample. The fix is the"
    " production one: a migration giving the column the planner misjudges (see the worst estimate) its own"
    " target, e.g. `alter table bookstore.books alter column author_id set statistics 1000;`, which this"
    " pass and production both keep. A plan that differs from its baseline without breaking a rule is"
    " listed, not failed: it is what production may run."
)


@dataclass
class Round:
    """One analyze at the production target and the cases run after it."""

    number: int
    analyze_seconds: float
    check_seconds: float
    outcomes: list[CaseResult] = field(default_factory=list)


@dataclass
class StatisticsPass:
    """Every case folded over the rounds, with what the pass cost."""

    outcomes: list[CaseResult]
    rounds: list[Round]
    copy_seconds: float
    column_targets: list[str]


def copy_name(database: str) -> str:
    """The copy this pass re-analyzes: catalog_plans -> catalog_plans_stats."""
    return f"{database}_stats"


def _rounds_text(numbers: list[int], total: int) -> str:
    if len(numbers) == total:
        return f"all {total} rounds"
    return f"round{'s' if len(numbers) > 1 else ''} {', '.join(map(str, numbers))} of {total}"


def fold(per_round: list[CaseResult], known: baselines.Baseline | None) -> CaseResult:
    """One case over every round: each broken rule once, naming its rounds; a differing shape as a note.

    The run kept for the reports is the first round that broke a rule, else the first whose shape
    differs from the baseline, else the last, so the HTML report draws the plan worth reading.
    """
    total = len(per_round)
    first = per_round[0]
    broken: dict[tuple[str, str], tuple[Violation, list[int]]] = {}
    differs: list[int] = []
    for number, outcome in enumerate(per_round, start=1):
        for v in outcome.violations:
            broken.setdefault((v.rule, v.node), (v, []))[1].append(number)
        run = outcome.run
        if known is not None and run is not None and run.explain and tuple(shape(run.plan)) != tuple(known.shape):
            differs.append(number)
    violations = [
        Violation(v.rule, v.node, f"{v.message} ({_rounds_text(numbers, total)})") for v, numbers in broken.values()
    ]
    if violations:
        kept = next(o for o in per_round if o.violations)
    elif differs:
        kept = per_round[differs[0] - 1]
    else:
        kept = per_round[-1]
    notes = []
    if differs and kept.run is not None and known is not None:
        now = shape(kept.run.plan)
        line = next((i for i, (a, b) in enumerate(zip(now, known.shape)) if a != b), min(len(now), len(known.shape)))
        was = known.shape[line].strip() if line < len(known.shape) else "(nothing)"
        is_now = now[line].strip() if line < len(now) else "(nothing)"
        notes.append(
            f"plan differs from the baseline in {_rounds_text(differs, total)}: line {line + 1} is `{is_now}`,"
            f" was `{was}`; {buffers(kept.run.plan):,} buffers, baseline {known.buffers:,}"
        )
    return CaseResult(
        query=first.query,
        case=first.case,
        violations=violations,
        run=kept.run,
        worst=max((o.worst for o in per_round if o.worst), key=lambda w: w.factor, default=None),
        baseline=known,
        notes=notes,
    )


async def make_copy(admin_url: str, source: str, copy: str, say: Callable[[str], None]) -> float:
    """Replace `copy` with a file copy of `source` (which must have no session); returns the seconds taken."""
    started = time.monotonic()
    await drop_database(admin_url, copy)
    admin = await asyncpg.connect(admin_url)
    try:
        # The build lock: no load of the checking database may run while its files are copied.
        await core_sql.lock_plan_database(admin, database_name=source)
        try:
            statement = await core_sql.copy_database_statement(admin, database_name=copy, template_name=source)
            assert statement is not None
            try:
                await admin.execute(statement)
            except asyncpg.ObjectInUseError as exc:
                raise RuntimeError(
                    f"cannot copy {source}: another session is using it ({exc}); run the statistics pass"
                    " after the plan check, not beside it"
                ) from exc
        finally:
            await core_sql.unlock_plan_database(admin, database_name=source)
    finally:
        await admin.close()
    seconds = time.monotonic() - started
    say(f"plans stats: copied {source} to {copy} in {seconds:.1f}s")
    return seconds


async def run_pass(
    target: Target,
    say: Callable[[str], None],
    rounds: int = DEFAULT_ROUNDS,
    statistics_target: int = PRODUCTION_TARGET,
    patterns: list[str] | None = None,
) -> tuple[StatisticsPass, RunInfo]:
    """Copy the checking database, analyze the copy at `statistics_target` `rounds` times, run every case."""
    config = target.config
    await prepare_database(
        target.admin_url, config.database, config.schema_dir, target.loader, config.statistics_target, say
    )
    copy = copy_name(config.database)
    started = time.monotonic()
    copy_seconds = await make_copy(target.admin_url, config.database, copy, say)
    named = load_named_queries(config.queries_dir)
    book = load_cases(named)
    chosen = [(fqn, entry) for fqn, entry in sorted(book.queries.items()) if entry.cases and selected(fqn, patterns)]
    per_case: dict[tuple[str, str], list[CaseResult]] = {}
    done: list[Round] = []
    try:
        conn = await connect(with_database(target.admin_url, copy), {**target.app_session, **config.planner_settings})
        try:
            reported = await read_settings(conn, REPORTED + list(config.planner_settings))
            column_targets = [
                f"{r['table_name']}.{r['column_name']} = {r['statistics_target']}"
                for r in await core_sql.column_statistics_targets(conn)
            ]
            for number in range(1, rounds + 1):
                analyzed = time.monotonic()
                await core_sql.set_statistics_target(conn, target=str(statistics_target))
                await core_sql.analyze_database(conn)
                this = Round(number, time.monotonic() - analyzed, 0.0)
                checked = time.monotonic()
                sizes = await relation_rows(conn)
                for fqn, entry in chosen:
                    query = named[fqn]
                    for case in entry.cases:
                        path = baselines.baseline_path(config.baseline_dir(query.namespace), query.name, case.name)
                        run = await run_case(conn, query, case)
                        outcome = judge(run, config, sizes, baselines.read(path), against_baselines=False)
                        this.outcomes.append(outcome)
                        per_case.setdefault((fqn, case.name), []).append(outcome)
                this.check_seconds = time.monotonic() - checked
                done.append(this)
                failing = sum(1 for o in this.outcomes if not o.passed)
                say(
                    f"plans stats: round {number}/{rounds}: analyze at {statistics_target} in"
                    f" {this.analyze_seconds:.1f}s, {len(this.outcomes)} cases in {this.check_seconds:.1f}s,"
                    f" {failing} failing"
                )
        finally:
            await conn.close()
    finally:
        await drop_database(target.admin_url, copy)
    outcomes = []
    for fqn, entry in chosen:
        query = named[fqn]
        for case in entry.cases:
            path = baselines.baseline_path(config.baseline_dir(query.namespace), query.name, case.name)
            outcomes.append(fold(per_case[(fqn, case.name)], baselines.read(path)))
    version = reported.pop("server_version")
    reported["statistics target of this pass"] = f"{statistics_target} (columns with their own target keep it)"
    reported["per-column targets"] = ", ".join(column_targets) or "none"
    reported["rounds"] = str(rounds)
    reported["copy seconds"] = f"{copy_seconds:.1f}"
    reported["analyze seconds per round"] = ", ".join(f"{r.analyze_seconds:.1f}" for r in done)
    reported["check seconds per round"] = ", ".join(f"{r.check_seconds:.1f}" for r in done)
    info = RunInfo(
        database=f"{copy} (copy of {config.database})",
        server_version=f"PostgreSQL {version}",
        fixture=", ".join(describe_scales(target.loader)) or "custom loader",
        settings=reported,
        seconds=time.monotonic() - started,
    )
    return StatisticsPass(outcomes, done, copy_seconds, column_targets), info
