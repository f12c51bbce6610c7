"""The rule engine on plans recorded at full scale (tests/plans/recorded/) and on hand-written ones."""

import copy
import json
from pathlib import Path
from typing import Any

from app.plans import rules
from app.plans.baseline import Baseline
from app.plans.config import Thresholds
from app.plans.tree import buffers, node_label, shape, walk

RECORDED = Path(__file__).parent / "recorded"
LIMITS = Thresholds()
BOOKS: dict[str, Any] = {"Relation Name": "books", "Schema": "s"}


def recorded(name: str) -> dict[str, Any]:
    plan: dict[str, Any] = json.loads((RECORDED / f"{name}.json").read_text())["Plan"]
    return plan


def node(node_type: str, rows: float = 1, estimate: float = 1, loops: int = 1, **extra: Any) -> dict[str, Any]:
    return {"Node Type": node_type, "Plan Rows": estimate, "Actual Rows": rows, "Actual Loops": loops, **extra}


def seq_scan(table: str, rows: float = 5) -> dict[str, Any]:
    schema, name = table.split(".")
    relation: dict[str, Any] = {"Relation Name": name, "Schema": schema}
    return node("Seq Scan", rows, rows, **relation)


def find(plan: dict[str, Any], label_part: str) -> dict[str, Any]:
    return next(n.raw for n in walk(plan) if label_part in n.label)


def baseline_of(plan: dict[str, Any], rows: int = 21, digest: str = "abc") -> Baseline:
    return Baseline("q", "c", rows, digest, buffers(plan), tuple(shape(plan)))


# Labels and shape


def test_labels_name_type_direction_index_and_table() -> None:
    plan = recorded("books_page.largest_author")
    labels = [n.label for n in walk(plan)]
    assert "Index Scan Backward using books_author_id_published_year_id_idx on bookstore.books" in labels
    assert "[SubPlan] Sort" in labels
    assert "Index Only Scan using book_category_pkey on bookstore.book_category" in labels


def test_index_only_and_index_scan_are_different_shapes() -> None:
    plan = recorded("books_page.largest_author")
    changed = copy.deepcopy(plan)
    find(changed, "Index Only Scan using book_category_pkey")["Node Type"] = "Index Scan"
    assert shape(plan) != shape(changed)


def test_join_type_and_modify_operation_in_label() -> None:
    assert node_label({"Node Type": "Hash Join", "Join Type": "Anti"}) == "Hash Anti Join"
    assert node_label({"Node Type": "Nested Loop", "Join Type": "Left"}) == "Nested Loop Left Join"
    assert node_label({"Node Type": "ModifyTable", "Operation": "Delete", "Relation Name": "t", "Schema": "s"}) == (
        "Delete on s.t"
    )


# seq-scan


def test_seq_scan_over_threshold_is_named_with_its_table() -> None:
    plan = node("Limit", Plans=[seq_scan("bookstore.books", 21)])
    found = rules.seq_scans(plan, {"bookstore.books": 1_000_000}, {}, LIMITS.seq_scan_rows)
    assert [(v.rule, v.node) for v in found] == [("seq-scan", "Seq Scan on bookstore.books")]
    assert "1,000,000" in found[0].message


def test_seq_scan_on_small_table_or_with_allowance_passes() -> None:
    plan = node("Hash Join", Plans=[seq_scan("bookstore.categories"), seq_scan("bookstore.books")])
    sizes = {"bookstore.categories": 305, "bookstore.books": 1_000_000}
    allowed = {"bookstore.books": "counts every row by design"}
    assert rules.seq_scans(plan, sizes, allowed, LIMITS.seq_scan_rows) == []
    assert len(rules.seq_scans(plan, sizes, {}, LIMITS.seq_scan_rows)) == 1


def test_recorded_index_plan_has_no_seq_scan() -> None:
    plan = recorded("books_page.absent_title_word")
    assert rules.seq_scans(plan, {"bookstore.books": 1_000_000}, {}, 10_000) == []


# spill


def test_external_sort_and_temp_blocks_are_spills() -> None:
    on_disk: dict[str, Any] = {"Sort Method": "external merge", "Sort Space Type": "Disk"}
    sort = node("Sort", 100, 100, **on_disk)
    sort["Temp Written Blocks"] = 1200
    found = rules.spills(node("Limit", Plans=[sort]))
    assert [v.node for v in found] == ["Sort"]
    assert "1,200 temp blocks" in found[0].message and "external merge" in found[0].message


def test_multi_batch_hash_is_a_spill_and_in_memory_sort_is_not() -> None:
    batches: dict[str, Any] = {"Hash Batches": 4, "Original Hash Batches": 1}
    top_n: dict[str, Any] = {"Sort Method": "top-N heapsort", "Sort Space Type": "Memory"}
    hash_node, in_memory = node("Hash", **batches), node("Sort", **top_n)
    found = rules.spills(node("Hash Join", Plans=[in_memory, hash_node]))
    assert [v.node for v in found] == ["Hash"]


def test_recorded_plans_do_not_spill() -> None:
    for name in ("books_page.largest_author", "books_page.absent_title_word", "author_by_id.largest_author"):
        assert rules.spills(recorded(name)) == []


# estimate


def test_underestimate_in_recorded_plan_is_reported_at_the_worst_node() -> None:
    plan = recorded("author_by_id.largest_author")
    assert rules.estimates(plan, LIMITS.estimate_factor, LIMITS.estimate_min_rows) == []
    find(plan, "Index Only Scan")["Plan Rows"] = 10  # what the planner guessed for a.id (any author)
    found = rules.estimates(plan, LIMITS.estimate_factor, LIMITS.estimate_min_rows)
    assert len(found) == 1
    assert found[0].node == "Index Only Scan using books_author_id_published_year_id_idx on bookstore.books"
    assert "estimated 10 rows" in found[0].message


def test_overestimate_below_a_limit_is_not_a_misestimate() -> None:
    plan = recorded("books_page.largest_author")
    scan = find(plan, "Index Scan Backward")
    assert scan["Plan Rows"] > 100 * scan["Actual Rows"]
    assert rules.estimates(plan, LIMITS.estimate_factor, LIMITS.estimate_min_rows) == []


def test_overestimate_without_a_limit_is_a_misestimate() -> None:
    plan = node("Hash Join", 50, 50, Plans=[node("Seq Scan", rows=50, estimate=90_000), node("Hash", 50, 50)])
    found = rules.estimates(plan, 100, 100)
    assert [v.node for v in found] == ["Seq Scan"]


def test_tiny_counts_and_unexecuted_nodes_are_not_judged() -> None:
    plan = node("Nested Loop", 3, 3, Plans=[node("Index Scan", rows=0, estimate=60), node("Sort", 0, 5000, loops=0)])
    assert rules.worst_estimate(plan, 100).factor == 1.0


def test_per_loop_rows_are_compared() -> None:
    inner = node("Index Scan", rows=2, estimate=2, loops=50_000)
    assert rules.estimates(node("Nested Loop", 100_000, 100_000, Plans=[inner]), 100, 100) == []


# buffers, shape, result


def test_budget_exceeded_names_the_buffers() -> None:
    plan = recorded("books_page.largest_author")
    assert rules.budget(plan, 1000) == []
    found = rules.budget(plan, 100)
    assert [v.rule for v in found] == ["buffers-budget"] and "budget 100" in found[0].message


def test_same_plan_matches_its_baseline() -> None:
    plan = recorded("books_page.largest_author")
    assert rules.against_baseline(plan, 21, "abc", baseline_of(plan), LIMITS) == []


def test_shape_change_names_the_new_node_and_the_old_line() -> None:
    plan = recorded("books_page.largest_author")
    before = baseline_of(plan)
    find(plan, "Index Scan Backward")["Index Name"] = "books_published_year_id_idx"
    found = rules.against_baseline(plan, 21, "abc", before, LIMITS)
    assert [v.rule for v in found] == ["shape"]
    assert found[0].node == "Index Scan Backward using books_published_year_id_idx on bookstore.books"
    assert "books_author_id_published_year_id_idx" in found[0].message


def test_buffers_within_tolerance_pass_and_beyond_fail() -> None:
    plan = recorded("books_page.largest_author")
    used = buffers(plan)
    within = Baseline("q", "c", 21, "abc", int(used / LIMITS.buffer_tolerance), tuple(shape(plan)))
    assert rules.against_baseline(plan, 21, "abc", within, LIMITS) == []
    tenth = Baseline("q", "c", 21, "abc", used // 10, tuple(shape(plan)))
    found = rules.against_baseline(plan, 21, "abc", tenth, LIMITS)
    assert [(v.rule, v.node) for v in found] == [
        ("buffers-baseline", "Index Scan using categories_pkey on bookstore.categories")
    ]


def test_result_change_is_reported_and_can_be_limited_to_the_count() -> None:
    plan = recorded("books_page.largest_author")
    before = baseline_of(plan, rows=21, digest="abc")
    assert [v.rule for v in rules.against_baseline(plan, 21, "def", before, LIMITS)] == ["result"]
    assert [v.rule for v in rules.against_baseline(plan, 20, None, before, LIMITS)] == ["result"]
    assert rules.against_baseline(plan, 21, None, before, LIMITS) == []


def test_every_rule_is_explained() -> None:
    for rule in ("seq-scan", "spill", "estimate", "buffers-budget", "buffers-baseline", "shape", "result", "no-case"):
        assert rules.RULES[rule]


def test_node_that_ran_to_the_end_below_a_limit_is_judged() -> None:
    plan = recorded("books_page.absent_title_word")
    found = rules.estimates(plan, LIMITS.estimate_factor, LIMITS.estimate_min_rows)
    assert [v.node for v in found] == ["Index Scan Backward using books_published_year_id_idx on bookstore.books"]
    assert "got 0 per loop" in found[0].message


# The estimate advice: an expression of a column, or misleading statistics


def test_estimate_advice_names_an_expression_of_a_column() -> None:
    for condition, expression in [
        ("((b.author_id + 0) = 5)", "(b.author_id + 0)"),
        ("((price)::text = '5'::text)", "(price)::text"),
        ("(lower(title) = 'x'::text)", "lower(title)"),
    ]:
        plan = node("Seq Scan", rows=5, estimate=5_000, Filter=condition, **BOOKS)
        found = rules.estimates(plan, LIMITS.estimate_factor, LIMITS.estimate_min_rows)
        assert len(found) == 1 and f"`{expression}`" in found[0].message, (condition, found)
        assert "compare the column itself" in found[0].message


def test_estimate_advice_on_plain_conditions_is_about_statistics() -> None:
    for condition in [
        "(author_id = 5)",
        "((title ~~ 'x%'::text) AND (published_year > 2000))",
        "(published_year = ANY ('{1,2}'::integer[]))",
    ]:
        plan = node("Seq Scan", rows=5, estimate=5_000, Filter=condition, **BOOKS)
        found = rules.estimates(plan, LIMITS.estimate_factor, LIMITS.estimate_min_rows)
        assert len(found) == 1 and "statistics mislead the planner" in found[0].message, (condition, found)
