"""Identity-provider tokens: JWTs signed by a key the provider publishes at AUTH_JWKS_URL (PyJWT).

A token of a key id not yet seen makes PyJWKClient fetch the key set again (the provider rotated its
keys), at most once per AUTH_JWKS_COOLDOWN_SECONDS. Only asymmetric algorithms are accepted: never
`none`, and never an HMAC one (whose secret would be the provider's public key).
"""

import logging

import jwt
from starlette.concurrency import run_in_threadpool

from app.access.scopes import Principal

log = logging.getLogger(__name__)

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]


class TokenVerifier:
    """Checks a bearer JWT: signature by the provider's published key, issuer, audience, expiry."""

    def __init__(self, jwks_url: str, issuer: str | None, audience: str | None, cooldown: float) -> None:
        self.issuer = issuer
        self.audience = audience
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=False, lifespan=300, timeout=5, cooldown_duration=cooldown)

    def _verify(self, token: str) -> Principal | None:
        try:
            key = self._jwks.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key=key,
                algorithms=ALGORITHMS,
                issuer=self.issuer,
                audience=self.audience,
                options={"require": ["exp", "sub"], "verify_aud": self.audience is not None},
            )
        except jwt.PyJWKClientConnectionError as exc:
            log.warning("identity provider's keys unavailable: %s", exc)
            return None
        except jwt.PyJWTError as exc:
            log.info("token refused: %s", exc)
            return None
        subject = claims.get("sub")
        scope = claims.get("scope", "")
        if not isinstance(subject, str) or not isinstance(scope, str):
            return None
        return Principal(actor=f"token:{subject}", scopes=frozenset(scope.split()))

    async def verify(self, token: str) -> Principal | None:
        """The token's principal (subject, scopes from the `scope` claim), or None when it is not valid.
        Runs in a worker thread: fetching the key set is blocking I/O."""
        return await run_in_threadpool(self._verify, token)
