"""HTTP method semantics the routes do not give by themselves (RFC 9110): HEAD wherever GET is served,
OPTIONS answered with `Allow`, and every 405 naming the path's methods in `Allow`.

The methods a path takes are found by asking each of the app's routes (Starlette's public
`BaseRoute.matches`) whether it would take the path with that method, so routes inside included
routers, mounted apps and the docs pages count like any other.
"""

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.background import reads_recorded
from app.errors import request_id

PROBED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(routes: list[BaseRoute], scope: Scope) -> list[str]:
    """The methods some route takes at this request's path, sorted; [] when no route knows the path.
    GET brings HEAD with it, and a known path always answers OPTIONS."""
    allowed = {
        method
        for method in PROBED_METHODS
        if any(route.matches({**scope, "method": method})[0] is Match.FULL for route in routes)
    }
    if not allowed:
        return []
    if "GET" in allowed:
        allowed.add("HEAD")
    allowed.add("OPTIONS")
    return sorted(allowed)


class MethodSemantics:
    """Pure ASGI middleware: HEAD served as the GET without its body and without the reads it records
    (`reads_recorded`) where no route takes HEAD itself, and OPTIONS answered 204 with `Allow` where no
    route takes OPTIONS itself. Other requests pass untouched (a 405 gets `Allow` from `method_not_allowed`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method")
        if scope["type"] != "http" or method not in ("HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        routes: list[BaseRoute] = scope["app"].router.routes
        if any(route.matches(dict(scope))[0] is Match.FULL for route in routes):
            await self.app(scope, receive, send)  # a route of its own takes this method
            return
        allowed = allowed_methods(routes, scope)
        if method == "HEAD" and "GET" in allowed:
            unread = reads_recorded.set(False)  # nobody reads a HEAD's answer: no view, no search log
            try:
                await self.app({**scope, "method": "GET"}, receive, _without_body(send))
            finally:
                reads_recorded.reset(unread)
        elif method == "OPTIONS" and allowed:
            await send(
                {
                    "type": "http.response.start",
                    "status": 204,
                    "headers": [(b"allow", ", ".join(allowed).encode())],
                }
            )
            await send({"type": "http.response.body", "body": b""})
        else:
            await self.app(scope, receive, send)  # an unknown path: the app's 404 (or 405)


def _without_body(send: Send) -> Send:
    """The GET's answer as a HEAD's: status and headers (Content-Length included), no body."""

    async def send_head(message: Message) -> None:
        if message["type"] == "http.response.body":
            if not message.get("more_body", False):
                await send({"type": "http.response.body", "body": b""})
            return
        await send(message)

    return send_head


async def method_not_allowed(request: Request, exc: Exception) -> JSONResponse:
    """Exception handler for 405: every method of the path in `Allow` and in the detail."""
    allowed = allowed_methods(request.app.router.routes, request.scope)
    detail = f"method {request.method} is not allowed here; allowed: {', '.join(allowed) or 'none'}"
    return JSONResponse(
        status_code=405,
        content={"detail": detail, "request_id": request_id.get()},
        headers={"Allow": ", ".join(allowed)},
    )
