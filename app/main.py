"""The FastAPI application: lifespan (pool), error handlers, health, and one router per domain."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import health
from app.database import create_pool
from app.database_admin import resolve_database_url
from app.domains import domain_constraint_errors, domain_module, enabled_domains
from app.errors import install_error_handlers
from app.settings import DomainSettings, Settings, get_settings

log = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    url = await resolve_database_url(settings)
    app.state.pool = await create_pool(url, settings)
    try:
        yield
    finally:
        await app.state.pool.close()


def create_app(settings: Settings | None = None, *domain_settings: DomainSettings) -> FastAPI:
    """The app; `domain_settings` replace what domains would read from the environment (tests use this)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="catalog",
        summary="SQL-first catalogue service: bookstore, cookbook, inventory, corpus.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.domain_settings = {type(given): given for given in domain_settings}
    domains = enabled_domains(settings)
    install_error_handlers(app, domain_constraint_errors(domains))
    app.include_router(health.router)
    for domain in domains:
        module = domain_module(domain, "router")
        assert module is not None
        app.include_router(module.router, prefix=f"/{domain}", tags=[domain])
    return app
