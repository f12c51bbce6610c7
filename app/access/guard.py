"""The request guard: which credential a request carries, and whether it may do what it asks.

Every domain route requires `<domain>:read` (GET, HEAD) or `<domain>:write` (anything else); core
routes use `require_scope(...)` (e.g. `admin`). The decision, in order:

- AUTH_MODE=open: everything is allowed.
- A bearer credential is given: it must be a valid API key or provider token (else 401) holding the
  scope (else 403 naming it).
- No credential, a read, AUTH_READS off: allowed.
- No credential, nothing configured (no key ever issued, no provider): allowed from the loopback
  interface, 403 from anywhere else with a detail saying how to configure access.
- No credential otherwise: 401 with `WWW-Authenticate: Bearer`.
"""

import ipaddress
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from app.access.keys import KeyTable, looks_like_key
from app.access.scopes import Principal, granted
from app.access.tokens import TokenVerifier
from app.errors import declare
from app.settings import Settings

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ACTOR = "catalog.actor"
"""request.scope key: the actor of a write allowed by the guard (app/access/session.py records it)."""

REQUIRED_SCOPE = "x-required-scope"
"""OpenAPI extension a core route guarded by require_scope sets (`openapi_extra=scope_extra("admin")`);
app/access/openapi.py turns it into the operation's security requirement."""

AUTH_RESPONSES = declare(401, 403)
"""Declared on every guarded operation."""

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="An API key (`catalog keys create`) or a token from the identity provider (AUTH_JWKS_URL).",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]
"""The bearer credential of a request, if it sends one (FastAPI's security utility, shown in /docs)."""

CONFIGURE = (
    "writes from other hosts are refused until access is configured: create an API key with "
    "`catalog keys create NAME --scopes DOMAIN:write` and send it as `Authorization: Bearer <key>`, "
    "or set AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE for an identity provider "
    "(AUTH_MODE=open turns access control off)"
)


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


def forbidden(detail: str) -> HTTPException:
    return HTTPException(403, detail)


def is_loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class Access:
    """The process's access state: settings, the key table, the provider (if any)."""

    settings: Settings
    keys: KeyTable = field(default_factory=KeyTable)
    tokens: TokenVerifier | None = None
    on_key_use: Callable[[str], None] | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> "Access":
        tokens = None
        if settings.auth_jwks_url:
            tokens = TokenVerifier(
                settings.auth_jwks_url,
                settings.auth_issuer,
                settings.auth_audience,
                settings.auth_jwks_cooldown_seconds,
            )
        return cls(settings=settings, tokens=tokens)

    @property
    def open(self) -> bool:
        return self.settings.auth_mode == "open"

    @property
    def configured(self) -> bool:
        """Keys were issued or a provider is set: from then on loopback is no exception."""
        return self.keys.issued or self.tokens is not None

    async def identify(self, token: str) -> Principal | None:
        """The principal of a presented bearer credential, or None when it is not valid."""
        if looks_like_key(token) or self.tokens is None:
            principal = self.keys.check(token)
            if principal is not None and principal.key_id is not None and self.on_key_use is not None:
                self.on_key_use(principal.key_id)
            return principal
        return await self.tokens.verify(token)

    async def authorize(
        self, request: Request, credentials: HTTPAuthorizationCredentials | None, needed: str, always: bool = False
    ) -> None:
        """Allow the request (noting a write's actor in its scope) or raise the 401/403 that says why not;
        `always`: a credential is needed for reads too (admin routes)."""
        write = request.method not in SAFE_METHODS
        client = request.client.host if request.client else "unknown"
        if self.open:
            if write:
                request.scope[ACTOR] = f"open:{client}"
            return
        if credentials is None and request.headers.get("authorization"):
            raise unauthorized("the Authorization header must be `Bearer <API key or token>`")
        if credentials is not None:
            principal = await self.identify(credentials.credentials)
            if principal is None:
                raise unauthorized("the credential is not valid: unknown, revoked, expired or malformed")
            if not granted(principal.scopes, needed):
                raise forbidden(f"the credential lacks the scope {needed}")
            if write:
                request.scope[ACTOR] = principal.actor
            return
        if not (write or always or self.settings.auth_reads):
            return
        if not self.configured:
            if is_loopback(request):
                if write:
                    request.scope[ACTOR] = f"local:{client}"
                return
            raise forbidden(CONFIGURE)
        raise unauthorized(f"a credential with the scope {needed} is needed: send `Authorization: Bearer <key>`")


def access_of(request: Request) -> Access:
    found = request.app.state.access
    assert isinstance(found, Access)
    return found


def domain_guard(domain: str) -> Callable[..., Awaitable[None]]:
    """The dependency every route of `domain` runs: `<domain>:read` for reads, `<domain>:write` for writes."""
    read, write = f"{domain}:read", f"{domain}:write"

    async def guard(request: Request, credentials: Credentials) -> None:
        needed = read if request.method in SAFE_METHODS else write
        await access_of(request).authorize(request, credentials, needed)

    return guard


def scope_extra(scope: str) -> dict[str, Any]:
    """The route's `openapi_extra` that lists `scope` in its OpenAPI security requirement."""
    return {REQUIRED_SCOPE: scope}


def require_scope(scope: str) -> Callable[..., Awaitable[None]]:
    """A dependency requiring `scope` (e.g. `admin`) whatever the method; a core route uses it as
    `dependencies=[Depends(require_scope("admin"))], openapi_extra=scope_extra("admin")`."""

    async def guard(request: Request, credentials: Credentials) -> None:
        await access_of(request).authorize(request, credentials, scope, always=True)

    return guard
