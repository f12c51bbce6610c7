"""The FastAPI application: lifespan (pool), error handlers, health, one router per domain, and the
request guard (a request id on every answer, the body size limit, Retry-After on 503s)."""

import gc
import json
import logging
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi_offline import FastAPIOffline
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import health, openapi
from app.database import create_pool
from app.database_admin import resolve_database_url
from app.domains import domain_constraint_errors, domain_module, enabled_domains
from app.errors import install_error_handlers, request_id
from app.methods import MethodSemantics, method_not_allowed
from app.settings import DomainSettings, Settings, get_settings
from app.strict_query import reject_unknown_query
from app.validation import reject_nul_characters

log = logging.getLogger(__name__)
requests_log = logging.getLogger("app.requests")

_CLIENT_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestGuard:
    """Pure ASGI middleware, once per request: an id (the client's X-Request-ID when it is sane, else a
    new one) in the answer's header, the error body and the error's log line; a 413 for a body over
    `max_body_bytes` (by Content-Length at once, else as soon as the chunks read pass it); and
    Retry-After on every 503."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, retry_after: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.retry_after = retry_after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given, length = b"", b""
        for name, value in scope["headers"]:  # names are lower-case in ASGI; one pass, no Headers object
            if name == b"x-request-id" and not given:
                given = value
            elif name == b"content-length" and not length:
                length = value
        client_id = given.decode("latin-1")
        rid = client_id if _CLIENT_ID.fullmatch(client_id) else os.urandom(16).hex()
        request_id.set(rid)  # each request runs in its own task, so its own context
        id_header = (b"x-request-id", rid.encode())
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), id_header]
                if status == 503:
                    answer = MutableHeaders(scope=message)
                    if "retry-after" not in answer:
                        answer["Retry-After"] = str(self.retry_after)
            await send(message)

        limit = self.max_body_bytes
        too_large = f"request body is larger than the limit of {limit:,} bytes"
        try:
            declared = int(length or b"0")
        except ValueError:
            declared = 0
        if declared > limit:
            await self._reject(send_with_id, too_large)
        else:
            read = 0

            async def counted_receive() -> Message:
                nonlocal read
                message = await receive()
                if message["type"] == "http.request":
                    read += len(message.get("body", b""))
                    if read > limit:
                        raise HTTPException(413, too_large)  # FastAPI passes it on to app/errors.py
                return message

            await self.app(scope, counted_receive, send_with_id)
        if status >= 400:
            level = logging.WARNING if status >= 500 else logging.INFO
            requests_log.log(level, "%s %s -> %d request_id=%s", scope["method"], scope["path"], status, rid)

    @staticmethod
    async def _reject(send: Send, detail: str) -> None:
        body = json.dumps({"detail": detail, "request_id": request_id.get()}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _log_to_stderr() -> None:
    """Let the app's INFO lines (an error answer and its request id) reach stderr when nothing else is set up."""
    app_log = logging.getLogger("app")
    if not logging.getLogger().handlers and not app_log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     [%(name)s] %(message)s"))
        app_log.addHandler(handler)
        app_log.setLevel(logging.INFO)


def freeze_startup_objects() -> None:
    """Move everything built at startup (modules, routes, models, the OpenAPI machinery: about 100,000
    objects) out of the garbage collector's sight. Otherwise each full collection, triggered every
    second or so under load by requests' short-lived cycles, walks them all: 15-60 ms pauses that made
    the app's p99 5-8x the ceiling's (issue #12). Frozen objects are still freed by reference counting."""
    gc.collect()
    gc.freeze()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    url = settings.app_database_url or await resolve_database_url(settings)
    app.state.pool = await create_pool(url, settings)
    freeze_startup_objects()
    try:
        yield
    finally:
        await app.state.pool.close()
        gc.unfreeze()  # an app built again in this process (tests) must not pin this one's objects


def create_app(settings: Settings | None = None, *domain_settings: DomainSettings) -> FastAPI:
    """The app; `domain_settings` replace what domains would read from the environment (tests use this)."""
    settings = settings or get_settings()
    # FastAPIOffline: /docs and /redoc load Swagger UI and ReDoc from files the app serves, no CDN.
    app = FastAPIOffline(
        title="catalog",
        summary="SQL-first catalogue service: bookstore, cookbook, inventory, corpus.",
        lifespan=lifespan,
        swagger_ui_parameters={"validatorUrl": None},  # no call to swagger.io's validator
        generate_unique_id_function=openapi.operation_id,
        dependencies=[Depends(reject_unknown_query), Depends(reject_nul_characters)],
    )
    openapi.install(app)
    app.state.settings = settings
    app.state.domain_settings = {type(given): given for given in domain_settings}
    domains = enabled_domains(settings)
    install_error_handlers(app, domain_constraint_errors(domains))
    app.add_exception_handler(405, method_not_allowed)
    app.add_middleware(MethodSemantics)
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes, retry_after=settings.retry_after_seconds)
    _log_to_stderr()
    app.include_router(health.router)
    for domain in domains:
        module = domain_module(domain, "router")
        assert module is not None
        app.include_router(module.router, prefix=f"/{domain}", tags=[domain])
    return app
