"""reports/plans.html: every case's plan as a tree a DBA folds, rows and buffers per node drawn as bars.

One self-contained file (inline CSS and a few lines of inline JS, no external asset): a section per
case, failing cases first; each plan node is a `<details>` element; when the shape differs from
the baseline, the baseline's tree stands beside the new one with the differing lines marked.
"""

import math
from html import escape
from typing import Any

from app.plans.check import CaseResult
from app.plans.report import RunInfo, ordered, summary
from app.plans.tree import buffers, node_label, shape

CONDITIONS = ("Index Cond", "Recheck Cond", "Filter", "Join Filter", "Hash Cond", "Merge Cond", "Sort Key")

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { margin-bottom: .2em; }
.verdict.failed { color: #b00020; font-weight: bold; }
.verdict.passed { color: #1b5e20; font-weight: bold; }
section.case { border: 1px solid #ccc; border-radius: 6px; margin: 1em 0; padding: .5em 1em; }
section.case.fail { border-color: #b00020; border-width: 2px; }
section.case.differs { border-color: #f9a825; border-width: 2px; }
section.case h2 { font-size: 1.05em; margin: .3em 0; font-family: ui-monospace, monospace; }
.tag { font-size: .8em; padding: 0 .4em; border-radius: 3px; background: #eee; margin-left: .5em; }
.fail .tag { background: #b00020; color: white; }
ul.notes li { color: #8d6e00; font-size: .9em; }
ul.violations li { color: #b00020; font-family: ui-monospace, monospace; font-size: .9em; }
.plans { display: flex; gap: 1.5em; align-items: flex-start; overflow-x: auto; }
.tree { flex: 1 1 0; min-width: 30em; }
.tree h3 { font-size: .95em; margin: .3em 0; }
details.node { margin-left: 1.2em; border-left: 1px dotted #bbb; padding-left: .4em; }
details.node > summary { cursor: pointer; font-family: ui-monospace, monospace; font-size: .85em; }
.node.changed > summary .label { background: #ffe0b2; }
.node.flagged > summary .label { color: #b00020; font-weight: bold; }
.bars { display: inline-block; vertical-align: middle; margin-left: .6em; width: 16em; }
.barline { display: flex; align-items: center; gap: .3em; font-size: .75em; line-height: 1.1; }
.barline .track { display: inline-block; width: 8em; height: .55em; background: #f1f1f1; }
.bar { display: block; height: 100%; }
.bar.estimated { background: #90a4ae; }
.bar.actual { background: #1e88e5; }
.bar.buffers { background: #fb8c00; }
.cond { font-family: ui-monospace, monospace; font-size: .8em; color: #555; margin-left: 1.6em; }
.never { color: #999; font-size: .8em; margin-left: .6em; }
table.settings td { padding: 0 .8em 0 0; font-family: ui-monospace, monospace; font-size: .85em; }
"""

SCRIPT = """
function foldAll(open) {
  document.querySelectorAll('details.node').forEach(function (d) { d.open = open; });
}
"""


def _width(value: float, most: float) -> float:
    """A bar's width in percent on a log scale (1 row and 1,000,000 rows both stay visible)."""
    if value <= 0 or most <= 0:
        return 0.0
    return round(100 * math.log10(1 + value) / math.log10(1 + most), 1)


def _bar(kind: str, value: float, most: float, text: str) -> str:
    return (
        f'<span class="barline" title="{escape(text)}"><span class="track">'
        f'<span class="bar {kind}" style="width: {_width(value, most)}%"></span></span>{escape(text)}</span>'
    )


def _most_rows(raw: dict[str, Any]) -> float:
    """The largest estimated or actual per-loop row count in a plan (the rows bars' scale)."""
    here = max(float(raw.get("Plan Rows", 0)), float(raw.get("Actual Rows", 0)))
    return max([here] + [_most_rows(child) for child in raw.get("Plans", [])])


class _Tree:
    """Renders one EXPLAIN plan as nested <details>, numbering nodes in shape order."""

    def __init__(self, plan: dict[str, Any], changed: set[int], flagged: set[str]) -> None:
        self.rows_scale = _most_rows(plan)
        self.buffers_scale = float(buffers(plan))
        self.changed = changed
        self.flagged = flagged
        self.number = 0

    def node(self, raw: dict[str, Any]) -> str:
        index = self.number
        self.number += 1
        label = node_label(raw)
        classes = ["node"]
        if index in self.changed:
            classes.append("changed")
        if label in self.flagged:
            classes.append("flagged")
        if "Actual Loops" in raw and raw.get("Actual Loops", 0) == 0:
            figures = '<span class="never">never executed</span>'
        else:
            loops = raw.get("Actual Loops", 1)
            estimated, actual = float(raw.get("Plan Rows", 0)), float(raw.get("Actual Rows", 0))
            used = buffers(raw)
            own = used - sum(buffers(child) for child in raw.get("Plans", []))
            figures = (
                '<span class="bars">'
                + _bar("estimated", estimated, self.rows_scale, f"estimated {estimated:,.0f} rows")
                + _bar("actual", actual, self.rows_scale, f"actual {actual:,.0f} rows x{loops} loops")
                + _bar("buffers", used, self.buffers_scale, f"{used:,} buffers ({own:,} own)")
                + "</span>"
                + f' <span class="time">{float(raw.get("Actual Total Time", 0)):.3f} ms</span>'
            )
        parts = [
            f'<details class="{" ".join(classes)}" open data-node="{index}">',
            f'<summary><span class="label">{escape(label)}</span>{figures}</summary>',
        ]
        for key in CONDITIONS:
            if key in raw:
                value = ", ".join(raw[key]) if isinstance(raw[key], list) else str(raw[key])
                parts.append(f'<div class="cond">{escape(key)}: {escape(value)}</div>')
        if raw.get("Rows Removed by Filter"):
            parts.append(f'<div class="cond">Rows Removed by Filter: {raw["Rows Removed by Filter"]:,}</div>')
        parts += [self.node(child) for child in raw.get("Plans", [])]
        parts.append("</details>")
        return "".join(parts)


def plan_tree(plan: dict[str, Any], changed: set[int] | None = None, flagged: set[str] | None = None) -> str:
    """An EXPLAIN `Plan` as nested <details>; `changed` node numbers (shape order) are marked."""
    return _Tree(plan, changed or set(), flagged or set()).node(plan)


def shape_tree(lines: tuple[str, ...] | list[str], changed: set[int] | None = None) -> str:
    """A baseline's shape (two spaces of indent per level) as the same nested <details>."""
    marked = changed or set()
    out: list[str] = []
    depths: list[int] = []
    for index, line in enumerate(lines):
        depth = (len(line) - len(line.lstrip(" "))) // 2
        while depths and depths[-1] >= depth:
            out.append("</details>")
            depths.pop()
        classes = "node changed" if index in marked else "node"
        out.append(
            f'<details class="{classes}" open data-node="{index}">'
            f'<summary><span class="label">{escape(line.strip())}</span></summary>'
        )
        depths.append(depth)
    out += ["</details>"] * len(depths)
    return "".join(out)


def differing_lines(now: list[str], before: tuple[str, ...]) -> set[int]:
    """Line numbers where two shapes differ (lines only one of them has count too)."""
    return {i for i in range(max(len(now), len(before))) if i >= len(now) or i >= len(before) or now[i] != before[i]}


def case_section(o: CaseResult) -> str:
    """One case: heading, violations, figures, its plan tree, and the baseline's tree if the shape changed."""
    status = "fail" if not o.passed else ("skip" if o.skipped else ("updated" if o.baseline_written else "ok"))
    if o.passed and o.notes:
        status = "differs"
    anchor = escape(f"case-{o.query}.{o.case}")
    parts = [
        f'<section class="case {status}" id="{anchor}" data-query="{escape(o.query)}" data-case="{escape(o.case)}"'
        f' data-verdict="{escape(o.verdict)}">',
        f'<h2>{escape(o.query)} [{escape(o.case)}]<span class="tag">{escape(o.verdict)}</span></h2>',
    ]
    if o.run is not None and o.run.case.description:
        parts.append(f'<p class="description">{escape(o.run.case.description)}</p>')
    if o.skipped:
        parts.append(f'<p class="skipped">skipped: {escape(o.skipped)}</p>')
    if o.notes:
        parts.append('<ul class="notes">' + "".join(f"<li>{escape(note)}</li>" for note in o.notes) + "</ul>")
    if o.violations:
        parts.append('<ul class="violations">' + "".join(f"<li>{escape(str(v))}</li>" for v in o.violations) + "</ul>")
    run = o.run
    if run is not None and run.explain:
        known = o.compared
        figures = (
            f"planning {run.planning_ms:.3f} ms, execution {run.execution_ms:.3f} ms,"
            f" {buffers(run.plan):,} buffers, {run.rows:,} rows"
        )
        if known is not None:
            figures += f"; baseline {known.buffers:,} buffers, {known.rows:,} rows"
        parts.append(f'<p class="figures">{escape(figures)}</p>')
        flagged = {v.node for v in o.violations if v.node}
        parts.append('<div class="plans">')
        if o.shape_changed and known is not None:
            changed = differing_lines(shape(run.plan), known.shape)
            parts.append('<div class="tree now"><h3>this run</h3>' + plan_tree(run.plan, changed, flagged) + "</div>")
            parts.append('<div class="tree baseline"><h3>baseline</h3>' + shape_tree(known.shape, changed) + "</div>")
        else:
            parts.append('<div class="tree now"><h3>plan</h3>' + plan_tree(run.plan, None, flagged) + "</div>")
        parts.append("</div>")
    parts.append("</section>")
    return "\n".join(parts)


def page(outcomes: list[CaseResult], info: RunInfo, title: str = "Plan checks", preamble: str = "") -> str:
    """The whole report: verdict, links to the failing cases, a section per case (failing first), settings."""
    failed = any(not o.passed for o in outcomes)
    out = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title>",
        f"<style>{STYLE}</style>",
        f"<script>{SCRIPT}</script>",
        "</head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="verdict {"failed" if failed else "passed"}">{escape(summary(outcomes, info))}</p>',
    ]
    if preamble:
        out.append(f'<p class="preamble">{escape(preamble)}</p>')
    failing = [o for o in outcomes if not o.passed]
    if failing:
        out.append('<ul class="failing">')
        for o in failing:
            rules = ", ".join(dict.fromkeys(v.rule for v in o.violations))
            anchor = escape(f"#case-{o.query}.{o.case}")
            out.append(f'<li><a href="{anchor}">{escape(o.query)} [{escape(o.case)}]</a>: {escape(rules)}</li>')
        out.append("</ul>")
    out.append(
        '<p><button type="button" onclick="foldAll(true)">unfold all</button>'
        ' <button type="button" onclick="foldAll(false)">fold all</button></p>'
    )
    out += [case_section(o) for o in ordered(outcomes)]
    out.append('<details class="settings"><summary>Settings</summary><table class="settings">')
    out.append(
        f"<tr><td>database</td><td>{escape(info.database)} ({escape(info.server_version)}), data: {escape(info.fixture)}</td></tr>"
    )
    out += [f"<tr><td>{escape(name)}</td><td>{escape(value)}</td></tr>" for name, value in info.settings.items()]
    out += ["</table></details>", "</body></html>"]
    return "\n".join(out) + "\n"
