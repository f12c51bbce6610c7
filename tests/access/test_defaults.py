"""Defaults: with nothing configured, loopback may do everything and other hosts may only read; the
startup says so when listening beyond loopback; AUTH_MODE=open turns protection off, said at startup."""

import logging
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.access.helpers import LOOPBACK, REMOTE, client, issue, running, write_routes
from tests.conftest import assert_error
from tests.serving_process import catalog_serve


async def test_unconfigured_remote_writes_answer_403_saying_how_to_configure(database_url: str) -> None:
    async with running(database_url) as app:
        routes = write_routes(app)
        async with client(app, REMOTE) as remote, client(app, LOOPBACK) as local, client(app, ("::1", 1)) as local6:
            for method, path, _ in routes:
                response = await remote.request(method, path, json={})
                assert_error(response, 403, "catalog keys create", "AUTH_JWKS_URL")
                for http in (local, local6):
                    answer = await http.request(method, path, json={})
                    assert answer.status_code not in (401, 403, 500), (method, path, answer.text)
            assert (await remote.get("/bookstore/books")).status_code == 200
            assert (await remote.get("/audit")).status_code == 403
            assert (await local.get("/audit")).status_code == 200


async def test_auth_mode_open_lets_everyone_write_and_says_so(
    conn: asyncpg.Connection, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    await issue(conn, database_url, "someone", "admin")
    with caplog.at_level(logging.WARNING, logger="app.access"):
        async with running(database_url, auth_mode="open") as app, client(app, REMOTE) as remote:
            created = await remote.post("/cookbook/categories", json={"name": "Soups"})
            assert created.status_code == 201
    assert any("AUTH_MODE=open" in record.getMessage() for record in caplog.records)
    assert await conn.fetchval("select actor from access.audit_log") == "open:203.0.113.7"


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::"])
async def test_startup_warns_when_listening_beyond_loopback_unconfigured(
    database_url: str, caplog: pytest.LogCaptureFixture, host: str
) -> None:
    with caplog.at_level(logging.WARNING, logger="app.access"):
        async with running(database_url, host=host):
            pass
    notes = [r.getMessage() for r in caplog.records if "beyond the loopback" in r.getMessage()]
    assert len(notes) == 1 and host in notes[0] and "catalog keys create" in notes[0]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
async def test_startup_is_quiet_on_loopback(database_url: str, caplog: pytest.LogCaptureFixture, host: str) -> None:
    with caplog.at_level(logging.WARNING, logger="app.access"):
        async with running(database_url, host=host):
            pass
    assert not [r for r in caplog.records if "loopback" in r.getMessage()]


async def test_startup_is_quiet_once_keys_exist(
    conn: asyncpg.Connection, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    await issue(conn, database_url, "ops", "admin")
    with caplog.at_level(logging.WARNING, logger="app.access"):
        async with running(database_url, host="0.0.0.0"):
            pass
    assert not [r for r in caplog.records if "loopback" in r.getMessage()]


def test_catalog_serve_prints_the_notice_when_listening_beyond_loopback(tmp_path: Path, database_url: str) -> None:
    for workers in (1, 2):
        env = {"DATABASE_URL": database_url, "HOST": "0.0.0.0", "POOL_MIN_SIZE": "1"}
        with catalog_serve(tmp_path, "--workers", str(workers), env=env, workers=workers) as served:
            assert httpx.get(f"{served.base_url}/bookstore/authors").status_code == 200
        notes = [line for line in served.output().splitlines() if "beyond the loopback" in line]
        assert len(notes) == workers, served.output()  # once per worker process
        assert all("0.0.0.0" in note and "catalog keys create" in note for note in notes)
    env = {"DATABASE_URL": database_url}  # the default HOST, 127.0.0.1: nothing to say
    with catalog_serve(tmp_path, env=env, workers=1) as served:
        assert httpx.get(f"{served.base_url}/health").status_code == 200
    assert "beyond the loopback" not in served.output()
