"""Traces (optional: `pip install catalog[traces]`): with OTEL_EXPORTER_OTLP_ENDPOINT set, one span per
request ("GET /bookstore/books/{book_id}") and, inside it, one per statement named by its query name
("bookstore.book_by_id"), sent by OpenTelemetry's OTLP exporter (docs/operating.md).

Off (the default, or without the packages) it costs one check of a module global per request and
per statement.
"""

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from app.queries import query_name

log = logging.getLogger(__name__)

ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_ENDPOINT"

tracer: Any = None
"""The OpenTelemetry tracer while tracing is on, else None."""
_provider: Any = None


def install(provider: Any) -> None:
    """Trace with `provider` (an opentelemetry.sdk TracerProvider), or stop tracing with None."""
    global tracer, _provider
    _provider = provider
    tracer = None if provider is None else provider.get_tracer("catalog")


@contextmanager
def request_span(method: str, path: str) -> Iterator[Any]:
    """The span of one request, current while it is answered (its statements' spans are its children)."""
    from opentelemetry.trace import SpanKind

    attributes = {"http.request.method": method, "url.path": path}
    with tracer.start_as_current_span(method, kind=SpanKind.SERVER, attributes=attributes) as span:
        yield span


def answered(span: Any, method: str, route: str, status: int) -> None:
    """Name the request's span by its route template and record the status (an error status for a 5xx)."""
    from opentelemetry.trace import Status, StatusCode

    span.update_name(f"{method} {route}")
    span.set_attribute("http.route", route)
    span.set_attribute("http.response.status_code", status)
    if status >= 500:
        span.set_status(Status(StatusCode.ERROR))


@contextmanager
def statement_span(query: str) -> Iterator[Any]:
    """The span of one statement, named by its query name (or "statement" for one that is not ours)."""
    from opentelemetry.trace import SpanKind

    name = query_name(query)
    attributes = {"db.system.name": "postgresql", "db.query.text": query}
    if name is not None:
        attributes["db.query.summary"] = name
    with tracer.start_as_current_span(name or "statement", kind=SpanKind.CLIENT, attributes=attributes) as span:
        yield span


def configure_from_environment() -> bool:
    """Start tracing when OTEL_EXPORTER_OTLP_ENDPOINT is set and the packages are installed (the exporter
    reads the endpoint and the other OTEL_* variables itself); True when tracing is on."""
    if tracer is not None:
        return True
    if not os.environ.get(ENDPOINT_ENV):
        return False
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        log.warning(
            "%s is set but the OpenTelemetry packages are not installed: pip install 'catalog[traces]'", ENDPOINT_ENV
        )
        return False
    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "catalog")})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    install(provider)
    return True


def flush() -> None:
    """Send what is buffered (at the app's shutdown)."""
    if _provider is not None:
        _provider.force_flush()
