"""`catalog url` and `catalog psql`: a DBA reaches the database the app uses."""

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from app import psql
from app.settings import ROOT, Settings


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
