"""The checking database: created, migrated and loaded to scale once, then reused while unchanged."""

import hashlib
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
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


def seed_fingerprint(loader: FixtureLoader, statistics_target: int) -> str:
    """Hash of what the data depends on besides the migrations: the loader (seed code, scales) and the target."""
    text = f"loader={loader.fingerprint()}\nstatistics_target={statistics_target}\n"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def fingerprint(schema_dir: Path, loader: FixtureLoader, statistics_target: int) -> str:
    """Hash of the schema files, the loader's own fingerprint and the statistics target."""
    digest = hashlib.sha256()
    for path in sorted(schema_dir.glob("*.sql")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(f"loader={loader.fingerprint()}\nstatistics_target={statistics_target}\n".encode())
    return digest.hexdigest()[:16]


def kept_name(database: str, fingerprint_: str) -> str:
    """The name a build of `database` is kept under while another fingerprint is checked."""
    return f"{database}_{fingerprint_}"


@dataclass(frozen=True)
class Build:
    """A database holding a completed load: its name, fingerprints, and how its migrations stand."""

    name: str
    fingerprint: str
    seed_fingerprint: str | None
    state: migrations.MigrationStatus

    def extends_to(self, seed: str) -> bool:
        """Whether applying the pending migrations brings it to the wanted build: same seed, nothing
        applied edited or gone, and every pending file after every applied one."""
        state = self.state
        if self.seed_fingerprint != seed or state.edited or state.unknown or not state.pending:
            return False
        return not state.applied or max(state.applied) < min(state.pending)


async def _build_of(admin_url: str, name: str, schema_dir: Path) -> Build | None:
    """The completed load held by database `name`, or None (no load recorded, or an unreadable schema/)."""
    conn = await asyncpg.connect(with_database(admin_url, name))
    try:
        await core_sql.create_plan_fixture_table(conn)
        found = await core_sql.plan_fixture_fingerprint(conn)
        if found is None:
            return None
        seed = await core_sql.plan_fixture_seed_fingerprint(conn)
        try:
            state = await migrations.status(conn, schema_dir)
        except migrations.MigrationError:
            return None
        return Build(name=name, fingerprint=found, seed_fingerprint=seed, state=state)
    finally:
        await conn.close()


async def _kept_builds(admin_url: str, database: str, schema_dir: Path) -> list[Build]:
    """The builds kept under `<database>_<fingerprint>` names, newest load first."""
    pattern = re.compile(re.escape(database) + "_[0-9a-f]{16}")
    admin = await asyncpg.connect(admin_url)
    try:
        names = [r["database_name"] for r in await core_sql.databases_named_like(admin, name_prefix=database + "_")]
    finally:
        await admin.close()
    builds = []
    for name in names:
        if pattern.fullmatch(name):
            build = await _build_of(admin_url, name, schema_dir)
            if build is not None:
                builds.append(build)
    return builds


async def _rename(admin_url: str, name: str, new_name: str) -> None:
    admin = await asyncpg.connect(admin_url)
    try:
        await drop_database(admin_url, new_name)
        await admin.execute(await core_sql.rename_database_statement(admin, database_name=name, new_name=new_name))
    finally:
        await admin.close()


async def _copy(admin_url: str, source: str, copy: str) -> None:
    """A file copy of `source` (no session may be open on it) under the name `copy`."""
    admin = await asyncpg.connect(admin_url)
    try:
        await drop_database(admin_url, copy)
        await admin.execute(await core_sql.copy_database_statement(admin, database_name=copy, template_name=source))
    finally:
        await admin.close()


async def _prune(admin_url: str, database: str, schema_dir: Path, keep: int, say: Say) -> None:
    """Drop the kept builds beyond the `keep` most recently loaded or extended."""
    kept = await _kept_builds(admin_url, database, schema_dir)
    if len(kept) <= keep:
        return
    loaded = {}
    for build in kept:
        conn = await asyncpg.connect(with_database(admin_url, build.name))
        try:
            loaded[build.name] = await core_sql.plan_fixture_loaded_at(conn)
        finally:
            await conn.close()
    never = datetime.min.replace(tzinfo=UTC)
    oldest = sorted(kept, key=lambda b: loaded[b.name] or never, reverse=True)[keep:]
    for build in oldest:
        say(f"plans: dropping kept build {build.name} (keeping the {keep} most recent)")
        await drop_database(admin_url, build.name)


async def prepare_database(
    admin_url: str,
    database: str,
    schema_dir: Path,
    loader: FixtureLoader,
    statistics_target: int,
    say: Say,
    progress: Callable[[str], Progress] = print_progress,
    keep: int = 2,
) -> tuple[str, bool]:
    """The checking database's URL, loaded and analyzed; True when an earlier load was reused.

    Reused when its fingerprint matches; else a kept build of the wanted fingerprint is swapped in;
    else a build with the same seed whose migrations the new files follow is extended (migrate,
    analyze what they touched); else rebuilt. The build replaced is kept as `<database>_<fingerprint>`
    (the `keep` most recent), so switching branches back reuses it. One process at a time (an advisory lock).
    """
    wanted = fingerprint(schema_dir, loader, statistics_target)
    seed = seed_fingerprint(loader, statistics_target)
    url = with_database(admin_url, database)
    admin = await asyncpg.connect(admin_url)
    try:
        await core_sql.lock_plan_database(admin, database_name=database)
        await create_database(admin_url, database)
        current = await _build_of(admin_url, database, schema_dir)
        if current is not None and current.fingerprint == wanted:
            say(f"plans: reusing database {database} (fingerprint {wanted} unchanged)")
            return url, True
        kept = await _kept_builds(admin_url, database, schema_dir)
        match = next((b for b in kept if b.fingerprint == wanted), None)
        if match is not None:
            await _keep(admin_url, database, current)
            await _rename(admin_url, match.name, database)
            say(f"plans: reusing the kept build of fingerprint {wanted} as {database} (no load)")
            await _prune(admin_url, database, schema_dir, keep, say)
            return url, True
        bases = [b for b in ([current] if current else []) + kept if b.extends_to(seed)]
        if bases:
            base = max(bases, key=lambda b: len(b.state.applied))
            await _keep(admin_url, database, current, copy=base is current)
            if base is not current:
                await _copy(admin_url, base.name, database)
            await _extend(url, base, schema_dir, statistics_target, wanted, seed, say)
        else:
            await _keep(admin_url, database, current)
            await _build(admin_url, database, schema_dir, loader, statistics_target, wanted, seed, say, progress)
        await _prune(admin_url, database, schema_dir, keep, say)
        return url, False
    finally:
        await core_sql.unlock_plan_database(admin, database_name=database)
        await admin.close()


async def _keep(admin_url: str, database: str, current: Build | None, copy: bool = False) -> None:
    """Keep the current build under its fingerprint's name: renamed away, or (`copy`) copied."""
    if current is None:
        return
    name = kept_name(database, current.fingerprint)
    if copy:
        await _copy(admin_url, database, name)
    else:
        await _rename(admin_url, database, name)
        await create_database(admin_url, database)


async def _extend(
    url: str, base: Build, schema_dir: Path, statistics_target: int, wanted: str, seed: str, say: Say
) -> None:
    """Apply the pending migrations to a loaded build, vacuum-analyze the tables they name or changed."""
    say(f"plans: extending build {base.fingerprint} by {', '.join(base.state.pending)} (fingerprint {wanted})")
    started = time.monotonic()
    conn = await asyncpg.connect(url)
    try:
        applied = await migrations.migrate(conn, schema_dir, say)
        words: set[str] = set()
        for name in applied:
            words |= migrations.names_in((schema_dir / name).read_text())
        await core_sql.set_statistics_target(conn, target=str(statistics_target))
        statement = await core_sql.vacuum_analyze_statement(conn, table_names=sorted(words))
        if statement:
            say(f"plans: {statement} (statistics target {statistics_target})")
            await conn.execute(statement)
        seconds = round(time.monotonic() - started, 1)
        await core_sql.record_plan_fixture(conn, fingerprint=wanted, seed_fingerprint=seed, load_seconds=seconds)
    finally:
        await conn.close()
    say(f"plans: database extended in {seconds:.0f}s")


async def _build(
    admin_url: str,
    database: str,
    schema_dir: Path,
    loader: FixtureLoader,
    statistics_target: int,
    wanted: str,
    seed: str,
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
        await core_sql.record_plan_fixture(conn, fingerprint=wanted, seed_fingerprint=seed, load_seconds=seconds)
    finally:
        await conn.close()
    say(f"plans: database {database} ready in {seconds:.0f}s")


def describe_scales(loader: FixtureLoader) -> Iterable[str]:
    """`domain=scale` for the report, when the loader knows its scales."""
    scales = getattr(loader, "scales", {})
    return [f"{domain}={scale:,}" for domain, scale in sorted(scales.items())]
