"""Walking an EXPLAIN (FORMAT JSON) plan: every node, its label, the shape, a readable tree."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# Nodes below which actual rows may be fewer than estimated because execution stops early.
EARLY_STOP_TYPES = {"Limit", "Merge Join"}
EARLY_STOP_JOINS = {"Semi", "Anti", "Right Semi", "Right Anti"}


@dataclass(frozen=True)
class Node:
    """One plan node with where it sits: its depth, and whether an ancestor may stop it early."""

    raw: dict[str, Any]
    depth: int
    may_stop_early: bool

    @property
    def label(self) -> str:
        return node_label(self.raw)

    def get(self, key: str, default: Any = 0) -> Any:
        return self.raw.get(key, default)


def relation(raw: dict[str, Any]) -> str | None:
    """schema.table of a scan node (EXPLAIN VERBOSE gives the schema), else None."""
    name = raw.get("Relation Name")
    if name is None:
        return None
    schema = raw.get("Schema")
    return f"{schema}.{name}" if schema else name


def node_label(raw: dict[str, Any]) -> str:
    """`Index Only Scan Backward using books_pkey on bookstore.books`: type, direction, index, table."""
    parts = [raw["Node Type"]]
    if raw.get("Node Type") == "ModifyTable" and raw.get("Operation"):
        parts = [raw["Operation"]]
    if raw.get("Strategy") and raw["Node Type"] in {"Aggregate", "SetOp"}:
        parts.insert(0, {"Hashed": "Hash", "Sorted": "Group", "Plain": "", "Mixed": "Mixed"}.get(raw["Strategy"], ""))
    if raw.get("Join Type") and raw["Join Type"] != "Inner":
        kind = raw["Node Type"].removesuffix(" Join")
        parts[-1] = f"{kind} {raw['Join Type']} Join"
    if raw.get("Scan Direction") == "Backward":
        parts.append("Backward")
    if raw.get("Index Name"):
        parts.append(f"using {raw['Index Name']}")
    table = relation(raw)
    if table:
        parts.append(f"on {table}")
    if raw.get("Function Name"):
        parts.append(f"on {raw['Function Name']}()")
    if raw.get("CTE Name"):
        parts.append(f"on {raw['CTE Name']}")
    if raw.get("Parent Relationship") in {"InitPlan", "SubPlan"}:
        parts.insert(0, f"[{raw['Parent Relationship']}]")
    return " ".join(p for p in parts if p)


def walk(plan: dict[str, Any]) -> Iterator[Node]:
    """Every node depth-first, children in plan order (a `Plan` dict from EXPLAIN's JSON)."""

    def visit(raw: dict[str, Any], depth: int, stopping: bool) -> Iterator[Node]:
        yield Node(raw=raw, depth=depth, may_stop_early=stopping)
        stops = stopping or raw.get("Node Type") in EARLY_STOP_TYPES or raw.get("Join Type") in EARLY_STOP_JOINS
        for child in raw.get("Plans", []):
            child_stops = stops or child.get("Parent Relationship") in {"InitPlan", "SubPlan"}
            yield from visit(child, depth + 1, child_stops)

    yield from visit(plan, 0, False)


def shape(plan: dict[str, Any]) -> list[str]:
    """The plan's shape as indented lines: what a baseline compares, independent of costs and timing."""
    return ["  " * node.depth + node.label for node in walk(plan)]


def buffers(raw: dict[str, Any]) -> int:
    """Shared blocks hit plus read by a node and everything below it."""
    return int(raw.get("Shared Hit Blocks", 0)) + int(raw.get("Shared Read Blocks", 0))


def heaviest(plan: dict[str, Any]) -> str:
    """The label of the node that itself (children excluded) hit or read the most shared buffers."""
    best, most = node_label(plan), -1
    for node in walk(plan):
        own = buffers(node.raw) - sum(buffers(child) for child in node.raw.get("Plans", []))
        if own > most:
            best, most = node.label, own
    return best


def render(plan: dict[str, Any]) -> str:
    """A readable tree with estimated and actual rows, loops, buffers and time per node."""
    lines = []
    for node in walk(plan):
        raw = node.raw
        if raw.get("Actual Loops", 0) == 0 and "Actual Loops" in raw:
            detail = "never executed"
        else:
            detail = (
                f"rows est {raw.get('Plan Rows', 0):,} actual {raw.get('Actual Rows', 0):,}"
                f" x{raw.get('Actual Loops', 1)} loops, buffers {buffers(raw):,},"
                f" {raw.get('Actual Total Time', 0):.3f} ms"
            )
        lines.append(f"{'  ' * node.depth}-> {node.label}  ({detail})")
        for key in ("Index Cond", "Recheck Cond", "Filter", "Join Filter", "Hash Cond", "Merge Cond", "Sort Key"):
            if key in raw:
                value = ", ".join(raw[key]) if isinstance(raw[key], list) else raw[key]
                lines.append(f"{'  ' * node.depth}     {key}: {value}")
        if raw.get("Rows Removed by Filter"):
            lines.append(f"{'  ' * node.depth}     Rows Removed by Filter: {raw['Rows Removed by Filter']:,}")
    return "\n".join(lines)
