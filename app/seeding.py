"""Loading demo and synthetic data, domain by domain (each domain's app/<domain>/seed.py).

The seed-module contract, in one place: a domain that can seed itself has app/<domain>/seed.py with the
names of `SeedModule` below. `catalog seed --demo` and `catalog serve` call load_demo where is_empty;
`catalog seed --<SCALE_OPTION> N` calls clear (with --replace) and load_synthetic; the plan checker loads
every domain at PLAN_SCALE and fingerprints the module's file and queries/<domain>/seed*.sql, so an edit
to either rebuilds the checking database.
"""

import sys
import time
from collections.abc import Callable
from typing import Protocol, cast

import asyncpg

from app.domains import enabled_domain_modules
from app.settings import Settings

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total): a step of a load; total 0 for a step of unknown length."""


class SeedModule(Protocol):
    """What app/<domain>/seed.py provides."""

    SCALE_OPTION: str  # `catalog seed --<SCALE_OPTION> N`, e.g. "books"
    SCALE_HELP: str  # that option's help text
    PLAN_SCALE: int  # N loaded into the plan-check database
    __file__: str | None  # the module's file, part of the plan database's fingerprint

    async def is_empty(self, conn: asyncpg.Connection) -> bool:
        """True when the domain holds no data (demo data is then loaded by `serve`)."""

    async def load_demo(self, conn: asyncpg.Connection) -> None:
        """Load the small, real-looking demo data set, in one transaction."""

    async def clear(self, conn: asyncpg.Connection) -> None:
        """Delete every row of the domain (before a synthetic load with --replace)."""

    async def load_synthetic(self, conn: asyncpg.Connection, count: int, progress: Progress) -> None:
        """Load N deterministic synthetic rows in SQL, reporting progress, then VACUUM ANALYZE."""


def seed_modules(settings: Settings) -> dict[str, SeedModule]:
    """Every enabled domain that can seed itself, by domain name."""
    return {domain: cast(SeedModule, module) for domain, module in enabled_domain_modules(settings, "seed").items()}


def print_progress(domain: str) -> Progress:
    started = time.monotonic()

    def show(stage: str, done: int, total: int) -> None:
        elapsed = time.monotonic() - started
        if total:
            line = f"\r  {domain}: {stage} {done:,}/{total:,} ({100 * done // total}%) {elapsed:.0f}s"
            end = "\n" if done >= total else ""
        else:
            line, end = f"\r  {domain}: {stage}... {elapsed:.0f}s", "\n"
        if not sys.stderr.isatty():  # a CI log: one line per step instead of a redrawn line
            line, end = line.lstrip("\r"), "\n"
        print(line, end=end, file=sys.stderr, flush=True)

    return show


async def seed_demo_if_empty(conn: asyncpg.Connection, settings: Settings) -> list[str]:
    """Load each domain's demo data where that domain has no data yet; returns the domains loaded."""
    loaded = []
    for domain, module in seed_modules(settings).items():
        if await module.is_empty(conn):
            await module.load_demo(conn)
            loaded.append(domain)
    return loaded
