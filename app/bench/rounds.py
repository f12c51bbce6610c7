"""Interleaved rounds: every case on every server back to back, the order rotating between rounds."""

from collections.abc import Callable
from dataclasses import dataclass, field

from app.bench import report, wrk
from app.bench.cases import Case


@dataclass(frozen=True)
class Server:
    """One server under test: its label in the report, base URL, extra request headers, and how a case's
    request is written for it (the same request unless `translate` says otherwise)."""

    label: str
    url: str
    headers: dict[str, str] | None = None
    translate: Callable[[Case], Case] | None = field(default=None, compare=False)

    def request(self, case: Case) -> Case:
        return self.translate(case) if self.translate else case


def measure(rows: list[report.Row], servers: list[Server], seconds: float, rounds: int, connections: int) -> None:
    """Warm every case on every server, then `rounds` rounds in which each case runs on every server back to
    back, the order rotating between rounds; the results go into each row's runs by server label."""
    for row in rows:  # warm-up: caches of PostgreSQL and every process
        for server in servers:
            wrk.run(server.url, server.request(row.case), 1, connections, server.headers)
    width = max(len(server.label) for server in servers)
    for round_number in range(rounds):
        shift = round_number % len(servers)
        order = servers[shift:] + servers[:shift]
        for row in rows:
            for server in order:
                result = wrk.run(server.url, server.request(row.case), seconds, connections, server.headers)
                row.runs.setdefault(server.label, []).append(result)
                print(
                    f"  round {round_number + 1}/{rounds} {server.label:{width}} {row.case.domain}: {row.case.name}: "
                    f"{result.requests_per_second:,.0f} req/s, p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms"
                    + (f", {result.errors} errors" if result.errors else ""),
                    flush=True,
                )
    for row in rows:  # the report lists servers in the order given, whatever order they ran in
        row.runs = {server.label: row.runs[server.label] for server in servers}
