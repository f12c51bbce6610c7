"""The bench-module contract: what a domain's app/<domain>/bench.py gives `scripts/bench`.

The core (cases, ceiling, data, cli) names no domain: it finds every enabled domain with a bench
module, asks it for its cases (values picked by the domain's named queries in
queries/<domain>/bench.sql) and mounts its ceiling handlers in the bare ASGI app.
"""

from typing import TYPE_CHECKING, Protocol, cast

import asyncpg

from app.bench.cases import Case
from app.domains import enabled_domain_modules
from app.settings import Settings

if TYPE_CHECKING:
    from app.bench.ceiling import Ceiling, Routes


class BenchModule(Protocol):
    """What app/<domain>/bench.py provides."""

    SIZED: bool  # `scripts/bench --sizes` loads this domain at 10k, 100k and 1M rows (its seed's scale)

    async def cases(self, conn: asyncpg.Connection) -> list[Case]:
        """The domain's hot requests, their values picked on the benchmark database."""

    def ceiling_routes(self, ceiling: "Ceiling") -> "Routes":
        """Handlers doing what the app's endpoints do without a framework, keyed by (method, path);
        background writers they need come from `ceiling.writer` (started and drained with the ceiling)."""

    def postgres_json_routes(self, ceiling: "Ceiling") -> "Routes":
        """The same handlers for the stricter ceiling: the same statements with the answer's JSON built by
        PostgreSQL (the app's own `*_json` queries, e.g. books_page_json); each returns those bytes, spliced
        into the answer's object where it has one."""


def bench_modules(settings: Settings) -> dict[str, BenchModule]:
    """Every enabled domain that has a bench module, by domain name."""
    return {domain: cast(BenchModule, module) for domain, module in enabled_domain_modules(settings, "bench").items()}
