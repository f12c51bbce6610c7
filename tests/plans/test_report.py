"""The reports a CI shows and a DBA reads (Markdown summary, JUnit, self-contained HTML), built from
plans recorded at full scale (tests/plans/recorded/): no database needed."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from app.plans import report
from app.plans.baseline import Baseline
from app.plans.cases import Case
from app.plans.check import CaseResult
from app.plans.explain import CaseRun
from app.plans.html import page
from app.plans.report import RunInfo
from app.plans.rules import Violation
from app.plans.tree import buffers, shape, walk

RECORDED = Path(__file__).parent / "recorded"
INFO = RunInfo(
    database="catalog_plans",
    server_version="PostgreSQL 18",
    fixture="bookstore=1,000,000",
    settings={"plan_cache_mode": "force_custom_plan", "work_mem": "4MB"},
    seconds=6.0,
)


def recorded(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((RECORDED / f"{name}.json").read_text())
    return document


def run_of(name: str, case: str) -> CaseRun:
    query = "bookstore." + name.split(".")[0]
    return CaseRun(
        case=Case(query=query, name=case, description=f"the {case} case", params={}),
        args=(),
        explain=recorded(name),
        rows=21,
        result_hash="abc",
    )


def baseline_for(run: CaseRun, shape_lines: list[str] | None = None, used: int | None = None) -> Baseline:
    return Baseline(
        query=run.case.query,
        case=run.case.name,
        rows=run.rows,
        result_hash=run.result_hash,
        buffers=buffers(run.plan) if used is None else used,
        shape=tuple(shape(run.plan) if shape_lines is None else shape_lines),
    )


def passing() -> CaseResult:
    run = run_of("author_by_id.largest_author", "largest_author")
    return CaseResult(query=run.case.query, case=run.case.name, run=run, baseline=baseline_for(run))


def failing_shape() -> CaseResult:
    """books_page [largest_author] whose baseline used the newest-first index, with far fewer buffers."""
    run = run_of("books_page.largest_author", "largest_author")
    before = [
        line.replace("books_author_id_published_year_id_idx", "books_published_year_id_idx") for line in shape(run.plan)
    ]
    known = baseline_for(run, before, used=17)
    violations = [
        Violation(
            "shape",
            "Index Scan Backward using books_author_id_published_year_id_idx on bookstore.books",
            "line 3 of the plan was `Index Scan Backward using books_published_year_id_idx on bookstore.books`",
        ),
        Violation("buffers-baseline", "Nested Loop", "215 buffers in all, baseline 17 (allowed up to 46)"),
    ]
    return CaseResult(query=run.case.query, case=run.case.name, run=run, baseline=known, violations=violations)


def updated() -> CaseResult:
    """books_page [absent_title_word] rewritten by `update`: same shape, buffers 900 -> now."""
    run = run_of("books_page.absent_title_word", "absent_title_word")
    return CaseResult(
        query=run.case.query,
        case=run.case.name,
        run=run,
        baseline=baseline_for(run),
        baseline_written=True,
        previous=baseline_for(run, used=900),
    )


def skipped() -> CaseResult:
    return CaseResult(query="bookstore.synthetic_books", case="-", skipped="bulk loader run once by `catalog seed`")


class Sections(HTMLParser):
    """Collects each <section class="case ...">: its attributes, trees, bars and node labels."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[dict[str, Any]] = []
        self.external: list[str] = []
        self.stack: list[str] = []
        self.tree: str | None = None
        self.in_label = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        if tag in {"link", "img", "iframe"} or (tag == "script" and found.get("src")):
            self.external.append(tag)
        if (found.get("href") or "#").startswith(("http:", "https:", "//")):
            self.external.append(str(found["href"]))
        if tag == "section" and "case" in classes:
            self.sections.append({"attrs": found, "classes": classes, "trees": {}, "bars": [], "open_nodes": 0})
        if not self.sections or tag in {"br", "meta"}:
            return
        current = self.sections[-1]
        if tag == "div" and "tree" in classes:
            self.tree = next(c for c in classes if c != "tree")
            current["trees"][self.tree] = {"labels": [], "changed": 0}
        if tag == "details" and "node" in classes and self.tree:
            current["trees"][self.tree]["changed"] += "changed" in classes
        if tag == "span" and "bar" in classes:
            current["bars"].append((classes[1], found.get("style", "")))
        if tag == "span" and "label" in classes:
            self.in_label = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "span":
            self.in_label = False
        if tag == "section":
            self.tree = None

    def handle_data(self, data: str) -> None:
        if self.in_label and self.tree and self.sections:
            self.sections[-1]["trees"][self.tree]["labels"].append(data)


def parse(html: str) -> Sections:
    parser = Sections()
    parser.feed(html)
    parser.close()
    return parser


def test_html_has_one_section_per_case_failing_first() -> None:
    outcomes = [passing(), skipped(), updated(), failing_shape()]
    parsed = parse(page(outcomes, INFO))
    names = [(s["attrs"]["data-query"], s["attrs"]["data-case"]) for s in parsed.sections]
    assert names == [
        ("bookstore.books_page", "largest_author"),  # failing
        ("bookstore.books_page", "absent_title_word"),  # baseline rewritten
        ("bookstore.author_by_id", "largest_author"),  # passing
        ("bookstore.synthetic_books", "-"),  # skipped
    ]
    assert [s["attrs"]["data-verdict"] for s in parsed.sections] == ["FAIL", "updated", "ok", "skip"]
    assert "fail" in parsed.sections[0]["classes"]


def test_html_is_self_contained() -> None:
    html = page([passing(), failing_shape()], INFO)
    assert parse(html).external == []
    assert "<style>" in html and "<script>" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)


def test_each_plan_node_is_a_foldable_element_with_rows_and_buffers_bars() -> None:
    outcome = passing()
    assert outcome.run is not None
    nodes = list(walk(outcome.run.plan))
    section = parse(page([outcome], INFO)).sections[0]
    assert section["trees"]["now"]["labels"] == [n.label for n in nodes]
    kinds = [kind for kind, _ in section["bars"]]
    executed = [n for n in nodes if n.raw.get("Actual Loops", 0) > 0]
    assert kinds.count("estimated") == kinds.count("actual") == kinds.count("buffers") == len(executed)
    widths = [float(re.findall(r"width: ([\d.]+)%", style)[0]) for _, style in section["bars"]]
    assert all(0 <= w <= 100 for w in widths) and max(widths) == 100.0
    # The root holds every buffer below it: its buffers bar is the full width.
    assert section["bars"][2] == ("buffers", "width: 100.0%")


def test_html_nests_nodes_like_the_plan() -> None:
    outcome = passing()
    assert outcome.run is not None
    html = page([outcome], INFO)
    tree = html.split('<div class="tree now">')[1].split("</div>\n</div>")[0]
    depth, deepest = 0, 0
    for tag in re.findall(r"<details class=\"node[^\"]*\"|</details>", tree):
        depth += -1 if tag == "</details>" else 1
        deepest = max(deepest, depth)
    assert depth == 0
    assert deepest == max(n.depth for n in walk(outcome.run.plan)) + 1


def test_baseline_tree_only_when_the_shape_changed() -> None:
    parsed = parse(page([passing(), failing_shape(), updated()], INFO)).sections
    sections = {(s["attrs"]["data-query"], s["attrs"]["data-case"]): s for s in parsed}
    changed = sections[("bookstore.books_page", "largest_author")]
    assert set(changed["trees"]) == {"now", "baseline"}
    baseline_labels = changed["trees"]["baseline"]["labels"]
    assert "Index Scan Backward using books_published_year_id_idx on bookstore.books" in baseline_labels
    assert (
        "Index Scan Backward using books_author_id_published_year_id_idx on bookstore.books"
        in (changed["trees"]["now"]["labels"])
    )
    # The one differing line is marked in both trees.
    assert changed["trees"]["baseline"]["changed"] == changed["trees"]["now"]["changed"] == 1
    assert set(sections[("bookstore.books_page", "absent_title_word")]["trees"]) == {"now"}
    assert set(sections[("bookstore.author_by_id", "largest_author")]["trees"]) == {"now"}


def test_html_baseline_tree_in_update_mode_is_the_replaced_one() -> None:
    outcome = updated()
    assert outcome.run is not None and outcome.previous is not None
    previous = baseline_for(outcome.run, ["Seq Scan on bookstore.books"], used=900)
    outcome.previous = previous
    section = parse(page([outcome], INFO)).sections[0]
    assert section["trees"]["baseline"]["labels"] == ["Seq Scan on bookstore.books"]


def test_markdown_opens_with_failures_then_changed_baselines() -> None:
    text = report.markdown([passing(), updated(), failing_shape(), skipped()], INFO)
    head = text.split("## ")[0]  # everything before the first section
    lines = [line for line in head.splitlines() if line.strip()]
    assert lines[0] == "# Plan checks"
    assert lines[1] == "**plans: FAILED: 3 cases, 1 failing, 1 skipped, in 6s**"
    assert lines[2].startswith("- **1 failing** (")
    assert lines[3] == (
        "  - `bookstore.books_page` [largest_author]: shape, buffers-baseline; 17 -> 216 buffers; shape changed"
    )
    assert lines[4] == "- **1 changed baseline(s)**:"
    assert lines[5] == "  - `bookstore.books_page` [absent_title_word]: 900 -> 658,791 buffers, same shape"
    assert lines[6] == "- 2 passing, 1 skipped"


def test_markdown_without_failures_is_one_line_of_summary() -> None:
    text = report.markdown([passing()], INFO)
    assert "**plans: passed: 1 cases, 0 failing, 0 skipped, in 6s**\n\n- 1 passing, 0 skipped\n" in text
    assert "## Failures" not in text


def test_junit_keeps_one_testcase_per_query_case(tmp_path: Path) -> None:
    outcomes = [passing(), updated(), failing_shape(), skipped()]
    written = report.write_all(outcomes, INFO, tmp_path)
    assert tmp_path / "plans.html" in written
    suite = ET.parse(tmp_path / "plans-junit.xml").getroot()
    cases = [(c.get("classname"), c.get("name")) for c in suite.iter("testcase")]
    assert cases == [(o.query, o.case) for o in outcomes]
    assert suite.get("failures") == "1" and suite.get("skipped") == "1"
    assert len(parse((tmp_path / "plans.html").read_text()).sections) == 4
