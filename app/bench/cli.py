"""`scripts/bench [--quick] [--sizes] [--domain D] [--seconds S] [--rounds N] [--connections C]`.

Loads (or reuses) the benchmark database, starts the app and the ceiling side by side, warms each
case on both, then runs rounds in which every case is measured on both servers back to back (the
order alternating between rounds), and reports the medians.
"""

import argparse
import asyncio
import sys

from app.bench import cases, credential, data, replica, report, wrk
from app.bench.modules import BenchModule, bench_modules
from app.bench.servers import serving
from app.settings import ROOT, get_settings

SIZES = (10_000, 100_000, 1_000_000)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1 round of 3 s per case and server (a few minutes)")
    parser.add_argument("--sizes", action="store_true", help="also the app's p50 at 10k, 100k and 1M rows")
    parser.add_argument(
        "--domain", action="append", help="only these domains (repeatable; default every one with a bench module)"
    )
    parser.add_argument("--case", action="append", help="only cases whose name contains this (repeatable)")
    parser.add_argument("--seconds", type=float, help="seconds per run (default 5, quick 3)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 3, quick 1)")
    parser.add_argument("--connections", type=int, default=16, help="wrk keep-alive connections (default 16)")
    parser.add_argument(
        "--against",
        choices=("ceiling", "metrics-off"),
        default="ceiling",
        help="the second server: the bare ceiling (default), or the app with METRICS=off (what metrics cost)",
    )
    parser.add_argument(
        "--replica",
        action="store_true",
        help="only the replica run: one primary vs primary + replica (app/bench/replica.py)",
    )
    parser.add_argument(
        "--credential",
        action="store_true",
        help="also each read case on the app with an API key against without one (the cost of checking a key)",
    )
    return parser.parse_args(argv)


def measure(
    rows: list[report.Row],
    app_url: str,
    ceiling_url: str,
    seconds: float,
    rounds: int,
    connections: int,
    against: str = "ceiling",
) -> None:
    for row in rows:  # warm-up: caches of PostgreSQL and both processes
        wrk.run(app_url, row.case, 1, connections)
        wrk.run(ceiling_url, row.case, 1, connections)
    for round_number in range(rounds):
        for row in rows:
            order = [("app", app_url), (against, ceiling_url)]
            for which, url in order if round_number % 2 == 0 else reversed(order):
                result = wrk.run(url, row.case, seconds, connections)
                (row.app if which == "app" else row.ceiling).append(result)
                print(
                    f"  round {round_number + 1}/{rounds} {which:11} {row.case.domain}: {row.case.name}: "
                    f"{result.requests_per_second:,.0f} req/s, p50 {result.p50_ms:.2f} ms"
                    + (f", {result.errors} errors" if result.errors else ""),
                    flush=True,
                )


def by_size(
    modules: dict[str, BenchModule], names: list[str] | None, seconds: float, connections: int
) -> dict[str, dict[str, float]]:
    settings = get_settings()
    sized = {domain: module for domain, module in modules.items() if module.SIZED}
    found: dict[str, dict[str, float]] = {}
    for size in SIZES:
        url = asyncio.run(data.prepare(settings, None if size == SIZES[-1] else size, frozenset(sized)))
        chosen = [
            c
            for c in asyncio.run(cases.build(url, [m.cases for m in sized.values()]))
            if not names or any(n in c.name for n in names)
        ]
        with serving("app", url, ROOT / "reports" / "bench-logs" / f"size-{size}") as app_url:
            for case in chosen:
                wrk.run(app_url, case, 1, connections)
            found[f"{size:,}"] = {
                f"{c.domain}: {c.name}": wrk.run(app_url, c, seconds, connections).p50_ms for c in chosen
            }
        print(f"  size {size:,}: " + ", ".join(f"{k} {v:.2f} ms" for k, v in found[f"{size:,}"].items()), flush=True)
    return found


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if not wrk.available():
        print(f"bench: {wrk.INSTALL_HINT}", file=sys.stderr)
        return 2
    seconds = args.seconds or (3.0 if args.quick else 5.0)
    rounds = args.rounds or (1 if args.quick else 3)
    if args.replica:
        lines = replica.run(seconds, rounds, args.connections)
        (ROOT / "reports").mkdir(exist_ok=True)
        (ROOT / "reports" / "bench-replica.md").write_text("\n".join(lines) + "\n")
        print("\n".join(lines))
        print("bench: wrote reports/bench-replica.md")
        return 0
    settings = get_settings()
    modules = bench_modules(settings)
    unknown = sorted(set(args.domain or ()) - set(modules))
    if unknown:
        print(f"bench: no bench module for {unknown}; known: {sorted(modules)}", file=sys.stderr)
        return 2
    modules = {domain: module for domain, module in modules.items() if not args.domain or domain in args.domain}
    url = asyncio.run(data.prepare(settings))
    chosen = [
        c
        for c in asyncio.run(cases.build(url, [m.cases for m in modules.values()]))
        if not args.case or any(n in c.name for n in args.case)
    ]
    rows = [report.Row(case) for case in chosen]
    logs = ROOT / "reports" / "bench-logs"
    print(f"bench: {len(rows)} cases, {rounds} round(s) of {seconds:g} s, {args.connections} connections", flush=True)
    if args.against == "ceiling":
        second, against = serving("ceiling", url, logs), "ceiling"
    else:
        second, against = serving("app", url, logs, {"METRICS": "off"}), "METRICS=off"
    with serving("app", url, logs) as app_url, second as ceiling_url:
        measure(rows, app_url, ceiling_url, seconds, rounds, args.connections, against)
        if args.credential:
            asyncio.run(credential.measure(url, app_url, chosen, seconds, rounds, args.connections))
    sizes = by_size(modules, args.case, seconds, args.connections) if args.sizes else {}
    run_settings: dict[str, object] = {"rounds": rounds, "seconds": seconds, "connections": args.connections}
    report.write(ROOT / "reports", rows, run_settings, sizes, against)
    print("bench: wrote reports/bench.md and reports/bench.json")
    return 0
