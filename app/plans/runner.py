"""One plan-check run end to end: checking database ready, cases run and judged, settings recorded."""

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import asyncpg

from app.plans.cases import load_cases
from app.plans.check import CaseResult, cache_mode_outcomes, check_all, selected
from app.plans.config import CheckConfig
from app.plans.explain import connect, read_settings
from app.plans.fixture import FixtureLoader, describe_scales, prepare_database
from app.plans.indexes import database_indexes, gone, index_use
from app.plans.named import load_named_queries
from app.plans.report import RunInfo

# Read back from the server after connecting, so the report shows what really applied.
REPORTED = ["server_version", "plan_cache_mode", "jit", "statement_timeout", "shared_buffers"]


@dataclass(frozen=True)
class Target:
    """What to check: the config (folders, thresholds), the server, the data loader, the app's session."""

    config: CheckConfig
    admin_url: str
    loader: FixtureLoader
    app_session: dict[str, str]


async def open_checking_session(target: Target, say: Callable[[str], None]) -> tuple[asyncpg.Connection, str]:
    """The checking database brought to scale (or reused) and a session on it with pinned settings."""
    config = target.config
    url, _ = await prepare_database(
        target.admin_url,
        config.database,
        config.schema_dir,
        target.loader,
        config.statistics_target,
        say,
        keep=config.keep_builds,
    )
    session = {**target.app_session, **config.planner_settings}
    return await connect(url, session), url


async def run(
    target: Target, say: Callable[[str], None], update: bool = False, patterns: list[str] | None = None
) -> tuple[list[CaseResult], RunInfo]:
    """Check (or, with `update`, rewrite the baselines of) every selected query's cases."""
    conn, _ = await open_checking_session(target, say)
    started = time.monotonic()
    try:
        config = target.config
        reported = await read_settings(conn, REPORTED + list(config.planner_settings))
        named = load_named_queries(config.queries_dir)
        book = load_cases(named)
        chosen = sum(selected(fqn, patterns) for fqn in named)
        scope = f"{chosen} of {len(named)}" if patterns else f"all {len(named)}"
        say(f"plans: {'updating baselines of' if update else 'checking'} {scope} named queries")
        # Read before `update` rewrites them: which indexes did the selected baselines rely on?
        use = {
            index: cases
            for index, cases in index_use(config.queries_dir).items()
            if any(selected(case.split(" [")[0], patterns) for case in cases)
        }
        outcomes = cache_mode_outcomes(target.app_session, reported["plan_cache_mode"])
        outcomes += await check_all(conn, named, book, config, update=update, patterns=patterns)
        vanished = gone(use, {i.qualified for i in await database_indexes(conn)})
    finally:
        await conn.close()
    version = reported.pop("server_version")
    reported["statistics target of the load"] = str(config.statistics_target)
    reported.update({f"rule threshold {name}": str(value) for name, value in asdict(config.thresholds).items()})
    info = RunInfo(
        database=config.database,
        server_version=f"PostgreSQL {version}",
        fixture=", ".join(describe_scales(target.loader)) or "custom loader",
        settings=reported,
        seconds=time.monotonic() - started,
        dropped_indexes=vanished,
    )
    return outcomes, info
