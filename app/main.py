"""The FastAPI application: lifespan (pool), error handlers, health, one router per domain, and the
request guard (a request id on every answer, the body size limit, Retry-After on 503s)."""

import asyncio
import gc
import json
import logging
import os
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from functools import partial
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import health, logs, metrics, openapi, schema_changes, tracing
from app.access import api as access_api
from app.access.guard import AUTH_RESPONSES, Access, domain_guard, require_scope
from app.access.openapi import declare_scopes
from app.database import learn_catalog_of, open_servers
from app.database_admin import resolve_database_url
from app.domains import domain_constraint_errors, domain_module, enabled_domains
from app.errors import install_error_handlers, request_id
from app.lean_path import LeanPath, Operation, lean_operations
from app.methods import MethodSemantics, method_not_allowed
from app.metrics import RequestTiming, request_timing
from app.queries import check_all
from app.retry import UnitOfWorkRetry
from app.routing import ConnectionRouting
from app.settings import DomainSettings, Settings, get_settings
from app.strict_query import reject_unknown_query
from app.validation import reject_nul_characters

log = logging.getLogger(__name__)

POOL_CLOSE_SECONDS = 10
"""Longest wait at shutdown for a pool's connections to come back before they are closed anyway."""
requests_log = logging.getLogger("app.requests")

_CLIENT_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestGuard:
    """Pure ASGI middleware, once per request: an id (the client's X-Request-ID when it is sane, else a
    new one) in the answer's header, the error body and the error's log line; a 413 for a body over
    `max_body_bytes` (by Content-Length at once, else as soon as the chunks read pass it); Retry-After on
    every 503; and, once the answer is sent, its metrics and access record (app/metrics.py, app/logs.py)."""

    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int,
        retry_after: int,
        metrics: bool = False,
        access_json: bool = False,
        route_templates: dict[int, str] | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.retry_after = retry_after
        self.metrics = metrics
        self.access_json = access_json
        # id(route) -> its full path template: FastAPI's scope["route"] is the included router's own
        # route, whose path lacks the prefix it was included under.
        self.route_templates = route_templates if route_templates is not None else {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        given, length = b"", b""
        for name, value in scope["headers"]:  # names are lower-case in ASGI; one pass, no Headers object
            if name == b"x-request-id" and not given:
                given = value
            elif name == b"content-length" and not length:
                length = value
        client_id = given.decode("latin-1")
        rid = client_id if _CLIENT_ID.fullmatch(client_id) else os.urandom(16).hex()
        request_id.set(rid)  # each request runs in its own task, so its own context
        timing = RequestTiming()
        request_timing.set(timing)
        id_header = (b"x-request-id", rid.encode())
        status = 0
        answered = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), id_header]
                if status == 503:
                    answer = MutableHeaders(scope=message)
                    if "retry-after" not in answer:
                        answer["Retry-After"] = str(self.retry_after)
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False) and not answered:
                answered = True  # background tasks run after this: they are not the request's time
                self._answered(scope, status, time.perf_counter() - started, timing.database, span)

        limit = self.max_body_bytes
        too_large = f"request body is larger than the limit of {limit:,} bytes"
        try:
            declared = int(length or b"0")
        except ValueError:
            declared = 0
        read = 0

        async def counted_receive() -> Message:
            nonlocal read
            message = await receive()
            if message["type"] == "http.request":
                read += len(message.get("body", b""))
                if read > limit:
                    raise HTTPException(413, too_large)  # FastAPI passes it on to app/errors.py
            return message

        traced = nullcontext() if tracing.tracer is None else tracing.request_span(scope["method"], scope["path"])
        with traced as span:  # send_with_id reads it
            try:
                if declared > limit:
                    await self._reject(send_with_id, too_large)
                else:
                    await self.app(scope, counted_receive, send_with_id)
            except Exception:
                if not answered:  # Starlette's outermost middleware answers 500
                    answered, status = True, 500
                    self._answered(scope, status, time.perf_counter() - started, timing.database, span)
                raise
        if status >= 400 and not self.access_json:
            level = logging.WARNING if status >= 500 else logging.INFO
            requests_log.log(level, "%s %s -> %d request_id=%s", scope["method"], scope["path"], status, rid)

    def _answered(self, scope: Scope, status: int, seconds: float, database_seconds: float, span: Any) -> None:
        matched = scope.get("route")
        route = self.route_templates.get(id(matched)) or getattr(matched, "path", None) or metrics.UNMATCHED_ROUTE
        if span is not None:
            tracing.answered(span, scope["method"], route, status)
        if self.metrics:
            metrics.observe_request(scope["method"], route, status, seconds, database_seconds)
        if self.access_json:
            client = scope.get("client")
            logs.log_access(
                scope["method"], route, scope["path"], status, seconds, database_seconds, client[0] if client else None
            )

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


def freeze_startup_objects() -> None:
    """Move everything built at startup (modules, routes, models) out of the garbage collector's sight, so
    that full collections under load do not walk it (why: docs/performance.md); reference counting still
    frees it."""
    gc.collect()
    gc.freeze()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    url = settings.app_database_url or await resolve_database_url(settings)
    tracing.configure_from_environment()
    servers = app.state.servers = await open_servers(url, settings)
    app.state.pool = servers.primary.pool  # writes and background work (app/background.py) run on the primary
    servers.start()
    listener = schema_changes.SchemaListener(
        settings.database_listen_url or url,
        lambda: [pool for _, pool in servers.pools()],
        settings,
        # A migration may add a table, trigger, foreign key or function: the replica routing reads them again.
        on_change=partial(learn_catalog_of, servers.primary.pool) if servers.replicas else None,
    )
    listener.start()  # `catalog migrate` announces each change: the pools drop their prepared statements
    refreshing = None
    if settings.metrics:
        for name, pool in servers.pools():
            metrics.track_pool(name, pool)
        refreshing = asyncio.create_task(metrics.refresh_loop(), name="metrics refresh")
    freeze_startup_objects()
    try:
        yield
    finally:
        if refreshing is not None:
            refreshing.cancel()
            for name, _ in servers.pools():
                metrics.untrack_pool(name)
            metrics.process_exit()
        tracing.flush()
        await listener.stop()
        await servers.stop()
        for name, pool in servers.pools():
            try:  # uvicorn drained the requests: a connection still out is leaked and would block close()
                async with asyncio.timeout(POOL_CLOSE_SECONDS):
                    await pool.close()
            except TimeoutError:
                log.warning("pool of %s: connections still in use after %ss; closing them", name, POOL_CLOSE_SECONDS)
                pool.terminate()
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
    lean: dict[tuple[str, str], Operation] = {}  # filled once every router is included
    app.state.lean_operations = lean
    # Innermost: list and search operations answered without FastAPI's solver (app/lean_path.py).
    app.add_middleware(LeanPath, operations=lean)
    app.add_middleware(ConnectionRouting)  # the request's connections, its Consistency-Token
    app.add_middleware(UnitOfWorkRetry)  # a request met a stale statement or a serialization failure: once more
    app.add_middleware(MethodSemantics)
    templates: dict[int, str] = {}
    app.add_middleware(
        RequestGuard,
        max_body_bytes=settings.max_body_bytes,
        retry_after=settings.retry_after_seconds,
        metrics=settings.metrics,
        access_json=settings.log_format == "json" and settings.access_log,
        route_templates=templates,
    )
    logs.log_to_stderr(settings)

    def include(router: APIRouter, prefix: str = "", **options: Any) -> None:
        app.include_router(router, prefix=prefix, **options)
        templates.update({id(route): prefix + route.path for route in router.routes if isinstance(route, APIRoute)})

    app.state.access = Access.from_settings(settings)
    include(health.router)
    include(access_api.router, responses=AUTH_RESPONSES)
    if settings.metrics:  # scope admin once access is configured; loopback only until then (app/access/guard.py)
        include(metrics.router, dependencies=[Depends(require_scope("admin"))])
    for domain in domains:
        module = domain_module(domain, "router")
        assert module is not None
        include(
            module.router,
            prefix=f"/{domain}",
            tags=[domain],
            responses=AUTH_RESPONSES,
            dependencies=[Depends(domain_guard(domain))],
        )
    declare_scopes(app, domains)
    lean.update(lean_operations(app))
    check_all()  # a .sql file changed without `scripts/codegen` stops the start, naming the query
    return app
