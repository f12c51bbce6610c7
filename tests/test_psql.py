"""`catalog url` and `catalog psql`: a DBA reaches the database the app uses."""

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import asyncpg
import pytest

from app import psql, tcp_forward
from app.settings import ROOT, Settings
from tests.test_tcp_forward import free_port


def catalog(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_url_prints_the_apps_database_url(database_url: str) -> None:
    result = catalog(database_url, "url")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == database_url


def test_psql_runs_on_the_apps_database_with_psql_arguments(database_url: str) -> None:
    result = catalog(database_url, "psql", "-X", "-A", "-t", "-c", "select count(*) from public.schema_migrations")
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 2


def test_without_psql_installed_the_embedded_servers_client_is_used() -> None:
    assert psql.psql_executable(which=lambda _: None) == str(psql.embedded_psql())
    assert psql.embedded_psql().exists()
    assert psql.psql_executable(which=lambda _: "/usr/local/bin/psql") == "/usr/local/bin/psql"


def catalog_embedded(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`catalog ARGS` on the embedded server under `data_dir` (DATABASE_URL unset)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("args", [("url",), ("url", "--plans")])
def test_url_says_plainly_when_no_server_runs_and_how_to_start_one(tmp_path: Path, args: tuple[str, ...]) -> None:
    result = catalog_embedded(tmp_path / "data", *args)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "no server is running" in result.stderr
    assert ("catalog psql --plans" if "--plans" in args else "scripts/serve") in result.stderr
    assert "Traceback" not in result.stderr


def test_url_of_a_running_embedded_server_connects(admin_url: str) -> None:
    settings = Settings()
    if settings.database_url:
        pytest.skip("the test server is DATABASE_URL, not the embedded one")
    result = catalog_embedded(settings.data_dir, "url")
    assert result.returncode == 0, result.stderr

    async def database() -> str:
        conn = await asyncpg.connect(result.stdout.strip())
        try:
            return str(await conn.fetchval("select current_database()"))
        finally:
            await conn.close()

    assert asyncio.run(database()) == "catalog"


def test_psql_plans_names_the_command_that_builds_the_checking_database(tmp_path: Path) -> None:
    result = catalog_embedded(tmp_path / "data", "psql", "--plans", "-X", "-c", "select 1")
    assert result.returncode == 1
    assert "catalog_plans does not exist yet: scripts/plans builds it" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
def running_data_dir(admin_url: str, tmp_path: Path) -> Path:
    """A data folder whose pg18 is the running test server's (a link): `catalog url` sees a server running
    there, and the relay record written in it is this test's alone."""
    settings = Settings()
    if settings.database_url:
        pytest.skip("the test server is DATABASE_URL, not the embedded one")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "pg18").symlink_to(settings.data_dir / "pg18")
    return data_dir


def test_url_tcp_prints_the_relay_url_while_it_runs(running_data_dir: Path, admin_url: str) -> None:
    port = free_port()
    tcp_forward.start_in_background(
        tcp_forward.socket_path(admin_url), "127.0.0.1", port, tcp_forward.relay_record(running_data_dir)
    )
    result = catalog_embedded(running_data_dir, "url", "--tcp")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"postgresql://postgres@127.0.0.1:{port}/catalog"

    async def through_the_relay() -> int:
        conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres")
        try:
            return int(await conn.fetchval("select 1"))
        finally:
            await conn.close()

    assert asyncio.run(through_the_relay()) == 1
    note = psql.embedded_note(Settings(data_dir=running_data_dir))
    assert note is not None and f"GUI tools (TCP): postgresql://postgres@127.0.0.1:{port}/catalog" in note


def ended_process() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


@pytest.mark.parametrize(
    "record",
    [
        None,  # no relay was ever started
        lambda: {"host": "127.0.0.1", "port": free_port(), "pid": ended_process()},  # its process ended (SIGKILL)
        lambda: {"host": "127.0.0.1", "port": free_port(), "pid": os.getpid()},  # alive, but nothing listens
        lambda: "not json",  # a damaged file
    ],
)
def test_url_tcp_says_plainly_when_no_relay_runs(running_data_dir: Path, record: Callable[[], object] | None) -> None:
    if record is not None:
        content = record()
        tcp_forward.relay_record(running_data_dir).write_text(
            content if isinstance(content, str) else json.dumps(content)
        )
    result = catalog_embedded(running_data_dir, "url", "--tcp")
    assert result.returncode == 1 and result.stdout == ""
    assert "no TCP relay runs for GUI tools: scripts/serve opens one on 127.0.0.1:54329" in result.stderr
    assert "Traceback" not in result.stderr
    note = psql.embedded_note(Settings(data_dir=running_data_dir))
    assert note is not None and "no TCP relay runs" in note


def test_url_tcp_with_database_url_points_at_that_server(database_url: str) -> None:
    result = catalog(database_url, "url", "--tcp")
    assert result.returncode == 1 and "DATABASE_URL is set: connect GUI tools to that server directly" in result.stderr
