"""A fake identity provider on 127.0.0.1: serves a JWKS (RFC 7517) of RSA keys it can rotate, and signs
tokens the way a real one does (RS256, `kid` in the header, iss/aud/sub/exp/scope claims)."""

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://id.example.test/"
AUDIENCE = "catalog-api"


def _private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class FakeProvider:
    """Its current signing key is `kid`; `rotate()` publishes a new one and drops the old."""

    url: str = ""
    keys: dict[str, rsa.RSAPrivateKey] = field(default_factory=dict)
    kid: str = ""
    fetches: int = 0

    def rotate(self) -> None:
        self.kid = f"key-{len(self.keys) + 1}"
        self.keys = {self.kid: _private_key()}

    def jwks(self) -> dict[str, Any]:
        found = []
        for kid, key in self.keys.items():
            jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
            found.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
        return {"keys": found}

    def token(
        self,
        subject: str = "alice",
        scope: str = "",
        issuer: str = ISSUER,
        audience: str = AUDIENCE,
        expires_in: int = 300,
        key: rsa.RSAPrivateKey | None = None,
    ) -> str:
        """A token signed with the current key (or `key`, e.g. one the provider never published)."""
        now = int(time.time())
        claims = {"iss": issuer, "aud": audience, "sub": subject, "scope": scope, "iat": now, "exp": now + expires_in}
        return jwt.encode(claims, key or self.keys[self.kid], algorithm="RS256", headers={"kid": self.kid})

    def unsigned_token(self, scope: str) -> str:
        """The same claims with `alg: none` and no signature (a classic forgery)."""
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "mallory", "scope": scope, "exp": now + 300}
        return jwt.encode(claims, "", algorithm="none", headers={"kid": self.kid})


def serve() -> Iterator[FakeProvider]:
    """Run a provider with one key on a free port until the generator is closed."""
    provider = FakeProvider()
    provider.rotate()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/.well-known/jwks.json":
                self.send_error(404)
                return
            provider.fetches += 1
            body = json.dumps(provider.jwks()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    provider.url = f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
