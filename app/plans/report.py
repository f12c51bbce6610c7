"""Writing the outcome: console table, Markdown (CI job summary), JUnit XML, raw JSON plans."""

import json
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from app.plans.check import CaseResult
from app.plans.indexes import dropped_summary
from app.plans.rules import RULES
from app.plans.tree import buffers


@dataclass(frozen=True)
class RunInfo:
    """What the outcomes were measured under: recorded at the top of every report."""

    database: str
    server_version: str
    fixture: str
    settings: dict[str, str]
    seconds: float
    # Indexes the selected baselines used that the checking database no longer has -> their cases.
    dropped_indexes: dict[str, list[str]] = field(default_factory=dict)


def _cells(o: CaseResult) -> list[str]:
    run = o.run
    if run is None or run.explain is None:
        return [o.query, o.case, "", "", "", o.verdict]
    return [o.query, o.case, f"{run.execution_ms:.1f}", f"{buffers(run.plan):,}", f"{run.rows:,}", o.verdict]


HEADINGS = ["query", "case", "ms", "buffers", "rows", "verdict"]


def console(outcomes: list[CaseResult], info: RunInfo) -> str:
    """A compact table, then one line per broken rule naming query, case, rule and node."""
    table = [HEADINGS] + [_cells(o) for o in outcomes]
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADINGS))]
    numeric = {2, 3, 4}
    lines = [
        "  ".join(cell.rjust(w) if i in numeric else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths)))
        for row in table
    ]
    failures = [o for o in outcomes if not o.passed]
    if info.dropped_indexes:
        lines.append("")
        lines += [f"DROPPED {line}" for line in dropped_summary(info.dropped_indexes)]
    noted = [o for o in outcomes if o.notes]
    if noted:
        lines.append("")
        lines += [f"DIFFERS {o.query} [{o.case}] {note}" for o in noted for note in o.notes]
    if failures:
        lines.append("")
        for o in failures:
            for v in o.violations:
                lines.append(f"FAIL {o.query} [{o.case}] {v}")
    lines.append("")
    lines.append(summary(outcomes, info))
    return "\n".join(lines)


def summary(outcomes: list[CaseResult], info: RunInfo) -> str:
    cases = [o for o in outcomes if not o.skipped]
    failed = [o for o in outcomes if not o.passed]
    skipped = len(outcomes) - len(cases)
    verdict = "FAILED" if failed else "passed"
    return f"plans: {verdict}: {len(cases)} cases, {len(failed)} failing, {skipped} skipped, in {info.seconds:.0f}s"


def ordered(outcomes: list[CaseResult]) -> list[CaseResult]:
    """Failing cases first, then rewritten baselines, passing cases, skipped queries (stable within each)."""

    def rank(o: CaseResult) -> int:
        if not o.passed:
            return 0
        if o.baseline_written or o.notes:
            return 1
        return 3 if o.skipped else 2

    return sorted(outcomes, key=rank)


def _buffers_change(o: CaseResult) -> str:
    """`17 -> 658,804 buffers` against the compared baseline, or the buffers alone without one."""
    if o.run is None or not o.run.explain:
        return ""
    after = buffers(o.run.plan)
    known = o.compared
    return f"{known.buffers:,} -> {after:,} buffers" if known else f"{after:,} buffers (no baseline)"


def _summary_lines(outcomes: list[CaseResult], info: RunInfo) -> list[str]:
    """The ten-second read: failing cases with their rules and buffers, gone indexes, changed baselines."""
    failing = [o for o in outcomes if not o.passed]
    changed = [o for o in outcomes if o.baseline_written and o.run is not None and o.run.explain]
    passing = sum(1 for o in outcomes if o.passed and not o.skipped)
    out = []
    if failing:
        counts: dict[str, int] = {}
        for o in failing:
            for rule in dict.fromkeys(v.rule for v in o.violations):
                counts[rule] = counts.get(rule, 0) + 1
        rules = ", ".join(f"{rule} {n}" for rule, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        out.append(f"- **{len(failing)} failing** ({rules}):")
        for o in failing:
            rules_broken = ", ".join(dict.fromkeys(v.rule for v in o.violations))
            change = _buffers_change(o)
            shape_note = "; shape changed" if o.shape_changed else ""
            out.append(f"  - `{o.query}` [{o.case}]: {rules_broken}" + (f"; {change}" if change else "") + shape_note)
    noted = [o for o in outcomes if o.notes]
    if noted:
        out.append(f"- **{len(noted)} plan(s) differ from the baseline** (not failing):")
        out += [f"  - `{o.query}` [{o.case}]: {'; '.join(o.notes)}" for o in noted]
    if info.dropped_indexes:
        out.append(f"- **{len(info.dropped_indexes)} index(es) gone** that baselines used: see Indexes gone")
    if changed:
        out.append(f"- **{len(changed)} changed baseline(s)**:")
        for o in changed:
            if o.previous is None:
                assert o.run is not None
                note = f"new case, {buffers(o.run.plan):,} buffers"
            else:
                note = f"{_buffers_change(o)}, {'shape changed' if o.shape_changed else 'same shape'}"
            out.append(f"  - `{o.query}` [{o.case}]: {note}")
    out.append(f"- {passing:,} passing, {sum(1 for o in outcomes if o.skipped)} skipped")
    return out


def markdown(outcomes: list[CaseResult], info: RunInfo, title: str = "Plan checks", preamble: str = "") -> str:
    """The report for a CI job summary: verdict and summary, failures with the rule explained, table, settings."""
    out = [f"# {title}", "", f"**{summary(outcomes, info)}**", ""]
    out += _summary_lines(outcomes, info)
    out.append("")
    if preamble:
        out += [preamble, ""]
    if info.dropped_indexes:
        out += ["## Indexes gone", "", "Indexes the baselines used that this schema no longer has:", ""]
        out += [f"- {_md(line)}" for line in dropped_summary(info.dropped_indexes)]
        out.append("")
    failures = [(o, v) for o in outcomes for v in o.violations]
    if failures:
        out += ["## Failures", "", "| query | case | rule | node | detail |", "|---|---|---|---|---|"]
        for o, v in failures:
            out.append(f"| `{o.query}` | {o.case} | {v.rule} | `{v.node}` | {_md(v.message)} |")
        out += ["", "Rules broken:", ""]
        for rule in sorted({v.rule for _, v in failures}):
            out.append(f"- **{rule}**: {RULES.get(rule, '')}")
        out.append("")
    changed = [o for o in outcomes if o.baseline_written and o.run is not None and o.run.explain]
    if changed:
        out += ["## Changed baselines", "", "| query | case | buffers before | buffers after | shape |"]
        out.append("|---|---|---:|---:|---|")
        for o in changed:
            assert o.run is not None
            after = buffers(o.run.plan)
            before = f"{o.previous.buffers:,}" if o.previous else "(new)"
            same = o.previous is not None and not o.shape_changed
            out.append(f"| `{o.query}` | {o.case} | {before} | {after:,} | {'same' if same else 'changed'} |")
        out.append("")
    out += ["## Cases", "", "| " + " | ".join(HEADINGS) + " | worst estimate |", "|---" * (len(HEADINGS) + 1) + "|"]
    for o in outcomes:
        worst = f"{o.worst.factor:,.1f}x `{o.worst.node}`" if o.worst and o.worst.node else ""
        cells = _cells(o)
        if o.run is not None and o.run.case.allow_estimate:
            worst += f" (allowed: {_md(o.run.case.allow_estimate)})"
        if o.skipped:
            worst = f"skipped: {_md(o.skipped)}"
        out.append("| " + " | ".join(_md(c) for c in cells) + f" | {worst} |")
    out += ["", "## Settings", "", f"- database: `{info.database}` ({info.server_version}), data: {info.fixture}"]
    out += [f"- `{name}` = `{value}`" for name, value in info.settings.items()]
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def junit(outcomes: list[CaseResult], info: RunInfo) -> str:
    """One testcase per query/case; a failure's message names query, case, rule and node."""
    failures = sum(1 for o in outcomes if not o.passed)
    skipped = sum(1 for o in outcomes if o.skipped)
    suite = ET.Element(
        "testsuite",
        name="plans",
        tests=str(len(outcomes)),
        failures=str(failures),
        skipped=str(skipped),
        time=f"{info.seconds:.3f}",
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in {"database": info.database, "fixture": info.fixture, **info.settings}.items():
        ET.SubElement(properties, "property", name=name, value=value)
    for o in outcomes:
        seconds = (o.run.execution_ms / 1000) if o.run else 0.0
        testcase = ET.SubElement(suite, "testcase", classname=o.query, name=o.case, time=f"{seconds:.4f}")
        if o.skipped:
            ET.SubElement(testcase, "skipped", message=o.skipped)
        for v in o.violations:
            failure = ET.SubElement(testcase, "failure", message=f"{o.query} [{o.case}] {v}", type=v.rule)
            failure.text = RULES.get(v.rule, "")
    ET.indent(suite)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"


def write_all(outcomes: list[CaseResult], info: RunInfo, reports_dir: Path) -> list[Path]:
    """reports/plans.md, plans.html, plans-junit.xml and reports/plans/<query>.<case>.json."""
    from app.plans.html import page  # html.py builds on this module

    raw = reports_dir / "plans"
    raw.mkdir(parents=True, exist_ok=True)
    for old in raw.glob("*.json"):
        old.unlink()
    for o in outcomes:
        if o.run and o.run.explain:
            document = {"query": o.query, "case": o.case, "args": [repr(a) for a in o.run.args], "plan": o.run.explain}
            (raw / f"{o.query}.{o.case}.json").write_text(json.dumps(document, indent=2) + "\n")
    md, html, xml = reports_dir / "plans.md", reports_dir / "plans.html", reports_dir / "plans-junit.xml"
    md.write_text(markdown(outcomes, info))
    html.write_text(page(outcomes, info))
    xml.write_text(junit(outcomes, info))
    return [md, html, xml, raw]
