"""Identity-provider tokens (a fake provider on 127.0.0.1 serving a JWKS): accepted when signed by a
published key with the right issuer, audience and scope; refused (401) when forged, with `alg: none`,
the wrong issuer or audience, or expired, on every write route; key rotation picked up."""

from collections.abc import Iterator

import asyncpg
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.access.helpers import REMOTE, client, running, write_routes
from tests.access.provider import AUDIENCE, ISSUER, FakeProvider, serve
from tests.conftest import assert_error


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    yield from serve()


def provider_settings(provider: FakeProvider) -> dict[str, object]:
    return {
        "auth_jwks_url": provider.url,
        "auth_issuer": ISSUER,
        "auth_audience": AUDIENCE,
        "auth_jwks_cooldown_seconds": 0,
    }


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_every_write_route_refuses_forged_tokens(database_url: str, provider: FakeProvider) -> None:
    async with running(database_url, **provider_settings(provider)) as app:
        routes = write_routes(app)
        scopes = " ".join(sorted({scope for _, _, scope in routes}))
        stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        forged = {
            "wrong signature": provider.token(scope=scopes, key=stranger),
            "alg none": provider.unsigned_token(scopes),
            "wrong issuer": provider.token(scope=scopes, issuer="https://evil.example.test/"),
            "wrong audience": provider.token(scope=scopes, audience="another-api"),
            "expired": provider.token(scope=scopes, expires_in=-120),
            "tampered": provider.token(scope="bookstore:read")[:-6] + "AAAAAA",
            "garbage": "not.a.token",
        }
        valid = provider.token(subject="alice", scope=scopes)
        async with client(app, REMOTE) as http:
            for method, path, scope in routes:
                response = await http.request(method, path, json={})
                assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
                for what, token in forged.items():
                    response = await http.request(method, path, json={}, headers=bearer(token))
                    assert response.status_code == 401, (method, path, what, response.text)
                    assert response.headers["www-authenticate"] == "Bearer"
                other = scope.replace(":write", ":read") if scope != "admin" else "bookstore:write"
                response = await http.request(method, path, json={}, headers=bearer(provider.token(scope=other)))
                assert_error(response, 403, scope)
                response = await http.request(method, path, json={}, headers=bearer(valid))
                assert response.status_code not in (401, 403, 500), (method, path, response.text)


async def test_token_subject_is_the_actor_and_rotation_is_followed(
    conn: asyncpg.Connection, database_url: str, provider: FakeProvider
) -> None:
    async with running(database_url, **provider_settings(provider)) as app, client(app, REMOTE) as http:
        first = provider.token(subject="alice@example.test", scope="cookbook:write")
        created = await http.post(
            "/cookbook/categories", json={"name": "Soups"}, headers={**bearer(first), "X-Request-ID": "tok-1"}
        )
        assert created.status_code == 201, created.text
        fetched = provider.fetches
        provider.rotate()  # the provider publishes a new key and drops the old one
        second = provider.token(subject="bob@example.test", scope="cookbook:write")
        created = await http.post("/cookbook/categories", json={"name": "Breads"}, headers=bearer(second))
        assert created.status_code == 201, created.text
        assert provider.fetches == fetched + 1  # the unknown kid made the app fetch the key set again
        assert_error(await http.post("/cookbook/categories", json={"name": "Pies"}, headers=bearer(first)), 401)
        admin = provider.token(subject="root", scope="admin")
        entries = (await http.get("/audit", headers=bearer(admin))).json()
    assert [(e["actor"], e["request_id"]) for e in reversed(entries)][:1] == [("token:alice@example.test", "tok-1")]
    assert {e["actor"] for e in entries} == {"token:alice@example.test", "token:bob@example.test"}


async def test_an_unreachable_provider_means_401_not_500(database_url: str, provider: FakeProvider) -> None:
    settings = {**provider_settings(provider), "auth_jwks_url": "http://127.0.0.1:9/jwks.json"}
    async with running(database_url, **settings) as app, client(app, REMOTE) as http:
        response = await http.post(
            "/cookbook/categories", json={"name": "Soups"}, headers=bearer(provider.token(scope="cookbook:write"))
        )
        assert_error(response, 401)
