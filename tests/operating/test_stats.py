"""`catalog stats` (issue #19): each named query's figures from pg_stat_statements beside its plan budget."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import asyncpg
import httpx
import pytest

from app import stats
from app.core.sql import StatementStatisticsRow
from app.settings import ROOT
from tests.bookstore.helpers import add_book
from tests.servers import free_port


def row(query: str, calls: int, hit: int, read: int = 0, ms: float = 1.0, rows: int = 1) -> StatementStatisticsRow:
    return {
        "query": query,
        "calls": calls,
        "total_exec_time": ms,
        "rows": rows,
        "shared_blks_hit": hit,
        "shared_blks_read": read,
    }


def report(rows: list[StatementStatisticsRow]) -> stats.Report:
    return stats.build(rows, stats.budgets(ROOT / "queries"), stats.Report("db", "18.1", None), min_calls=2)


def test_budget_is_the_most_buffers_any_checked_case_allows() -> None:
    known = stats.budgets(ROOT / "queries")
    budget, file = known["bookstore.book_by_id"]
    # baselines: existing 16 buffers, missing 3 -> 16 x 1.5 + 20 = 44 and 24.5 -> 24; the larger one counts.
    assert (budget.buffers, budget.cases, file) == (44, 2, "queries/bookstore/books.sql")
    assert known["bookstore.synthetic_books"][0].buffers is None  # a skipped query has no budget
    assert known["bookstore.synthetic_books"][0].skipped
    # A case's own max_buffers wins when it is lower than its baseline's tolerance.
    assert known["inventory.has_products"][0].buffers == 5  # max_buffers 5, below 2 x 1.5 + 20


def test_queries_over_their_budget_are_flagged_and_listed_first() -> None:
    name = "/* catalog: bookstore.book_by_id */"
    found = report(
        [
            row(f"select {name} b.id from bookstore.books as b where b.id = $1", calls=10, hit=260, read=1, ms=5.0),
            row(f"select {name} b.id from bookstore.books as b where b.id = $1", calls=10, hit=0, ms=5.0),  # other user
            row("select /* catalog: bookstore.authors_page */ a.id from bookstore.authors as a", 4, hit=40, ms=90.0),
            row("select /* catalog: bookstore.gone_query */ 1", 1, hit=1),
            row("select /* catalog: bookstore.synthetic_books */ 1", 1, hit=9_000),
            row("select pg_sleep($1)", 2, hit=0, ms=2000.0),
            row("<insufficient privilege>", 3, hit=3),
        ]
    )
    lines = {q.query: q for q in found.queries}
    over = lines["bookstore.book_by_id"]
    assert (over.calls, over.buffers_per_call, over.verdict) == (20, 13.05, "ok")  # 261 buffers over 20 calls
    assert lines["bookstore.authors_page"].verdict == "ok"
    assert lines["bookstore.gone_query"].verdict == "unknown"
    assert lines["bookstore.synthetic_books"].verdict == "no budget"
    few = report([row(f"select {name} 1", calls=1, hit=900)])
    assert few.queries[0].verdict == "few calls" and not few.over_budget  # one call is not judged
    assert found.others_total == 1 and found.others[0].text == "select pg_sleep($1)"
    assert found.hidden == 1
    heavy = report([row(f"select {name} 1", calls=2, hit=85, read=6)])
    assert heavy.queries[0].verdict == "over budget" and heavy.queries[0].buffers_per_call == 45.5
    assert "OVER bookstore.book_by_id (queries/bookstore/books.sql): 45.5 buffers per call" in stats.text(heavy)
    exact = report([row(f"select {name} 1", calls=2, hit=88)])
    assert exact.queries[0].verdict == "ok"  # 44 per call: at the budget, not over it


async def test_figures_come_from_the_requests_the_app_answered(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    book = await add_book(client, title="Emma", author="Jane Austen")
    found = await stats.collect(conn, ROOT / "queries")
    first = {q.query: q.calls for q in found.queries}.get("bookstore.book_by_id", 0)
    for _ in range(3):
        assert (await client.get(f"/bookstore/books/{book['id']}")).status_code == 200
    found = await stats.collect(conn, ROOT / "queries", reset=True, min_calls=3)
    line = next(q for q in found.queries if q.query == "bookstore.book_by_id")
    assert line.calls == first + 3 and line.rows_per_call == 1 and line.verdict == "ok"
    assert 0 < line.buffers_per_call <= 44 and line.file == "queries/bookstore/books.sql"
    assert "bookstore.insert_book" in {q.query for q in found.queries}
    after = await stats.collect(conn, ROOT / "queries")  # reset: only what ran since
    assert "bookstore.book_by_id" not in {q.query for q in after.queries}


async def test_a_query_reading_more_than_its_cases_allow_fails_the_command(
    client: httpx.AsyncClient, conn: asyncpg.Connection, tmp_path: Path
) -> None:
    queries = tmp_path / "queries"
    shutil.copytree(ROOT / "queries", queries)
    cases = queries / "bookstore" / "books.plans.toml"
    cases.write_text(
        cases.read_text().replace("params = { book_id = 500000 }", "params = { book_id = 500000 }\nmax_buffers = 1")
    )
    (queries / "bookstore" / "plans" / "book_by_id.missing.txt").unlink()
    book = await add_book(client, title="Persuasion", author="Jane Austen")
    for _ in range(10):
        assert (await client.get(f"/bookstore/books/{book['id']}")).status_code == 200
    found = await stats.collect(conn, queries)
    line = next(q for q in found.queries if q.query == "bookstore.book_by_id")
    assert line.budget == 1 and line.verdict == "over budget" and line in found.over_budget
    assert found.queries[: len(found.over_budget)] == found.over_budget  # the files to look at first
    assert stats.text(found).count("\nOVER ") == len(found.over_budget)


def catalog_stats(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "stats", *args],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": database_url, "HOME": str(Path.home())},
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_the_command_prints_text_markdown_and_json(client: httpx.AsyncClient, database_url: str) -> None:
    assert (await client.get("/bookstore/authors")).status_code == 200
    plain = catalog_stats(database_url)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.startswith("query ") and "bookstore.authors_page" in plain.stdout
    assert "stats: every named query within its plan budget" in plain.stdout
    md = catalog_stats(database_url, "--format", "markdown")
    assert md.stdout.startswith("# Query statistics") and "## Not ours" in md.stdout
    assert "| `queries/bookstore/authors.sql` |" in md.stdout
    data = json.loads(catalog_stats(database_url, "--format", "json", "--min-calls", "1").stdout)
    authors = next(q for q in data["queries"] if q["query"] == "bookstore.authors_page")
    assert authors["calls"] >= 1 and authors["verdict"] == "ok" and data["database"] in database_url


async def test_without_the_extension_the_command_says_how_to_enable_it(
    conn: asyncpg.Connection, database_url: str
) -> None:
    await conn.execute("drop extension pg_stat_statements")
    done = catalog_stats(database_url)
    assert done.returncode == 2 and done.stdout == ""
    assert "pg_stat_statements is not installed" in done.stderr and "shared_preload_libraries" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "url", ["postgresql://nobody@127.0.0.1:{port}/catalog", "postgresql://x@/db?host=/nonexistent"]
)
def test_an_unreachable_database_is_one_clear_line(url: str) -> None:
    done = catalog_stats(url.format(port=free_port()))
    assert done.returncode == 2 and "cannot connect to the app's database" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
