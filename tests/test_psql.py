"""`catalog url` and `catalog psql`: a DBA reaches the database the app uses."""

import os
import subprocess
import sys

from app import psql
from app.settings import ROOT


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
