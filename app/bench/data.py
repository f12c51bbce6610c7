"""The benchmark's databases: synthetic data at each domain's plan scale, loaded once and reused.

Built like the plan checker's (app/plans/fixture.py): migrated, loaded, vacuum-analyzed and
fingerprinted; reused while schema, seed code and scales are unchanged. Unlike the checker's, they
are analyzed at the server's default statistics target, as production is.
"""

from app.database import with_database
from app.embedded import start_embedded_server
from app.plans.fixture import prepare_database, seed_modules_fixture
from app.seeding import seed_modules
from app.settings import Settings

STATISTICS_TARGET = 100  # PostgreSQL's default_statistics_target
DATABASE = "catalog_bench"


def admin_url(settings: Settings) -> str:
    return settings.database_url or start_embedded_server(settings.data_dir)


def say(message: str) -> None:
    print(message.replace("plans: ", "bench: "), flush=True)


async def prepare(settings: Settings, size: int | None = None, sized: frozenset[str] = frozenset()) -> str:
    """The URL of the benchmark database: every domain at PLAN_SCALE, or (size) the `sized` domains at size rows."""
    modules = seed_modules(settings)
    if size is None:
        database, scales = DATABASE, None
    else:
        modules = {domain: module for domain, module in modules.items() if domain in sized}
        database, scales = f"{DATABASE}_{size}", dict.fromkeys(modules, size)
    loader = seed_modules_fixture(modules, settings.queries_dir, scales)
    url, _ = await prepare_database(admin_url(settings), database, settings.schema_dir, loader, STATISTICS_TARGET, say)
    return url


__all__ = ["DATABASE", "prepare", "with_database"]
