"""The app behind a real PgBouncer in transaction mode (the OS package; .ci/run installs it).

PgBouncer is started on a free loopback port in front of the test database with a generated ini and
userlist and a pool of 3 server connections, so many client connections share them transaction by
transaction. The app runs with DATABASE_STATEMENT_CACHE_SIZE=0 (PgBouncer before 1.21 cannot keep
prepared statements apart) and DATABASE_STARTUP_SETTINGS=false (PgBouncer refuses them); the session
settings are the database's defaults, as docs/performance.md says to set them.
"""

import asyncio
import os
import pwd
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import asyncpg
import httpx
import pytest

from app import roles
from app.database import session_settings
from app.settings import Settings
from tests.role_defaults import CASE_IDS, CASES, WRONG, give_role_defaults, warned_settings
from tests.servers import free_port
from tests.serving_process import catalog_serve

PGBOUNCER = shutil.which("pgbouncer") or next(
    (path for path in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if os.access(path, os.X_OK)), None
)
pytestmark = pytest.mark.skipif(
    PGBOUNCER is None,
    reason="pgbouncer is not installed (apt-get install -y pgbouncer; .ci/run installs it)",
)

SERVER_POOL_SIZE = 3


def pgbouncer_ini(database_url: str, port: int, userlist: Path) -> str:
    """A transaction-mode PgBouncer on 127.0.0.1:`port` for `database_url`'s database."""
    parts = urlsplit(database_url)
    query = parse_qs(parts.query)
    host = query["host"][0] if "host" in query else parts.hostname or "127.0.0.1"
    database = parts.path.lstrip("/")
    target = f"host={host} port={parts.port or 5432} dbname={database}"
    if parts.password:
        target += f" password={unquote(parts.password)}"
    lines = [
        "[databases]",
        f"{database} = {target}",
        "[pgbouncer]",
        "listen_addr = 127.0.0.1",
        f"listen_port = {port}",
        "unix_socket_dir =",
        "auth_type = trust",
        f"auth_file = {userlist}",
        "pool_mode = transaction",
        f"default_pool_size = {SERVER_POOL_SIZE}",
        "max_client_conn = 200",
    ]
    if os.geteuid() == 0:  # PgBouncer will not run as root; the embedded server's own user reaches its socket
        lines.append(f"user = {_unprivileged_user()}")
    return "\n".join(lines) + "\n"


def _unprivileged_user() -> str:
    for name in ("embedded_postgres", "postgres", "nobody"):
        try:
            return pwd.getpwnam(name).pw_name
        except KeyError:
            continue
    pytest.skip("running as root and no unprivileged user for pgbouncer to switch to")


@contextmanager
def running_pgbouncer(tmp_path: Path, database_url: str, users: list[str]) -> Iterator[int]:
    """A PgBouncer for `database_url`'s database on a free loopback port (yielded) that lets `users` log in."""
    userlist = tmp_path / "userlist.txt"
    userlist.write_text("".join(f'"{user}" ""\n' for user in users))
    port = free_port()
    ini = tmp_path / "pgbouncer.ini"
    ini.write_text(pgbouncer_ini(database_url, port, userlist))
    log = tmp_path / "pgbouncer.log"
    with log.open("wb") as sink:
        assert PGBOUNCER is not None
        process = subprocess.Popen([PGBOUNCER, str(ini)], stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while "listening on 127.0.0.1" not in log.read_text(errors="replace"):
            assert process.poll() is None, f"pgbouncer exited:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"pgbouncer did not start:\n{log.read_text()}"
            time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def pgbouncer_url(tmp_path: Path, database_url: str) -> Iterator[str]:
    """URL of `database_url`'s database through a PgBouncer started for this test."""
    parts = urlsplit(database_url)
    user = unquote(parts.username or "postgres")
    with running_pgbouncer(tmp_path, database_url, [user]) as port:
        yield f"postgresql://{user}@127.0.0.1:{port}{parts.path}"


async def set_database_defaults(database_url: str) -> None:
    """The app's session settings as the database's defaults (docs/performance.md, "Workers and PgBouncer")."""
    conn = await asyncpg.connect(database_url)
    try:
        name = urlsplit(database_url).path.lstrip("/")
        for setting, value in session_settings(Settings()).items():
            if setting != "application_name":
                await conn.execute(f"alter database {name} set {setting} = '{value}'")
    finally:
        await conn.close()


async def test_the_app_serves_through_pgbouncer_in_transaction_mode(
    tmp_path: Path, database_url: str, pgbouncer_url: str
) -> None:
    await set_database_defaults(database_url)
    env = {"DATABASE_URL": pgbouncer_url, "DATABASE_STATEMENT_CACHE_SIZE": "0", "DATABASE_STARTUP_SETTINGS": "false"}
    with catalog_serve(tmp_path, "--workers", "2", env=env, workers=2) as served:
        assert "warning" not in served.output()  # the session settings arrive through PgBouncer
        async with httpx.AsyncClient(base_url=served.base_url, timeout=30) as http:
            for n in range(12):
                body = {"title": f"Pooled volume {n}", "author": f"Bea Bouncer {n % 3}", "published_year": 2000 + n}
                created = await http.post("/bookstore/books", json=body)
                assert created.status_code == 201, created.text
            found = await http.get("/bookstore/books", params={"author": "Bea Bouncer 1"})
            assert found.status_code == 200, found.text
            assert [book["title"] for book in found.json()] == [f"Pooled volume {n}" for n in (10, 7, 4, 1)]
            # Many more concurrent searches than server connections: each runs on whichever is free.
            searches = [
                http.get("/bookstore/books", params={"author": f"Bea Bouncer {n % 3}", "q": "pooled"})
                for n in range(60)
            ]
            answers = await asyncio.gather(*searches)
            assert [answer.status_code for answer in answers] == [200] * 60, [
                a.text for a in answers if a.status_code != 200
            ]
            assert {len(answer.json()) for answer in answers} == {4}
            assert (await http.get("/ready")).status_code == 200


@pytest.mark.parametrize(
    ("app_role_defaults", "warned"), [CASES[0], CASES[1], CASES[3]], ids=[CASE_IDS[0], CASE_IDS[1], CASE_IDS[3]]
)
async def test_catalog_serve_reads_the_session_defaults_through_pgbouncer_as_the_app_role(
    tmp_path: Path, conn: asyncpg.Connection, database_url: str, app_role_defaults: dict[str, str], warned: set[str]
) -> None:
    """Migrated straight to PostgreSQL as the owner, served through PgBouncer as the app role (docs/performance.md):
    the warnings follow the app role's defaults, not the owner's."""
    settings = Settings(database_url=database_url)
    assert await roles.ensure_app_role(conn, settings)
    await give_role_defaults(conn, await conn.fetchval("select current_user"), WRONG)
    await give_role_defaults(conn, settings.app_role, app_role_defaults)
    with running_pgbouncer(tmp_path, database_url, [settings.app_role]) as port:
        env = {
            "DATABASE_URL": database_url,
            "APP_DATABASE_URL": f"postgresql://{settings.app_role}@127.0.0.1:{port}{urlsplit(database_url).path}",
            "DATABASE_STATEMENT_CACHE_SIZE": "0",
            "DATABASE_STARTUP_SETTINGS": "false",
        }
        with catalog_serve(tmp_path, env=env, workers=1) as served:
            assert warned_settings(served.output()) == warned, served.output()
            async with httpx.AsyncClient(base_url=served.base_url, timeout=30) as http:
                assert (await http.get("/bookstore/books")).status_code == 200
