"""The benchmark's databases: synthetic data at each domain's plan scale, loaded once and reused.

Built like the plan checker's (app/plans/fixture.py): migrated, loaded, vacuum-analyzed and
fingerprinted; reused while schema, seed code and scales are unchanged. Unlike the checker's, they
are analyzed at the server's default statistics target, as production is.
"""

import asyncpg

from app.database import with_database
from app.embedded import start_embedded_server
from app.plans.fixture import prepare_database, seed_modules_fixture
from app.seeding import seed_modules
from app.settings import Settings

STATISTICS_TARGET = 100  # PostgreSQL's default_statistics_target
DATABASE = "catalog_bench"
SIZED_DOMAINS = ("bookstore", "corpus")  # the domains `--sizes` loads at 10k, 100k and 1M rows


def admin_url(settings: Settings) -> str:
    return settings.database_url or start_embedded_server(settings.data_dir)


def say(message: str) -> None:
    print(message.replace("plans: ", "bench: "), flush=True)


async def prepare(settings: Settings, size: int | None = None) -> str:
    """The URL of the benchmark database: every domain at PLAN_SCALE, or (size) bookstore and corpus at size rows."""
    modules = seed_modules(settings)
    if size is None:
        database, scales = DATABASE, None
    else:
        modules = {domain: module for domain, module in modules.items() if domain in SIZED_DOMAINS}
        database, scales = f"{DATABASE}_{size}", dict.fromkeys(modules, size)
    loader = seed_modules_fixture(modules, settings.queries_dir, scales)
    url, _ = await prepare_database(
        admin_url(settings), database, settings.schema_dir, loader, STATISTICS_TARGET, say
    )
    return url


async def scalar(url: str, query: str) -> object:
    """One value from the benchmark database (the cases name "the largest author" by a query)."""
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(query)
    finally:
        await conn.close()


__all__ = ["DATABASE", "prepare", "scalar", "with_database"]
