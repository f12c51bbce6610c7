"""The rules every plan case must hold, checked at every node of the plan."""

import re
from dataclasses import dataclass
from typing import Any

from app.plans.baseline import Baseline
from app.plans.config import Thresholds
from app.plans.tree import Node, buffers, heaviest, relation, shape, walk

RULES: dict[str, str] = {
    "no-case": "every named query needs a plan case, or a `skip` with a reason, in its .plans.toml",
    "case-file": "a .plans.toml file must name existing queries and parameters",
    "error": "the case must run without error (and within the statement timeout)",
    "seq-scan": "no Seq Scan on a table with more rows than the threshold, unless the case allows it with a reason",
    "spill": "no sort, hash or aggregate spills to disk (temp blocks, external sort, hash batches > 1)",
    "estimate": "the planner's row estimate at each node is within a factor of the actual rows",
    "buffers-budget": "shared buffers hit + read stay within the case's max_buffers",
    "buffers-baseline": "shared buffers hit + read stay within tolerance of the baseline",
    "shape": "the plan shape (node types, tables, indexes, join types, scan direction) equals the baseline",
    "result": "the result (row count and hash of the ordered rows) equals the baseline",
    "baseline": "every case has a baseline file (write it with `catalog plans update`)",
    "plan-cache-mode": "the app and the checker pin plan_cache_mode = force_custom_plan (see docs/plan-checks.md)",
}


@dataclass(frozen=True)
class Violation:
    """A rule broken, at which node, and why (in words a DBA can act on)."""

    rule: str
    node: str
    message: str

    def __str__(self) -> str:
        where = f" at {self.node}" if self.node else ""
        return f"{self.rule}{where}: {self.message}"


@dataclass(frozen=True)
class Estimate:
    """The node whose row estimate is furthest from the actual rows, and by what factor."""

    factor: float
    node: str
    estimated: float
    actual: float
    expression: str | None = None


CONDITION_KEYS = ("Filter", "Index Cond", "Recheck Cond", "Join Filter", "Hash Cond", "Merge Cond")
# A column inside arithmetic, a cast or a function call: `(author_id + 0)`, `(price)::text`, `lower(title)`.
COLUMN_EXPRESSION = re.compile(
    r"\((?:\w+\.)?[a-z_]\w* [-+*/%|]+ [^()]+\)"
    r"|\((?:\w+\.)?[a-z_]\w*\)::\w+"
    r"|\b(?!any\b|all\b)[a-z_]\w*\((?:\w+\.)?[a-z_]\w*\)"
)


def column_expression(node: Node) -> str | None:
    """The first expression wrapping a column in the node's conditions (`(author_id + 0)`), or None.

    Such a condition cannot use an index on the bare column, and the planner estimates it with a
    default selectivity instead of the column's statistics.
    """
    for key in CONDITION_KEYS:
        found = COLUMN_EXPRESSION.search(str(node.get(key, "")))
        if found:
            return found.group(0)
    return None


def expression_advice(expression: str) -> str:
    """What to do about a condition on an expression of a column rather than the column."""
    return (
        f"the condition compares the expression `{expression}`, not a bare column, so no index on the column"
        " can serve it and the planner guesses its selectivity: compare the column itself"
        " (move the arithmetic or cast to the other side), or index that expression"
    )


def seq_scans(
    plan: dict[str, Any], relation_rows: dict[str, int], allowed: dict[str, str], limit: int
) -> list[Violation]:
    """Seq Scan on a table above `limit` rows (by reltuples) that the case does not allow."""
    found = []
    for node in walk(plan):
        table = relation(node.raw)
        if node.get("Node Type") != "Seq Scan" or table is None or table in allowed:
            continue
        rows = relation_rows.get(table, 0)
        if rows > limit:
            message = f"{table} has about {rows:,} rows (threshold {limit:,})"
            expression = column_expression(node)
            if expression:
                message += f"; {expression_advice(expression)}"
            found.append(Violation("seq-scan", node.label, message))
    return found


def spills(plan: dict[str, Any]) -> list[Violation]:
    """Nodes that wrote or read temporary files, sorted externally, or hashed in several batches."""
    found = []
    for node in walk(plan):
        reasons = []
        temp = node.get("Temp Read Blocks") + node.get("Temp Written Blocks")
        if temp:
            reasons.append(f"{temp:,} temp blocks")
        if node.get("Sort Space Type", "") == "Disk" or "external" in str(node.get("Sort Method", "")):
            reasons.append(f"sort method {node.get('Sort Method')}")
        if node.get("Hash Batches", 1) > 1:
            reasons.append(f"hash in {node.get('Hash Batches')} batches")
        if node.get("HashAgg Batches", 1) > 1 or node.get("Disk Usage"):
            reasons.append(f"hash aggregate used {node.get('Disk Usage'):,} kB of disk")
        if reasons:
            found.append(Violation("spill", node.label, ", ".join(reasons) + " (raise work_mem or change the query)"))
    return found


def _estimate_factor(node: Node, min_rows: int) -> float:
    """How far off the per-loop estimate is: actual/estimate or estimate/actual, 1 when not judged.

    Counts below `min_rows` on both sides are noise. Below a Limit (or in a semi/anti join or
    subplan) execution may stop early, so an overestimate counts there only when the node returned
    no row at all: then nothing stopped it, it ran to the end and found none.
    """
    if node.get("Actual Loops") == 0:
        return 1.0
    estimated = float(node.get("Plan Rows"))
    actual = float(node.get("Actual Rows"))
    if max(estimated, actual) < min_rows:
        return 1.0
    if actual >= estimated:
        return actual / max(estimated, 1.0)
    if node.may_stop_early and actual > 0:
        return 1.0
    return estimated / max(actual, 1.0)


def worst_estimate(plan: dict[str, Any], min_rows: int) -> Estimate:
    """The node with the largest estimate error (factor 1.0 at the root when all are fine)."""
    worst = Estimate(1.0, "", 0.0, 0.0)
    for node in walk(plan):
        factor = _estimate_factor(node, min_rows)
        if factor > worst.factor:
            worst = Estimate(
                factor,
                node.label,
                float(node.get("Plan Rows")),
                float(node.get("Actual Rows")),
                column_expression(node),
            )
    return worst


def estimates(plan: dict[str, Any], factor: float, min_rows: int) -> list[Violation]:
    """The worst node, when its estimate is more than `factor` away from the actual rows."""
    worst = worst_estimate(plan, min_rows)
    if worst.factor <= factor:
        return []
    if worst.expression:
        advice = expression_advice(worst.expression)
    else:
        advice = (
            "the statistics mislead the planner: refresh them (analyze), raise the column's statistics target,"
            " or add extended statistics on correlated columns"
        )
    return [
        Violation(
            "estimate",
            worst.node,
            f"estimated {worst.estimated:,.0f} rows, got {worst.actual:,.0f} per loop"
            f" ({worst.factor:,.0f}x, limit {factor:g}x): {advice}",
        )
    ]


def budget(plan: dict[str, Any], max_buffers: int | None) -> list[Violation]:
    """The case's own buffer budget."""
    used = buffers(plan)
    if max_buffers is None or used <= max_buffers:
        return []
    return [Violation("buffers-budget", heaviest(plan), f"{used:,} buffers in all, budget {max_buffers:,}")]


def against_baseline(
    plan: dict[str, Any],
    rows: int | None,
    result_hash: str | None,
    baseline: Baseline,
    thresholds: Thresholds,
    query: str = "",
    judge_shape: bool = True,
) -> list[Violation]:
    """Shape, buffers and result compared with the baseline file (result_hash None: count only; rows None:
    neither; judge_shape False: buffers only). `query` (namespace.name) goes into the update hint."""
    found = []
    now = shape(plan)
    if judge_shape and now != list(baseline.shape):
        pairs = enumerate(zip(now, baseline.shape))
        index = next((i for i, (a, b) in pairs if a != b), min(len(now), len(baseline.shape)))
        was = baseline.shape[index].strip() if index < len(baseline.shape) else "(nothing)"
        is_now = now[index].strip() if index < len(now) else "(nothing)"
        message = f"line {index + 1} of the plan was `{was}`"
        expression = next((e for e in map(column_expression, walk(plan)) if e), None)
        if expression:
            message += f"; {expression_advice(expression)}"
        found.append(Violation("shape", is_now, message))
    used = buffers(plan)
    allowed = baseline.buffers * thresholds.buffer_tolerance + thresholds.buffer_slack
    if used > allowed:
        found.append(
            Violation(
                "buffers-baseline",
                heaviest(plan),
                f"{used:,} buffers in all, baseline {baseline.buffers:,} (allowed up to {allowed:,.0f})",
            )
        )
    if rows is None:
        return found
    if rows != baseline.rows or (result_hash is not None and result_hash != baseline.result_hash):
        what = f"{rows:,} rows" if rows != baseline.rows else "the same row count but different rows"
        message = f"the query now returns {what} (baseline {baseline.rows:,} rows)"
        if not found:
            name = query or baseline.query
            message += (
                f"; the plan is unchanged, so if the new result is intended (a changed projection or filter),"
                f" record it: catalog plans update --query {name}"
            )
        found.append(Violation("result", "", message))
    return found
