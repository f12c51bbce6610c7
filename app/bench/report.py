"""reports/bench.md and reports/bench.json: per case, the app and the ceiling side by side."""

import json
import platform
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path

from app.bench.cases import Case
from app.bench.wrk import Result


@dataclass
class Row:
    """A case's runs (interleaved rounds) against the app and the ceiling; medians reported."""

    case: Case
    app: list[Result] = field(default_factory=list)
    ceiling: list[Result] = field(default_factory=list)

    @staticmethod
    def median(runs: list[Result], attribute: str) -> float | None:
        return statistics.median(getattr(r, attribute) for r in runs) if runs else None

    def ratio(self) -> float | None:
        app, top = self.median(self.app, "requests_per_second"), self.median(self.ceiling, "requests_per_second")
        return app / top if app is not None and top else None

    def as_dict(self) -> dict[str, object]:
        return {
            "domain": self.case.domain,
            "case": self.case.name,
            "request": f"{self.case.method} {self.case.path}" + (f" {self.case.body_text()}" if self.case.body else ""),
            "app": {k: self.median(self.app, k) for k in ("requests_per_second", "p50_ms", "p99_ms")},
            "ceiling": {k: self.median(self.ceiling, k) for k in ("requests_per_second", "p50_ms", "p99_ms")},
            "ratio": self.ratio(),
            "errors": sum(r.errors for r in self.app + self.ceiling),
            "runs": {"app": [asdict(r) for r in self.app], "ceiling": [asdict(r) for r in self.ceiling]},
        }


def _num(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def table(rows: list[Row], against: str = "ceiling") -> list[str]:
    lines = [
        f"| domain | case | app req/s | p50 ms | p99 ms | {against} req/s | p50 ms | p99 ms | app / {against} |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        a, c = row.app, row.ceiling
        lines.append(
            f"| {row.case.domain} | {row.case.name} | {_num(row.median(a, 'requests_per_second'))} "
            f"| {_num(row.median(a, 'p50_ms'), 2)} | {_num(row.median(a, 'p99_ms'), 2)} "
            f"| {_num(row.median(c, 'requests_per_second'))} | {_num(row.median(c, 'p50_ms'), 2)} "
            f"| {_num(row.median(c, 'p99_ms'), 2)} | {_num(row.ratio(), 2)} |"
        )
    return lines


def write(
    folder: Path,
    rows: list[Row],
    settings: dict[str, object],
    sizes: dict[str, dict[str, float]],
    against: str = "ceiling",
) -> None:
    """reports/bench.md and bench.json; `against` names the second server ("ceiling", or "METRICS=off":
    the app without metrics, whose runs then stand in the rows' ceiling lists)."""
    folder.mkdir(parents=True, exist_ok=True)
    machine = f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}"
    described = ", ".join(f"{k}={v}" for k, v in settings.items())
    title = "the bare ASGI + asyncpg ceiling" if against == "ceiling" else f"the app with {against}"
    lines = [
        f"# Benchmark: the app against {title}",
        "",
        f"Written by `scripts/bench` ({described}; {machine}). Medians of interleaved runs; "
        "one uvicorn worker each (uvloop, httptools), `wrk -t1`, same database and SQL.",
        "",
        *table(rows, against),
    ]
    if sizes:
        names = sorted({name for per in sizes.values() for name in per})
        lines += [
            "",
            "## p50 (ms) of the app by data size",
            "",
            "| case | " + " | ".join(sizes) + " |",
            "|---|" + "---|" * len(sizes),
        ]
        for name in names:
            lines.append(f"| {name} | " + " | ".join(_num(sizes[s].get(name), 2) for s in sizes) + " |")
    (folder / "bench.md").write_text("\n".join(lines) + "\n")
    payload = {
        "settings": settings,
        "against": against,
        "machine": machine,
        "cases": [r.as_dict() for r in rows],
        "sizes": sizes,
    }
    (folder / "bench.json").write_text(json.dumps(payload, indent=2) + "\n")
    print("\n".join(table(rows, against)))
