"""The checker end to end on a small real dataset (20,000 books): it passes on the project as it
stands, and fails, naming query, case, rule and node, on each regression the issue lists."""

import os
import re
import shutil
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from app.bookstore import seed as bookstore_seed
from app.database import session_settings
from app.database_admin import drop_database
from app.plans import report
from app.plans.check import CaseResult
from app.plans.cli import show
from app.plans.config import CheckConfig, Thresholds
from app.plans.fixture import prepare_database, seed_modules_fixture
from app.plans.runner import Target, run
from app.seeding import Progress
from app.settings import ROOT, Settings

SMALL_BOOKS = 20_000
# 1,000,000 books check seq scans above 10,000 rows; 20,000 books, above 1,000.
SMALL_LIMITS = Thresholds(seq_scan_rows=1_000)
DATABASE = f"catalog_plans_test_{os.getpid()}"


def quiet(_: str) -> None:
    pass


def no_progress(_: str) -> Progress:
    return lambda *args: None


def copy_queries(source: Path, target: Path) -> Path:
    """The bookstore and core query folders, with case files (and baselines when `source` has them)."""
    for namespace in ("bookstore", "core"):
        shutil.copytree(source / namespace, target / namespace, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def make_target(
    admin_url: str,
    queries_dir: Path,
    reports: Path,
    schema_dir: Path = ROOT / "schema",
    database: str = DATABASE,
    app_session: dict[str, str] | None = None,
) -> Target:
    loader = seed_modules_fixture({"bookstore": bookstore_seed}, queries_dir, scales={"bookstore": SMALL_BOOKS})
    config = CheckConfig(
        queries_dir=queries_dir, schema_dir=schema_dir, reports_dir=reports, database=database, thresholds=SMALL_LIMITS
    )
    return Target(
        config=config,
        admin_url=admin_url,
        loader=loader,
        app_session=app_session if app_session is not None else session_settings(Settings()),
    )


def failures(outcomes: list[CaseResult]) -> list[tuple[str, str, str, str]]:
    return [(o.query, o.case, v.rule, v.node) for o in outcomes for v in o.violations]


@pytest.fixture(scope="module")
async def baselined(admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Path]:
    """A copy of queries/ whose baselines were written by `update` against the small dataset."""
    folder = tmp_path_factory.mktemp("baselined")
    queries_dir = copy_queries(ROOT / "queries", folder / "queries")
    for stale in queries_dir.glob("*/plans"):
        shutil.rmtree(stale)
    outcomes, _ = await run(make_target(admin_url, queries_dir, folder / "reports"), quiet, update=True)
    assert failures(outcomes) == []
    yield queries_dir
    await drop_database(admin_url, DATABASE)


@pytest.fixture
def edited(baselined: Path, tmp_path: Path) -> Path:
    """A fresh copy of the baselined queries folder for one test to break."""
    return copy_queries(baselined, tmp_path / "queries")


async def test_passes_on_the_project_as_it_stands(admin_url: str, baselined: Path, tmp_path: Path) -> None:
    outcomes, info = await run(make_target(admin_url, baselined, tmp_path / "reports"), quiet)
    assert failures(outcomes) == []
    checked = {(o.query, o.case) for o in outcomes if o.run is not None}
    assert ("bookstore.books_page", "largest_author") in checked
    assert ("bookstore.books_in_category_page", "empty_category") in checked
    assert info.settings["plan_cache_mode"] == "force_custom_plan"
    assert info.settings["jit"] == "off" and info.settings["work_mem"] == "4MB"
    assert (baselined / "bookstore" / "plans" / "books_page.largest_author.txt").exists()


async def test_second_run_reuses_the_loaded_database(admin_url: str, baselined: Path) -> None:
    config = make_target(admin_url, baselined, baselined.parent / "reports").config
    loader = seed_modules_fixture({"bookstore": bookstore_seed}, baselined, scales={"bookstore": SMALL_BOOKS})
    _, reused = await prepare_database(
        admin_url, config.database, config.schema_dir, loader, config.statistics_target, quiet, no_progress
    )
    assert reused is True


async def test_dropped_index_fails_naming_query_rule_and_node(admin_url: str, edited: Path, tmp_path: Path) -> None:
    schema = tmp_path / "schema"
    shutil.copytree(ROOT / "schema", schema)
    (schema / "0999_drop_author_index.sql").write_text("drop index bookstore.books_author_id_published_year_id_idx;\n")
    database = f"{DATABASE}_dropped"
    target = make_target(admin_url, edited, tmp_path / "reports", schema_dir=schema, database=database)
    try:
        outcomes, info = await run(target, quiet, patterns=["bookstore.books_page", "bookstore.author_by_id"])
    finally:
        await drop_database(admin_url, database)
    # The summary names the queries whose baselines used the dropped index, before the per-case lines.
    assert list(info.dropped_indexes) == ["bookstore.books_author_id_published_year_id_idx"]
    assert (
        "bookstore.books_page [rare_author]" in info.dropped_indexes["bookstore.books_author_id_published_year_id_idx"]
    )
    printed = report.console(outcomes, info)
    dropped = printed.index("DROPPED index bookstore.books_author_id_published_year_id_idx no longer exists")
    assert "bookstore.books_page" in printed[dropped:].splitlines()[0]
    assert dropped < printed.index("FAIL bookstore.books_page")
    assert "## Indexes gone" in report.markdown(outcomes, info)
    found = failures(outcomes)
    shape_changes = [f for f in found if f[0] == "bookstore.books_page" and f[1] == "rare_author" and f[2] == "shape"]
    assert shape_changes, found
    assert "books_author_id_published_year_id_idx" not in shape_changes[0][3]
    assert any(f[2] == "buffers-baseline" for f in found), found


async def test_rewritten_query_that_scans_fails(admin_url: str, edited: Path, tmp_path: Path) -> None:
    books = edited / "bookstore" / "books.sql"
    text = books.read_text()
    rewritten = text.replace(
        "order by b.published_year desc, b.id desc\n    limit",
        "order by b.published_year + 0 desc, b.id desc\n    limit",
        1,
    )
    assert rewritten != text
    books.write_text(rewritten)
    outcomes, _ = await run(make_target(admin_url, edited, tmp_path / "reports"), quiet, patterns=["books_page"])
    found = failures(outcomes)
    assert ("bookstore.books_page", "first_page", "seq-scan", "Seq Scan on bookstore.books") in found
    assert any(f[:3] == ("bookstore.books_page", "first_page", "shape") for f in found)


async def test_budget_exceeded_fails(admin_url: str, edited: Path, tmp_path: Path) -> None:
    cases = edited / "bookstore" / "books.plans.toml"
    text = cases.read_text()
    cases.write_text(text.replace("params = { page_size = 21 }\n", "params = { page_size = 21 }\nmax_buffers = 5\n", 1))
    outcomes, _ = await run(make_target(admin_url, edited, tmp_path / "reports"), quiet, patterns=["books_page"])
    found = failures(outcomes)
    assert [f[:3] for f in found] == [("bookstore.books_page", "first_page", "buffers-budget")]


async def test_baseline_shape_differs_fails(admin_url: str, edited: Path, tmp_path: Path) -> None:
    path = edited / "bookstore" / "plans" / "books_page.first_page.txt"
    text = path.read_text()
    path.write_text(
        text.replace("Index Scan Backward using books_published_year_id_idx", "Index Scan using books_pkey")
    )
    assert path.read_text() != text
    outcomes, info = await run(make_target(admin_url, edited, tmp_path / "reports"), quiet, patterns=["books_page"])
    found = failures(outcomes)
    assert found == [
        (
            "bookstore.books_page",
            "first_page",
            "shape",
            "Index Scan Backward using books_published_year_id_idx on bookstore.books",
        )
    ]
    report.write_all(outcomes, info, tmp_path / "reports")
    suite = ET.parse(tmp_path / "reports" / "plans-junit.xml").getroot()
    messages = [f.get("message", "") for f in suite.iter("failure")]
    assert len(messages) == 1
    assert "bookstore.books_page [first_page] shape at Index Scan Backward" in messages[0]
    assert "was `Index Scan using books_pkey on bookstore.books`" in messages[0]
    assert "| `bookstore.books_page` | first_page | shape |" in (tmp_path / "reports" / "plans.md").read_text()
    assert (tmp_path / "reports" / "plans" / "bookstore.books_page.first_page.json").exists()


async def test_update_reports_changed_baselines_with_buffers_before_and_after(
    admin_url: str, edited: Path, tmp_path: Path
) -> None:
    path = edited / "bookstore" / "plans" / "books_page.first_page.txt"
    path.write_text(re.sub(r"\nbuffers: \d+\n", "\nbuffers: 99999\n", path.read_text()))
    target = make_target(admin_url, edited, tmp_path / "reports")
    outcomes, info = await run(target, quiet, update=True, patterns=["books_page"])
    assert failures(outcomes) == []
    text = report.markdown(outcomes, info)
    changed = text.split("## Changed baselines")[1].split("## Cases")[0]
    row = next(line for line in changed.splitlines() if "| first_page |" in line)
    assert "| `bookstore.books_page` | first_page | 99,999 |" in row and row.endswith("| same |")


async def test_query_without_case_fails(admin_url: str, edited: Path, tmp_path: Path) -> None:
    books = edited / "bookstore" / "books.sql"
    books.write_text(
        books.read_text()
        + "\n-- name: book_by_isbn(isbn)^\n-- Returns one book by ISBN.\nselect b.id\nfrom bookstore.books as b\nwhere b.isbn = :isbn;\n"
    )
    outcomes, _ = await run(make_target(admin_url, edited, tmp_path / "reports"), quiet, patterns=["book_by_*"])
    assert [f[:3] for f in failures(outcomes)] == [("bookstore.book_by_isbn", "-", "no-case")]
    assert "books.plans.toml" in outcomes[-1].violations[0].message


async def test_app_without_pinned_custom_plans_fails(admin_url: str, baselined: Path, tmp_path: Path) -> None:
    unpinned = {k: v for k, v in session_settings(Settings()).items() if k != "plan_cache_mode"}
    target = make_target(admin_url, baselined, tmp_path / "reports", app_session=unpinned)
    outcomes, info = await run(target, quiet, patterns=["ping"])
    assert [f[:3] for f in failures(outcomes)] == [
        ("(session)", "plan_cache_mode", "plan-cache-mode"),
        ("(session)", "plan_cache_mode", "plan-cache-mode"),
    ]
    assert info.settings["plan_cache_mode"] == "auto"


async def test_show_prints_a_readable_tree(
    admin_url: str, baselined: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await show(make_target(admin_url, baselined, tmp_path / "reports"), "books_page", "largest_author")
    printed = capsys.readouterr().out
    assert code == 0
    assert "== bookstore.books_page [largest_author]" in printed
    assert "-> Index Scan Backward using books_author_id_published_year_id_idx on bookstore.books" in printed
    assert "FAIL" not in printed


async def test_generic_plan_of_a_skewed_case_reads_far_more_than_the_custom_plan(
    admin_url: str, baselined: Path, tmp_path: Path
) -> None:
    from app.plans.cachemodes import measure
    from app.plans.cases import load_cases
    from app.plans.explain import connect
    from app.plans.named import load_named_queries
    from app.plans.runner import open_checking_session

    target = make_target(admin_url, baselined, tmp_path / "reports")
    named = load_named_queries(baselined)
    case = next(c for c in load_cases(named).queries["bookstore.books_page"].cases if c.name == "rare_author")
    custom, url = await open_checking_session(target, quiet)
    generic = await connect(
        url, {**target.app_session, **target.config.planner_settings, "plan_cache_mode": "force_generic_plan"}
    )
    try:
        measured = await measure(custom, generic, named["bookstore.books_page"], case)
    finally:
        await custom.close()
        await generic.close()
    assert measured.error is None
    assert measured.same_shape is False
    assert measured.generic_buffers > 10 * measured.custom_buffers


async def test_two_runs_at_once_build_the_database_once(admin_url: str) -> None:
    import asyncio

    database = f"{DATABASE}_concurrent"
    loader = seed_modules_fixture({"bookstore": bookstore_seed}, ROOT / "queries", scales={"bookstore": 2_000})

    def prepare() -> Coroutine[Any, Any, tuple[str, bool]]:
        return prepare_database(admin_url, database, ROOT / "schema", loader, 100, quiet, no_progress)

    try:
        results = await asyncio.gather(prepare(), prepare())
    finally:
        await drop_database(admin_url, database)
    assert sorted(reused for _, reused in results) == [False, True]


def messages(outcomes: list[CaseResult], query: str, rule: str) -> list[str]:
    return [v.message for o in outcomes if o.query == query for v in o.violations if v.rule == rule]


@pytest.mark.parametrize(
    ("original", "defeated", "expression"),
    [
        ("or b.author_id = :author_id)", "or b.author_id + 0 = :author_id)", "author_id + 0)`"),
        ("or b.author_id = :author_id)", "or b.author_id::text = :author_id::text)", "author_id)::text`"),
    ],
)
async def test_index_defeated_by_an_expression_is_named_not_blamed_on_statistics(
    admin_url: str, edited: Path, tmp_path: Path, original: str, defeated: str, expression: str
) -> None:
    books = edited / "bookstore" / "books.sql"
    text = books.read_text()
    assert original in text
    books.write_text(text.replace(original, defeated, 1))
    outcomes, _ = await run(make_target(admin_url, edited, tmp_path / "reports"), quiet, patterns=["books_page"])
    found = [m for rule in ("seq-scan", "estimate", "shape") for m in messages(outcomes, "bookstore.books_page", rule)]
    assert found, failures(outcomes)
    assert all(expression in m and "compare the column itself" in m for m in found), found
    assert not any("statistics mislead" in m for m in found), found


async def test_a_result_only_change_names_the_update_command(admin_url: str, edited: Path, tmp_path: Path) -> None:
    books = edited / "bookstore" / "books.sql"
    text = books.read_text()
    original = "select\n    p.id,\n    p.title,\n    a.name as author,"
    assert original in text
    books.write_text(
        text.replace(original, "select\n    p.id,\n    upper(p.title) as title,\n    a.name as author,", 1)
    )
    outcomes, _ = await run(make_target(admin_url, edited, tmp_path / "reports"), quiet, patterns=["books_page"])
    assert {f[2] for f in failures(outcomes)} == {"result"}
    found = messages(outcomes, "bookstore.books_page", "result")
    assert found and all("catalog plans update --query bookstore.books_page" in m for m in found), found
    assert all("the same row count but different rows" in m for m in found), found


async def test_a_new_migration_leaves_the_catalog_reading_core_cases_passing(
    admin_url: str, baselined: Path, tmp_path: Path
) -> None:
    schema = tmp_path / "schema"
    shutil.copytree(ROOT / "schema", schema)
    (schema / "0990_books_note.sql").write_text(
        "alter table bookstore.books add column note text;\ncreate index books_note_idx on bookstore.books (note);\n"
    )
    database = f"{DATABASE}_migrated"
    target = make_target(admin_url, baselined, tmp_path / "reports", schema_dir=schema, database=database)
    try:
        outcomes, _ = await run(target, quiet, patterns=["core.*"])
    finally:
        await drop_database(admin_url, database)
    checked = {o.query for o in outcomes if o.run is not None}
    assert {"core.applied_migrations", "core.index_list", "core.relation_row_estimates"} <= checked
    assert failures(outcomes) == []
