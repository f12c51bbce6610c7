"""`catalog serve`: one process, or N uvicorn workers (under uvicorn's supervisor), on sockets bound here.

Every listening socket is bound with `proto=IPPROTO_TCP` and TCP_NODELAY, which accepted sockets inherit, so
no keep-alive answer waits for the client's delayed ACK (why uvicorn's own socket does: docs/performance.md).
On Linux each worker listens on a socket of its own (SO_REUSEPORT, see WorkerSocket), so the kernel
spreads connections over the workers.

The master resolves the database (starting the embedded server, the only process registered with it),
reads the server's max_connections and gives each worker a pool of at most
(max_connections - superuser_reserved_connections - POOL_HEADROOM_CONNECTIONS) // N connections.
Workers receive these settings, the database URL included, so they never register with the embedded
server: a worker that dies, even by SIGKILL, leaves nothing that keeps it from stopping with the master.
"""

import asyncio
import os
import socket
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess

from app.core import sql
from app.database import session_settings, startup_settings
from app.logs import uvicorn_access_log, uvicorn_log_config
from app.metrics import MULTIPROC_ENV
from app.settings import Settings

WORKER_SETTINGS_ENV = "CATALOG_WORKER_SETTINGS"  # the master's settings, as JSON, for the spawned workers


class ServeError(Exception):
    """`catalog serve` cannot start as asked (e.g. the pools do not fit the server's connection limit)."""


def listening_socket(host: str, port: int, reuse_port: bool = False) -> socket.socket:
    """A bound TCP socket whose accepted connections have TCP_NODELAY (see the module docstring)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    sock.set_inheritable(True)
    return sock


class WorkerSocket(socket.socket):
    """The master's port reservation, which each worker receives as a socket of its own.

    With one shared listening socket, the worker that wakes first accepts a whole burst of
    connections: wrk's 16 keep-alive connections split 16/0 or 14/2 between two workers, and two
    workers served no more than one. Here the master binds the port with SO_REUSEPORT and never
    listens (a socket that does not listen takes no connections); unpickled in a worker (uvicorn's
    supervisor pickles the sockets it hands to each process), this becomes a new SO_REUSEPORT
    socket on the same port, and the kernel spreads new connections over the workers' sockets. A
    worker that dies takes its socket with it, so no connection waits on a socket nobody accepts.
    """

    def __reduce__(self) -> tuple[Callable[[str, int], socket.socket], tuple[str, int]]:
        host, port = self.getsockname()[:2]
        return _worker_socket, (host, port)


def _worker_socket(host: str, port: int) -> socket.socket:
    return listening_socket(host, port, reuse_port=True)


def port_reservation(host: str, port: int) -> WorkerSocket:
    """The master's WorkerSocket: bound with SO_REUSEPORT, never listening."""
    plain = listening_socket(host, port, reuse_port=True)
    reserved = WorkerSocket(plain.family, plain.type, plain.proto, fileno=plain.detach())
    return reserved


@dataclass(frozen=True)
class PoolPlan:
    """How the server's connections are shared between N workers."""

    max_connections: int
    superuser_reserved: int
    headroom: int
    workers: int
    pool_min_size: int
    pool_max_size: int

    @property
    def budget(self) -> int:
        return self.max_connections - self.superuser_reserved - self.headroom

    def describe(self) -> str:
        return (
            f"{self.workers} worker(s) x pool of {self.pool_min_size}-{self.pool_max_size} connections = at most "
            f"{self.workers * self.pool_max_size} of the server's max_connections {self.max_connections} "
            f"({self.superuser_reserved} reserved for superusers, {self.headroom} left for migrations and admin)"
        )


def plan_pools(settings: Settings, workers: int, max_connections: int, superuser_reserved: int) -> PoolPlan:
    """Each worker's pool: POOL_MAX_SIZE, lowered so that `workers` pools fit the server's budget."""
    headroom = settings.pool_headroom_connections
    budget = max_connections - superuser_reserved - headroom
    per_worker = budget // workers
    if per_worker < 1:
        raise ServeError(
            f"{workers} workers do not fit the database server: max_connections {max_connections} minus "
            f"{superuser_reserved} superuser-reserved and {headroom} headroom (POOL_HEADROOM_CONNECTIONS) leaves "
            f"{budget} connections; use fewer workers or raise max_connections"
        )
    max_size = min(settings.pool_max_size, per_worker)
    return PoolPlan(
        max_connections=max_connections,
        superuser_reserved=superuser_reserved,
        headroom=headroom,
        workers=workers,
        pool_min_size=min(settings.pool_min_size, max_size),
        pool_max_size=max_size,
    )


@dataclass(frozen=True)
class ServerFacts:
    """What the master reads from the database, as the role and through the URL the app serves with."""

    max_connections: int
    superuser_reserved: int
    role: str  # the role the session runs as (through PgBouncer: the role PgBouncer logged in as)
    session_mismatches: list[str]  # session settings the server gives that differ from what the app wants


async def read_server_facts(url: str, settings: Settings) -> ServerFacts:
    """One connection to the serving URL, made as the pools will make theirs: the connection limit, and
    (when the session settings are not sent at start-up) whether the role's or database's defaults give them."""
    conn = await asyncpg.connect(
        url,
        timeout=settings.connect_timeout,
        statement_cache_size=settings.database_statement_cache_size,
        server_settings=startup_settings(settings),
    )
    try:
        wanted = session_settings(settings)
        names = ["max_connections", "superuser_reserved_connections", "session_authorization", *wanted]
        found = {
            row["setting_name"]: row["setting_value"] for row in await sql.current_settings(conn, setting_names=names)
        }
        role = found["session_authorization"] or ""
        mismatches = [
            f"{name} is {found.get(name)!r} for role {role}, the app wants {value!r}: set it on the role"
            f" ({await sql.role_setting_statement(conn, role_name=role, setting_name=name, setting_value=value)})"
            " or the database"
            for name, value in wanted.items()
            if not _same_setting(found.get(name), value)
        ]
    finally:
        await conn.close()
    return ServerFacts(
        max_connections=int(found["max_connections"] or 0),
        superuser_reserved=int(found["superuser_reserved_connections"] or 0),
        role=role,
        session_mismatches=mismatches,
    )


def _same_setting(found: str | None, wanted: str) -> bool:
    """statement_timeout comes back as '15s' for '15000': compare the milliseconds where both are numbers of them."""
    if found is None:
        return False
    units = {"ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}
    for unit, factor in sorted(units.items(), key=lambda item: -len(item[0])):
        if found.endswith(unit) and found[: -len(unit)].isdigit() and wanted.isdigit():
            return int(found[: -len(unit)]) * factor == int(wanted)
    return found == wanted


def worker_app() -> FastAPI:
    """uvicorn's factory in each worker: the app with the master's settings (database URL, pool sizes)."""
    from app.main import create_app

    return create_app(Settings.model_validate_json(os.environ[WORKER_SETTINGS_ENV]))


def run(settings: Settings, url: str, workers: int, say: Callable[[str], None]) -> int:
    """Serve with `url` (the serving role's URL: server facts are read through it too) until SIGINT/SIGTERM:
    in this process when `workers` is 1, else under uvicorn's supervisor, which restarts a worker that dies."""
    facts = asyncio.run(read_server_facts(url, settings))
    for mismatch in facts.session_mismatches:
        say(f"warning: {mismatch} (DATABASE_STARTUP_SETTINGS=false sends none of them)")
    plan = plan_pools(settings, workers, facts.max_connections, facts.superuser_reserved)
    say(plan.describe())
    served = settings.model_copy(  # the workers serve with exactly the URL the facts were read through
        update={
            "database_url": url,
            "app_database_url": url,
            "pool_min_size": plan.pool_min_size,
            "pool_max_size": plan.pool_max_size,
        }
    )
    balanced = workers > 1 and hasattr(socket, "SO_REUSEPORT") and sys.platform == "linux"
    sock = (
        port_reservation(settings.host, settings.port) if balanced else listening_socket(settings.host, settings.port)
    )
    say(f"serving on http://{settings.host}:{sock.getsockname()[1]} (OpenAPI at /docs); Ctrl-C stops")
    log_config, access_log = uvicorn_log_config(settings), uvicorn_access_log(settings)
    try:
        if workers == 1:
            from app.main import create_app

            config = uvicorn.Config(create_app(served), log_level="info", log_config=log_config, access_log=access_log)
            uvicorn.Server(config).run(sockets=[sock])
        else:
            os.environ[WORKER_SETTINGS_ENV] = served.model_dump_json()
            config = uvicorn.Config(
                "app.serving:worker_app",
                factory=True,
                workers=workers,
                log_level="info",
                log_config=log_config,
                access_log=access_log,
            )
            with metrics_directory(settings.metrics):
                Multiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()
    return 0


@contextmanager
def metrics_directory(wanted: bool) -> Iterator[None]:
    """PROMETHEUS_MULTIPROC_DIR for the workers (prometheus-client's multiprocess mode, app/metrics.py):
    the one given, emptied of a previous run's files, else a new temporary folder removed at the end.
    Workers are spawned (fresh interpreters), so they load prometheus-client with it already set."""
    if not wanted:
        yield
        return
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
        yield
        return
    with tempfile.TemporaryDirectory(prefix="catalog-metrics-") as folder_name:
        os.environ[MULTIPROC_ENV] = folder_name
        try:
            yield
        finally:
            del os.environ[MULTIPROC_ENV]
