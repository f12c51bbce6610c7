"""reports/bench.md and reports/bench.json: per case, the app and the servers it is compared with, side by side."""

import json
import platform
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path

from app.bench.cases import Case
from app.bench.wrk import Result

FIGURES = ("requests_per_second", "p50_ms", "p99_ms")


@dataclass
class Row:
    """A case's runs (interleaved rounds) on each server, by server label ("app" first); medians reported."""

    case: Case
    runs: dict[str, list[Result]] = field(default_factory=dict)

    def median(self, server: str, attribute: str) -> float | None:
        found = self.runs.get(server, [])
        return statistics.median(getattr(r, attribute) for r in found) if found else None

    def ratio(self, server: str, other: str, attribute: str = "requests_per_second") -> float | None:
        """The median of `attribute` on `server` over the one on `other` (None when either has no runs)."""
        mine, theirs = self.median(server, attribute), self.median(other, attribute)
        return mine / theirs if mine is not None and theirs else None

    def as_dict(self, baseline: str) -> dict[str, object]:
        others = [server for server in self.runs if server != baseline]
        return {
            "domain": self.case.domain,
            "case": self.case.name,
            "request": f"{self.case.method} {self.case.path}" + (f" {self.case.body_text()}" if self.case.body else ""),
            "medians": {server: {k: self.median(server, k) for k in FIGURES} for server in self.runs},
            "ratios": {f"{baseline} / {other}": self.ratio(baseline, other) for other in others},
            "p99_ratios": {f"{baseline} / {other}": self.ratio(baseline, other, "p99_ms") for other in others},
            "errors": sum(r.errors for runs in self.runs.values() for r in runs),
            "runs": {server: [asdict(r) for r in runs] for server, runs in self.runs.items()},
        }


def _num(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def table(rows: list[Row], servers: list[str]) -> list[str]:
    """Markdown: the first server's req/s, p50 and p99, then per other server its req/s and p99 and the
    first's ratios to them (req/s, and p99 where lower is better)."""
    first, others = servers[0], servers[1:]
    head = f"| domain | case | {first} req/s | p50 ms | p99 ms |"
    for other in others:
        head += f" {other} req/s | p99 ms | {first} / {other} | p99 / {other}'s |"
    lines = [head, "|---|---|" + "---:|" * (3 + 4 * len(others))]
    for row in rows:
        line = (
            f"| {row.case.domain} | {row.case.name} | {_num(row.median(first, 'requests_per_second'))} "
            f"| {_num(row.median(first, 'p50_ms'), 2)} | {_num(row.median(first, 'p99_ms'), 2)} |"
        )
        for other in others:
            line += (
                f" {_num(row.median(other, 'requests_per_second'))} | {_num(row.median(other, 'p99_ms'), 2)} "
                f"| {_num(row.ratio(first, other), 2)} | {_num(row.ratio(first, other, 'p99_ms'), 2)} |"
            )
        lines.append(line)
    return lines


@dataclass
class Section:
    """One comparison of the run: its rows measured on `servers` (the first is the one compared)."""

    title: str
    rows: list[Row]
    servers: list[str]
    note: str = ""

    def lines(self) -> list[str]:
        return [f"## {self.title}", "", *([self.note, ""] if self.note else []), *table(self.rows, self.servers)]


def write(
    folder: Path,
    sections: list[Section],
    settings: dict[str, object],
    sizes: dict[str, dict[str, float]] | None = None,
) -> None:
    """reports/bench.md and bench.json: every section of the run, and the p50 by data size if measured."""
    folder.mkdir(parents=True, exist_ok=True)
    machine = f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}"
    described = ", ".join(f"{k}={v}" for k, v in settings.items())
    lines = [
        "# Benchmark",
        "",
        f"Written by `scripts/bench` ({described}; {machine}). Medians of interleaved runs; "
        "one uvicorn worker each (uvloop, httptools), `wrk -t1`, same database.",
    ]
    for section in sections:
        lines += ["", *section.lines()]
    if sizes:
        names = sorted({n for per in sizes.values() for n in per})
        lines += [
            "",
            "## p50 (ms) of the app by data size",
            "",
            "| case | " + " | ".join(sizes) + " |",
            "|---|" + "---|" * len(sizes),
        ]
        for n in names:
            lines.append(f"| {n} | " + " | ".join(_num(sizes[s].get(n), 2) for s in sizes) + " |")
    (folder / "bench.md").write_text("\n".join(lines) + "\n")
    payload = {
        "settings": settings,
        "machine": machine,
        "sections": [
            {
                "title": section.title,
                "servers": section.servers,
                "cases": [r.as_dict(section.servers[0]) for r in section.rows],
            }
            for section in sections
        ],
        "sizes": sizes or {},
    }
    (folder / "bench.json").write_text(json.dumps(payload, indent=2) + "\n")
    for section in sections:
        print("\n".join(["", *section.lines()]))
