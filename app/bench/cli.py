"""`scripts/bench [--quick] [--sizes] [--domain D] [--seconds S] [--rounds N] [--connections C]`.

Loads (or reuses) the benchmark database, starts the app and the ceiling side by side, warms each
case on both, then runs rounds in which every case is measured on both servers back to back (the
order alternating between rounds), and reports the medians.
"""

import argparse
import asyncio
import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from app.bench import cases, credential, data, features, peer, replica, report, wrk
from app.bench.modules import BenchModule, bench_modules
from app.bench.rounds import Server, measure
from app.bench.servers import serving
from app.settings import ROOT, Settings, get_settings

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
    parser.add_argument(
        "--features",
        action="store_true",
        help="also every case with access control (a key per request), metrics and a replica on against all off",
    )
    parser.add_argument(
        "--peer",
        type=Path,
        metavar="DIR",
        help="also the bookstore searches on the old service checked out in DIR, interleaved with ours (app/bench/peer.py)",
    )
    parser.add_argument("--no-ceilings", action="store_true", help="skip the comparison with the two ceilings")
    return parser.parse_args(argv)


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


def measure_features(
    settings: Settings, url: str, chosen: list[cases.Case], seconds: float, rounds: int, connections: int
) -> report.Section:
    """Every case on the app with access control (a key on every request), metrics and one replica on,
    against the app with them off (app/bench/features.py)."""
    logs = ROOT / "reports" / "bench-logs" / "features"
    rows = [report.Row(case) for case in chosen]
    with features.api_key(url, chosen) as key, features.replica(settings, url) as replica_url:
        setups = features.environments(replica_url)
        with (
            serving("app", url, logs, setups[features.ON]) as on_url,
            serving("app", url, logs, setups[features.OFF]) as off_url,
        ):
            servers = [Server(features.ON, on_url, {"Authorization": f"Bearer {key}"}), Server(features.OFF, off_url)]
            measure(rows, servers, seconds, rounds, connections)
    note = (
        "all on: AUTH_READS=true with an API key (`catalog keys create`) on every request, METRICS=on, "
        "DATABASE_REPLICA_URLS = a streaming replica of the benchmark server; all off: AUTH_MODE=open, "
        "METRICS=off, no replica. Query names are in every statement's text in both (no switch)."
    )
    return report.Section(
        "Features: everything on against everything off (target: within 5%)", rows, [features.ON, features.OFF], note
    )


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
    second: AbstractContextManager[str]
    third: AbstractContextManager[str]
    if args.against == "ceiling":
        second = serving("ceiling", url, logs)
        third = serving("ceiling", url, logs, {"CEILING_JSON": "postgres"})
        labels = ["app", "ceiling", "pg-json ceiling"]
        title = "The app against two ceilings: rows serialised in Python (ceiling), JSON built by PostgreSQL (pg-json ceiling)"
    else:
        second, third = serving("app", url, logs, {"METRICS": "off"}), nullcontext("")
        labels = ["app", "METRICS=off"]
        title = "The app against the app with METRICS=off"
    sections: list[report.Section] = []
    if not args.no_ceilings:
        with serving("app", url, logs) as app_url, second as second_url, third as third_url:
            servers = [Server(label, u) for label, u in zip(labels, [app_url, second_url, third_url])]
            measure(rows, servers, seconds, rounds, args.connections)
            if args.credential:
                asyncio.run(credential.measure(url, app_url, chosen, seconds, rounds, args.connections))
        sections.append(report.Section(title, rows, labels))
    if args.features:
        sections.append(measure_features(settings, url, chosen, seconds, rounds, args.connections))
    if args.peer:
        sections += peer.measure(args.peer, url, seconds, rounds, args.connections)
    sizes = by_size(modules, args.case, seconds, args.connections) if args.sizes else {}
    run_settings: dict[str, object] = {"rounds": rounds, "seconds": seconds, "connections": args.connections}
    report.write(ROOT / "reports", sections, run_settings, sizes)
    print("bench: wrote reports/bench.md and reports/bench.json")
    return 0
