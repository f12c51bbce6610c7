"""The server the plan checks run on: DATABASE_URL when set, else an embedded server of their own."""

from pathlib import Path

from app.embedded import TUNING, start_embedded_server
from app.settings import Settings

# The checking databases are rebuilt from schema/ and the seeds whenever lost, so their server trades
# durability for speed and disk: no fsync, no full-page images, WAL recycled at 1 GB (the data itself
# is about 2.6 GB per build), and wal_level minimal (no replica of it; an index a migration builds
# writes no WAL). The settings apply when the server starts (app/embedded.py writes them first).
THROWAWAY_TUNING = (
    TUNING.replace("max_wal_size = '4GB'\n", "")
    + """\
# The plan checks' server (app/plans/server.py): a throwaway database, rebuilt when lost.
wal_level = minimal
max_wal_senders = 0
fsync = off
synchronous_commit = off
full_page_writes = off
max_wal_size = '1GB'
min_wal_size = '80MB'
checkpoint_timeout = '30min'
"""
)


def plans_data_dir(settings: Settings) -> Path:
    """Where the plan checks' embedded server keeps its files: <data_dir>/plans."""
    return settings.data_dir / "plans"


def plans_admin_url(settings: Settings) -> str:
    """DATABASE_URL when set; else the admin URL of the plan checks' embedded server (started or joined)."""
    return settings.database_url or start_embedded_server(plans_data_dir(settings), THROWAWAY_TUNING)


def plans_database(settings: Settings) -> str:
    """The checking database's name: catalog_plans, suffixed by the domains when CATALOG_DOMAINS limits them."""
    # With CATALOG_DOMAINS the checking database holds only those domains, under its own name, so
    # checking one domain never rebuilds (or waits for) the database of all of them.
    wanted = settings.domain_filter()
    return "catalog_plans" + "".join(f"_{name}" for name in sorted(wanted or ()))
