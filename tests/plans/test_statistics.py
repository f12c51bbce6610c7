"""The statistics pass (`catalog plans stats`): rounds folded into one verdict per case (recorded plans),
and on small real data: it works on a copy, analyzes it at the production target while keeping a
migration's per-column target, and leaves the checking database's 10,000-target statistics alone."""

import json
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from app.bookstore import seed as bookstore_seed
from app.core import sql as core_sql
from app.database import session_settings, with_database
from app.database_admin import drop_database
from app.plans.baseline import Baseline
from app.plans.cases import Case
from app.plans.check import CaseResult
from app.plans.config import CheckConfig, Thresholds
from app.plans.explain import CaseRun
from app.plans.fixture import seed_modules_fixture
from app.plans.rules import Violation
from app.plans.runner import Target, run
from app.plans.statistics import copy_name, fold, make_copy, run_pass
from app.plans.tree import buffers, shape
from app.settings import ROOT, Settings

RECORDED = Path(__file__).parent / "recorded"
DATABASE = f"catalog_plans_stats_test_{os.getpid()}"
SMALL_BOOKS = 5_000
PER_COLUMN_TARGET = 500


def quiet(_: str) -> None:
    pass


def run_of(name: str) -> CaseRun:
    document: dict[str, Any] = json.loads((RECORDED / f"{name}.json").read_text())
    case = Case(query="bookstore.books_page", name="largest_author", description="", params={})
    return CaseRun(case=case, args=(), explain=document, rows=21, result_hash="abc")


def round_outcome(name: str, violations: list[Violation] | None = None) -> CaseResult:
    run = run_of(name)
    return CaseResult(query="bookstore.books_page", case="largest_author", run=run, violations=violations or [])


def test_fold_names_each_broken_rule_once_with_its_rounds_and_keeps_that_plan() -> None:
    same = run_of("books_page.largest_author")
    known = Baseline("bookstore.books_page", "largest_author", 21, "abc", buffers(same.plan), tuple(shape(same.plan)))
    estimate = Violation("estimate", "Sort", "estimated 133 rows, got 0 per loop (133x, limit 100x)")
    rounds = [
        round_outcome("books_page.largest_author"),
        round_outcome("books_page.absent_title_word", [estimate]),
        round_outcome("books_page.absent_title_word", [estimate]),
    ]
    folded = fold(rounds, known)
    assert [str(v) for v in folded.violations] == [
        "estimate at Sort: estimated 133 rows, got 0 per loop (133x, limit 100x) (rounds 2, 3 of 3)"
    ]
    assert folded.run is rounds[1].run
    # The kept plan differs from the baseline: both trees go to the HTML report, the note says where.
    assert folded.shape_changed
    assert folded.notes == [
        "plan differs from the baseline in rounds 2, 3 of 3:"
        " line 3 is `Index Scan Backward using books_published_year_id_idx on bookstore.books`,"
        " was `Index Scan Backward using books_author_id_published_year_id_idx on bookstore.books`;"
        " 658,791 buffers, baseline 216"
    ]


def test_fold_reports_a_differing_plan_without_failing() -> None:
    same = run_of("books_page.largest_author")
    known = Baseline("bookstore.books_page", "largest_author", 21, "abc", buffers(same.plan), tuple(shape(same.plan)))
    rounds = [round_outcome("books_page.largest_author"), round_outcome("books_page.absent_title_word")]
    folded = fold(rounds, known)
    assert folded.passed
    assert folded.run is rounds[1].run
    assert len(folded.notes) == 1 and "in round 2 of 2" in folded.notes[0]
    assert fold([rounds[0], rounds[0]], known).notes == []


def test_fold_without_baseline_only_holds_the_rules() -> None:
    folded = fold([round_outcome("books_page.largest_author")], None)
    assert folded.passed and folded.notes == [] and not folded.shape_changed


@pytest.fixture(scope="module")
async def small(admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Target]:
    """A checking database of 5,000 books whose schema gives bookstore.books.id its own target, baselined."""
    folder = tmp_path_factory.mktemp("stats")
    schema = folder / "schema"
    shutil.copytree(ROOT / "schema", schema)
    (schema / "0999_books_id_statistics.sql").write_text(
        f"alter table bookstore.books alter column id set statistics {PER_COLUMN_TARGET};\n"
    )
    queries_dir = folder / "queries"
    for namespace in ("bookstore", "core"):
        shutil.copytree(ROOT / "queries" / namespace, queries_dir / namespace)
    for stale in queries_dir.glob("*/plans"):
        shutil.rmtree(stale)
    loader = seed_modules_fixture({"bookstore": bookstore_seed}, queries_dir, scales={"bookstore": SMALL_BOOKS})
    config = CheckConfig(
        queries_dir=queries_dir,
        schema_dir=schema,
        reports_dir=folder / "reports",
        database=DATABASE,
        thresholds=Thresholds(seq_scan_rows=1_000),
    )
    target = Target(config=config, admin_url=admin_url, loader=loader, app_session=session_settings(Settings()))
    await run(target, quiet, update=True, patterns=["bookstore.books_page"])
    yield target
    await drop_database(admin_url, copy_name(DATABASE))
    await drop_database(admin_url, DATABASE)


async def histogram_sizes(url: str) -> dict[str, int]:
    """Histogram bounds per column of bookstore.books: up to the target + 1 when values are distinct."""
    conn = await asyncpg.connect(url)
    try:
        found = await conn.fetch(
            "select attname, cardinality(histogram_bounds::text::text[]) as bounds from pg_stats"
            " where schemaname = 'bookstore' and tablename = 'books' and histogram_bounds is not null"
        )
    finally:
        await conn.close()
    return {r["attname"]: r["bounds"] for r in found}


async def test_copy_is_analyzed_at_the_production_target_keeping_per_column_targets(
    admin_url: str, small: Target
) -> None:
    copy = copy_name(DATABASE)
    await make_copy(admin_url, DATABASE, copy, quiet)
    conn = await asyncpg.connect(with_database(admin_url, copy))
    try:
        await core_sql.set_statistics_target(conn, target="100")
        await core_sql.analyze_database(conn)
    finally:
        await conn.close()
    sampled = await histogram_sizes(with_database(admin_url, copy))
    assert sampled["id"] == PER_COLUMN_TARGET + 1  # the migration's own target
    assert sampled["isbn"] <= 101  # the server default
    complete = await histogram_sizes(with_database(admin_url, DATABASE))
    assert complete["isbn"] > 101  # the checking database still has its 10,000-target statistics
    await drop_database(admin_url, copy)


async def test_pass_runs_every_case_in_each_round_and_drops_its_copy(admin_url: str, small: Target) -> None:
    found, info = await run_pass(small, quiet, rounds=2, patterns=["bookstore.books_page"])
    names = {o.case for o in found.outcomes}
    assert {"largest_author", "rare_author", "first_page"} <= names
    assert all(o.query == "bookstore.books_page" for o in found.outcomes)
    assert [len(r.outcomes) for r in found.rounds] == [len(found.outcomes)] * 2
    # The test's own migration's target, beside those schema/ sets for production (0006, 0007).
    assert f"bookstore.books.id = {PER_COLUMN_TARGET}" in found.column_targets
    assert "bookstore.book_category.category_id = 1000" in found.column_targets
    assert info.settings["rounds"] == "2"
    # Held to the rules, not the baselines: no baseline or result rule in a statistics pass.
    assert not {v.rule for o in found.outcomes for v in o.violations} & {
        "shape",
        "buffers-baseline",
        "result",
        "baseline",
    }
    admin = await asyncpg.connect(admin_url)
    try:
        assert not await core_sql.database_exists(admin, database_name=copy_name(DATABASE))
    finally:
        await admin.close()
    complete = await histogram_sizes(with_database(admin_url, DATABASE))
    assert complete["isbn"] > 101
