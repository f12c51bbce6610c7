"""`catalog plans check | update | stats | show NAME | ...`: the plan-regression checker's command line."""

import argparse
import asyncio
import sys
from pathlib import Path

from app.database import session_settings
from app.plans import baseline as baselines
from app.plans import report
from app.plans.cachemodes import measure
from app.plans.cases import load_cases
from app.plans.check import judge, relation_rows, selected
from app.plans.config import CheckConfig
from app.plans.explain import connect, run_case
from app.plans.fixture import fingerprint as fixture_fingerprint
from app.plans.fixture import seed_modules_fixture
from app.plans.indexes import database_indexes, index_use
from app.plans.indexes import render as render_indexes
from app.plans.named import load_named_queries
from app.plans.runner import Target, open_checking_session
from app.plans.runner import run as run_checks
from app.plans.server import plans_admin_url, plans_database
from app.plans.statistics import DEFAULT_ROUNDS, FIX, PRODUCTION_TARGET, run_pass
from app.plans.tree import buffers, render
from app.seeding import seed_modules
from app.settings import ROOT, Settings

FORCE_GENERIC = {"plan_cache_mode": "force_generic_plan"}


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def add_parser(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add `plans` with its sub-commands to the `catalog` command's sub-parsers."""
    plans = commands.add_parser("plans", help="plan-regression checks of every named query (see docs/plan-checks.md)")
    sub = plans.add_subparsers(dest="plans_command", required=True)
    for name, text in (
        ("check", "explain every plan case at scale; exit 1 if any rule fails"),
        ("update", "rewrite the baselines from the current plans (review the diff), then check"),
    ):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--query", action="append", metavar="PATTERN", help="only these queries (glob, repeatable)")
        cmd.add_argument("--reports", type=Path, default=ROOT / "reports", help="report folder (default reports/)")
    stats = sub.add_parser(
        "stats", help="on a copy, analyze at the production statistics target a few times; hold every case to the rules"
    )
    stats.add_argument("--query", action="append", metavar="PATTERN", help="only these queries (glob, repeatable)")
    stats.add_argument("--reports", type=Path, default=ROOT / "reports", help="report folder (default reports/)")
    stats.add_argument(
        "--rounds", type=int, default=DEFAULT_ROUNDS, help=f"analyze-and-check rounds (default {DEFAULT_ROUNDS})"
    )
    stats.add_argument(
        "--target", type=int, default=PRODUCTION_TARGET, help=f"default_statistics_target (default {PRODUCTION_TARGET})"
    )
    modes = sub.add_parser("cache-modes", help="measure custom plans (planning each time) against generic plans")
    modes.add_argument("--query", action="append", metavar="PATTERN", help="only these queries (glob, repeatable)")
    indexes = sub.add_parser("indexes", help="each index with the plan cases that use it, and the unused ones")
    indexes.add_argument("--index", metavar="REGEX", help="only indexes whose schema.name matches")
    sub.add_parser(
        "fingerprint", help="print the checking database's fingerprint (schema/, seeds, scales): a CI cache key"
    )
    show = sub.add_parser("show", help="print one query's plans as readable trees")
    show.add_argument("name", help="query name, e.g. books_page or bookstore.books_page")
    show.add_argument("--case", help="only this case")


def target_for(settings: Settings, reports_dir: Path = ROOT / "reports") -> Target:
    """This project's target: its queries/ and schema/, the domain seed modules, the app's session."""
    admin_url = plans_admin_url(settings)
    database = plans_database(settings)
    config = CheckConfig(
        queries_dir=settings.queries_dir,
        schema_dir=settings.schema_dir,
        reports_dir=reports_dir,
        database=database,
        keep_builds=settings.catalog_plans_keep,
    )
    loader = seed_modules_fixture(seed_modules(settings), settings.queries_dir)
    return Target(config=config, admin_url=admin_url, loader=loader, app_session=session_settings(settings))


def fingerprint(settings: Settings) -> str:
    """The fingerprint the checking database would be built with (no server needed)."""
    loader = seed_modules_fixture(seed_modules(settings), settings.queries_dir)
    return fixture_fingerprint(settings.schema_dir, loader, CheckConfig.statistics_target)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Dispatch a `catalog plans` sub-command; returns the exit code."""
    if args.plans_command == "fingerprint":
        print(fingerprint(settings))
        return 0
    if args.plans_command == "show":
        return asyncio.run(show(target_for(settings), args.name, args.case))
    if args.plans_command == "indexes":
        return asyncio.run(index_impact(settings, args.index))
    if args.plans_command == "cache-modes":
        return asyncio.run(cache_modes(target_for(settings), args.query))
    if args.plans_command == "stats":
        return statistics_pass(target_for(settings, args.reports), args.rounds, args.target, args.query)
    target = target_for(settings, args.reports)
    outcomes, info = asyncio.run(run_checks(target, say, update=args.plans_command == "update", patterns=args.query))
    print(report.console(outcomes, info))
    written = report.write_all(outcomes, info, target.config.reports_dir)
    say(f"plans: reports in {', '.join(str(p) for p in written)}")
    return 0 if all(o.passed for o in outcomes) else 1


def statistics_pass(target: Target, rounds: int, statistics_target: int, patterns: list[str] | None) -> int:
    """`catalog plans stats`: reports/plans-stats.md and plans-stats.html; exit 1 if a rule fails."""
    from app.plans.html import page

    found, info = asyncio.run(run_pass(target, say, rounds, statistics_target, patterns))
    title = f"Plan checks at statistics target {statistics_target}"
    print(report.console(found.outcomes, info))
    folder = target.config.reports_dir
    folder.mkdir(parents=True, exist_ok=True)
    md, html = folder / "plans-stats.md", folder / "plans-stats.html"
    md.write_text(report.markdown(found.outcomes, info, title=title, preamble=FIX))
    html.write_text(page(found.outcomes, info, title=title, preamble=FIX))
    say(f"plans stats: reports in {md}, {html}")
    return 0 if all(o.passed for o in found.outcomes) else 1


async def show(target: Target, name: str, case_name: str | None) -> int:
    """Explain one query's cases and print each plan as a tree, with its verdict."""
    named = load_named_queries(target.config.queries_dir)
    matches = [q for fqn, q in named.items() if selected(fqn, [name])]
    if len(matches) != 1:
        say(f"plans: {name!r} matches {len(matches)} queries; give one name (namespace.name if ambiguous)")
        return 2
    query = matches[0]
    entry = load_cases(named).queries.get(query.fqn)
    cases = [c for c in (entry.cases if entry else ()) if case_name in (None, c.name)]
    if not cases:
        say(f"plans: {query.fqn} has no case{' ' + repr(case_name) if case_name else ''} to show")
        return 2
    conn, _ = await open_checking_session(target, say)
    try:
        sizes = await relation_rows(conn)
        for case in cases:
            run = await run_case(conn, query, case)
            directory = target.config.baseline_dir(query.namespace)
            known = baselines.read(baselines.baseline_path(directory, query.name, case.name))
            outcome = judge(run, target.config, sizes, known)
            print(f"== {query.fqn} [{case.name}] {case.description}")
            print(f"   params: {dict(zip(query.params, run.args))}")
            if run.explain:
                print(render(run.plan))
                print(
                    f"   planning {run.planning_ms:.3f} ms, execution {run.execution_ms:.3f} ms,"
                    f" buffers {buffers(run.plan):,}, rows {run.rows:,}"
                )
            for v in outcome.violations:
                print(f"   FAIL {v}")
            print()
    finally:
        await conn.close()
    return 0


async def cache_modes(target: Target, patterns: list[str] | None) -> int:
    """Print, per case, custom planning + execution time against the generic plan's execution time."""
    named = load_named_queries(target.config.queries_dir)
    book = load_cases(named)
    custom, url = await open_checking_session(target, say)
    generic = await connect(url, {**target.app_session, **target.config.planner_settings, **FORCE_GENERIC})
    print(
        "| query | case | custom planning ms | custom execution ms | generic execution ms | generic/custom | same plan |"
    )
    print("|---|---|---:|---:|---:|---:|---|")
    try:
        for fqn, entry in sorted(book.queries.items()):
            if not selected(fqn, patterns):
                continue
            for case in entry.cases:
                m = await measure(custom, generic, named[fqn], case)
                if m.error:
                    print(f"| {m.query} | {m.case} | error: {m.error} |||||")
                    continue
                total = m.custom_planning_ms + m.custom_execution_ms
                print(
                    f"| {m.query} | {m.case} | {m.custom_planning_ms:.3f} | {m.custom_execution_ms:.3f}"
                    f" | {m.generic_execution_ms:.3f} | {m.generic_execution_ms / max(total, 0.001):.1f}x"
                    f" | {'yes' if m.same_shape else 'no'} |"
                )
    finally:
        await custom.close()
        await generic.close()
    return 0


async def index_impact(settings: Settings, pattern: str | None) -> int:
    """`catalog plans indexes`: index -> cases from the committed baselines, indexes from schema/."""
    from app.schema_lint import migrated_database

    use = index_use(settings.queries_dir)
    async with migrated_database(settings) as conn:
        listed = await database_indexes(conn)
    print(render_indexes(listed, use, pattern))
    return 0
