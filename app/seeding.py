"""Loading demo and synthetic data, domain by domain (each domain's app/<domain>/seed.py)."""

import sys
import time
from collections.abc import Callable
from types import ModuleType

import asyncpg

from app.domains import domain_module, enabled_domains
from app.settings import Settings

Progress = Callable[[str, int, int], None]


def seed_modules(settings: Settings) -> dict[str, ModuleType]:
    """Every enabled domain that can seed itself, by domain name."""
    found = {}
    for domain in enabled_domains(settings):
        module = domain_module(domain, "seed")
        if module is not None:
            found[domain] = module
    return found


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
