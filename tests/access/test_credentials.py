"""Every write route of every domain (read from the OpenAPI document) against missing, malformed,
expired, revoked and wrong-scope API keys: 401 with WWW-Authenticate: Bearer, or 403 naming the scope."""

import asyncpg
import httpx
import pytest

from tests.access.helpers import REMOTE, client, issue, issue_expired, keys_command, running, write_routes
from tests.conftest import assert_error


def assert_unauthorized(response: httpx.Response) -> None:
    assert_error(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


def other_scope(scope: str) -> str:
    """A scope that is not enough: the same domain's read, or (for admin) a domain's write."""
    return scope.replace(":write", ":read") if scope != "admin" else "bookstore:write"


async def send(
    http: httpx.AsyncClient, method: str, path: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    return await http.request(method, path, json={}, headers=headers or {})


async def test_every_write_route_refuses_every_bad_key(conn: asyncpg.Connection, database_url: str) -> None:
    async with running(database_url) as probe:
        routes = write_routes(probe)
    scopes = sorted({scope for _, _, scope in routes})
    assert len({scope.split(":")[0] for scope in scopes}) >= 4, scopes  # every domain has writes

    good = await issue(conn, database_url, "good", ",".join(scopes))
    wrong = {
        scope: await issue(conn, database_url, f"wrong-{scope.replace(':', '-')}", other_scope(scope))
        for scope in scopes
    }
    expired = await issue_expired(conn, "expired", scopes)
    revoked = await issue(conn, database_url, "revoked", ",".join(scopes))
    assert (await keys_command(conn, database_url, "revoke", "revoked"))[0] == 0
    # A key's parts tampered with: the same id with another secret, another id with the same secret, cut short.
    tampered = [good[:-4] + "AAAA", good[:8] + "0" * 16 + good[24:], good[:-1], "catalog_", good + "x"]

    async with running(database_url) as app:
        async with client(app) as http, client(app, REMOTE) as remote:
            for method, path, scope in routes:
                where = f"{method} {path}"
                assert_unauthorized(await send(http, method, path))  # keys exist: loopback is no exception now
                assert_unauthorized(await send(remote, method, path))
                for header in ("Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Token " + good, good, "Bearer a b"):
                    response = await send(http, method, path, {"Authorization": header})
                    assert response.status_code == 401, (where, header, response.text)
                for key in (expired, revoked, *tampered, "not-a-key", "eyJhbGciOiJIUzI1NiJ9.e30.x"):
                    assert_unauthorized(await send(http, method, path, {"Authorization": f"Bearer {key}"}))
                response = await send(remote, method, path, {"Authorization": f"Bearer {wrong[scope]}"})
                assert_error(response, 403, scope)
                response = await send(remote, method, path, {"Authorization": f"Bearer {good}"})
                assert response.status_code not in (401, 403, 500), (where, response.text)


async def test_reads_are_open_by_default_and_closed_with_auth_reads(
    conn: asyncpg.Connection, database_url: str
) -> None:
    key = await issue(conn, database_url, "reader", "inventory:read")
    writer = await issue(conn, database_url, "writer", "bookstore:write")
    async with running(database_url) as app, client(app, REMOTE) as http:
        assert (await http.get("/inventory/products")).status_code == 200
        assert (await http.get("/bookstore/books")).status_code == 200
    async with running(database_url, auth_reads=True) as app, client(app, REMOTE) as http:
        assert_unauthorized(await http.get("/inventory/products"))
        ok = await http.get("/inventory/products", headers={"Authorization": f"Bearer {key}"})
        assert ok.status_code == 200
        assert_error(
            await http.get("/cookbook/recipes", headers={"Authorization": f"Bearer {key}"}), 403, "cookbook:read"
        )
        # write implies read
        assert (await http.get("/bookstore/books", headers={"Authorization": f"Bearer {writer}"})).status_code == 200
        assert (await http.get("/health")).status_code == 200  # the core's health stays open


async def test_revocation_and_expiry_take_effect_within_seconds(conn: asyncpg.Connection, database_url: str) -> None:
    """A running app, keys revoked and expiring under it: refused at most AUTH_REFRESH_SECONDS later."""
    import asyncio
    import time

    async with running(database_url, auth_refresh_seconds=0.5) as app, client(app, REMOTE) as http:
        key = await issue(conn, database_url, "short", "inventory:write")
        body = {"name": "Tools"}
        started = time.monotonic()
        while (
            await http.post("/inventory/categories", json=body, headers={"Authorization": f"Bearer {key}"})
        ).status_code == 401:
            assert time.monotonic() - started < 3, "a new key was not accepted within 3 s"
            await asyncio.sleep(0.1)
        assert (await keys_command(conn, database_url, "revoke", "short"))[0] == 0
        revoked_at = time.monotonic()
        while (
            await http.post(
                "/inventory/categories",
                json={"name": f"T{time.monotonic()}"},
                headers={"Authorization": f"Bearer {key}"},
            )
        ).status_code != 401:
            assert time.monotonic() - revoked_at < 3, "a revoked key was still accepted after 3 s"
            await asyncio.sleep(0.1)
        soon = await issue(conn, database_url, "soon", "inventory:write", "--expires", "1h")
        await conn.execute("update access.api_keys set expires_at = now() + interval '1.5 seconds' where name = 'soon'")
        await asyncio.sleep(1.0)  # loaded with its expiry by now
        assert (await http.get("/inventory/categories", headers={"Authorization": f"Bearer {soon}"})).status_code == 200
        await asyncio.sleep(1.0)
        assert_unauthorized(await http.get("/inventory/categories", headers={"Authorization": f"Bearer {soon}"}))


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["create", "x", "--scopes", "bookstore:delete"], ["unknown scope", "bookstore:write"]),
        (["create", "x", "--scopes", "nowhere:read"], ["unknown scope"]),
        (["create", "x", "--scopes", ","], ["no scope"]),
        (["create", "x", "--scopes", "admin", "--expires", "90"], ["90d"]),
        (["create", "x", "--scopes", "admin", "--expires", "3y"], ["90d"]),
        (["create", "bad name", "--scopes", "admin"], ["letters, digits"]),
        (["revoke", "nobody"], ["no active key", "keys list"]),
    ],
)
async def test_keys_command_answers_mistakes_with_a_hint(
    conn: asyncpg.Connection, database_url: str, argv: list[str], words: list[str]
) -> None:
    status, out, err = await keys_command(conn, database_url, *argv)
    assert status == 2 and out == ""
    for word in words:
        assert word in err, err
    assert "Traceback" not in err


async def test_keys_list_shows_everything_but_the_secret(conn: asyncpg.Connection, database_url: str) -> None:
    first = await issue(conn, database_url, "ci-bot", "bookstore:write,inventory:read", "--expires", "90d")
    second = await issue(conn, database_url, "ops", "admin")
    assert first.startswith("catalog_") and len(first) > 60 and first != second
    status, _, err = await keys_command(conn, database_url, "create", "ops", "--scopes", "admin")
    assert status == 2 and "exists" in err
    async with running(database_url) as app, client(app, key=first) as http:
        assert (await http.get("/bookstore/books")).status_code == 200
    status, out, _ = await keys_command(conn, database_url, "list")
    assert status == 0
    lines = out.splitlines()
    assert [line.split()[0] for line in lines[1:]] == ["ci-bot", "ops"]
    assert "bookstore:write,inventory:read" in lines[1] and "admin" in lines[2]
    assert lines[1].split()[-1] != "-"  # last used was recorded (the app drained its writer at shutdown)
    assert lines[2].split()[-1] == "-"
    stored = await conn.fetch("select secret_hash from access.api_keys")
    assert first not in out and first[25:] not in out and all(len(r["secret_hash"]) == 32 for r in stored)
    # A revoked key's name may be given to its successor.
    assert (await keys_command(conn, database_url, "revoke", "ops"))[0] == 0
    await issue(conn, database_url, "ops", "admin")
