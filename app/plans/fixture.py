"""The checking database: created, migrated and loaded to scale once, then reused while unchanged."""

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import asyncpg

from app import migrations
from app.core import sql as core_sql
from app.database import with_database
from app.database_admin import create_database, drop_database
from app.seeding import Progress, SeedModule, print_progress

Say = Callable[[str], None]


class FixtureLoader(Protocol):
    """Loads deterministic data at the checking scale; its fingerprint changes when the data would."""

    def fingerprint(self) -> str: ...

    async def load(self, conn: asyncpg.Connection, progress: Callable[[str], Progress]) -> None: ...


@dataclass(frozen=True)
class SeedModulesFixture:
    """Each domain seed module's load_synthetic(conn, scale) at its PLAN_SCALE (or a given scale)."""

    modules: dict[str, SeedModule]
    scales: dict[str, int]
    seed_files: tuple[Path, ...]

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for domain in sorted(self.modules):
            digest.update(f"{domain}={self.scales[domain]}\n".encode())
        for path in sorted(self.seed_files):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        return digest.hexdigest()

    async def load(self, conn: asyncpg.Connection, progress: Callable[[str], Progress]) -> None:
        for domain, module in self.modules.items():
            await module.load_synthetic(conn, self.scales[domain], progress(domain))


def seed_modules_fixture(
    modules: dict[str, SeedModule], queries_dir: Path, scales: dict[str, int] | None = None
) -> SeedModulesFixture:
    """The default loader: every seed module at PLAN_SCALE; fingerprinted by its code and seed SQL."""
    chosen = {domain: (scales or {}).get(domain, module.PLAN_SCALE) for domain, module in modules.items()}
    files: list[Path] = []
    for domain, module in modules.items():
        files.append(Path(module.__file__ or ""))
        files.extend(sorted((queries_dir / domain).glob("seed*.sql")))
    return SeedModulesFixture(modules=dict(modules), scales=chosen, seed_files=tuple(files))


def fingerprint(schema_dir: Path, loader: FixtureLoader, statistics_target: int) -> str:
    """Hash of the schema files, the loader's own fingerprint and the statistics target."""
    digest = hashlib.sha256()
    for path in sorted(schema_dir.glob("*.sql")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(f"loader={loader.fingerprint()}\nstatistics_target={statistics_target}\n".encode())
    return digest.hexdigest()[:16]


async def _recorded_fingerprint(url: str) -> str | None:
    conn = await asyncpg.connect(url)
    try:
        await core_sql.create_plan_fixture_table(conn)
        return await core_sql.plan_fixture_fingerprint(conn)
    finally:
        await conn.close()


async def prepare_database(
    admin_url: str,
    database: str,
    schema_dir: Path,
    loader: FixtureLoader,
    statistics_target: int,
    say: Say,
    progress: Callable[[str], Progress] = print_progress,
) -> tuple[str, bool]:
    """The checking database's URL, loaded and analyzed; True when an earlier load was reused.

    One process at a time builds it (an advisory lock on the server); others wait, then reuse it.
    """
    wanted = fingerprint(schema_dir, loader, statistics_target)
    url = with_database(admin_url, database)
    admin = await asyncpg.connect(admin_url)
    try:
        await core_sql.lock_plan_database(admin, database_name=database)
        await create_database(admin_url, database)
        if await _recorded_fingerprint(url) == wanted:
            say(f"plans: reusing database {database} (fingerprint {wanted} unchanged)")
            return url, True
        await _build(admin_url, database, schema_dir, loader, statistics_target, wanted, say, progress)
        return url, False
    finally:
        await core_sql.unlock_plan_database(admin, database_name=database)
        await admin.close()


async def _build(
    admin_url: str,
    database: str,
    schema_dir: Path,
    loader: FixtureLoader,
    statistics_target: int,
    wanted: str,
    say: Say,
    progress: Callable[[str], Progress],
) -> None:
    """Drop and recreate the database, migrate, load, vacuum analyze, record the fingerprint."""
    say(f"plans: building database {database} (fingerprint {wanted}): migrate, load, vacuum analyze")
    await drop_database(admin_url, database)
    await create_database(admin_url, database)
    started = time.monotonic()
    conn = await asyncpg.connect(with_database(admin_url, database))
    try:
        await migrations.migrate(conn, schema_dir)
        await core_sql.set_statistics_target(conn, target=str(statistics_target))
        await loader.load(conn, progress)
        say(f"plans: vacuum analyze (statistics target {statistics_target})")
        await core_sql.vacuum_analyze_database(conn)
        seconds = round(time.monotonic() - started, 1)
        await core_sql.create_plan_fixture_table(conn)
        await core_sql.record_plan_fixture(conn, fingerprint=wanted, load_seconds=seconds)
    finally:
        await conn.close()
    say(f"plans: database {database} ready in {seconds:.0f}s")


def describe_scales(loader: FixtureLoader) -> Iterable[str]:
    """`domain=scale` for the report, when the loader knows its scales."""
    scales = getattr(loader, "scales", {})
    return [f"{domain}={scale:,}" for domain, scale in sorted(scales.items())]
