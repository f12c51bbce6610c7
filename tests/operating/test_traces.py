"""Traces (issue #19, optional extra): one span per request and, inside it, one per statement named by its
query name; checked with the SDK's in-memory exporter and through OTLP to a fake collector."""

import http.server
import threading
from collections.abc import Iterator

import httpx
import pytest

from app import tracing
from app.main import create_app
from tests.bookstore.helpers import add_book
from tests.conftest import make_settings

pytest.importorskip("opentelemetry.sdk.trace", reason="the traces extra is not installed")

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracing.install(provider)
    yield memory
    tracing.install(None)


def children(spans: tuple[ReadableSpan, ...], parent: ReadableSpan) -> list[ReadableSpan]:
    return [s for s in spans if s.parent is not None and s.parent.span_id == parent.context.span_id]


async def test_a_request_span_holds_one_span_per_statement_named_by_its_query(
    exporter: InMemorySpanExporter, database_url: str
) -> None:
    app = create_app(make_settings(database_url, metrics=False))  # traces alone still time statements
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            book = await add_book(client, title="Middlemarch", author="George Eliot")
            exporter.clear()
            assert (await client.get(f"/bookstore/books/{book['id']}")).status_code == 200
            assert (await client.get("/bookstore/books", params={"author": "George Eliot"})).status_code == 200
            assert (
                await client.get("/bookstore/books", params={"author": "George Eliot", "q": "x"})
            ).status_code == 200
            assert (await client.get("/bookstore/books/0")).status_code in (404, 422)
    spans = exporter.get_finished_spans()
    requests = [s for s in spans if s.kind is SpanKind.SERVER]
    assert [s.name for s in requests] == [
        "GET /bookstore/books/{book_id}",
        "GET /bookstore/books",
        "GET /bookstore/books",
        "GET /bookstore/books/{book_id}",
    ]
    one = requests[0]
    assert one.attributes is not None and one.attributes["http.response.status_code"] == 200
    assert one.attributes["http.route"] == "/bookstore/books/{book_id}"
    statements = children(spans, one)
    assert [s.name for s in statements] == ["bookstore.book_by_id"]
    assert statements[0].kind is SpanKind.CLIENT and statements[0].attributes is not None
    assert "/* catalog: bookstore.book_by_id */" in str(statements[0].attributes["db.query.text"])
    # An author name alone is resolved by the page's statement; beside title words, by a lookup first.
    assert [s.name for s in children(spans, requests[1])] == ["bookstore.books_page_json"]
    page = [s.name for s in children(spans, requests[2])]
    assert page == ["bookstore.author_id_by_name", "bookstore.books_page_json"]
    # Outside any request only the search log's background flush, a trace of its own.
    assert {s.name for s in spans if s.parent is None and s.kind is SpanKind.CLIENT} == {"bookstore.insert_search_logs"}
    assert requests[3].status.status_code is not StatusCode.ERROR


class Collector(http.server.BaseHTTPRequestHandler):
    """A fake OTLP/HTTP collector: keeps the span names of every export it receives."""

    names: list[str] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.path == "/v1/traces":
            export = ExportTraceServiceRequest.FromString(body)
            for resource in export.resource_spans:
                for scope in resource.scope_spans:
                    Collector.names += [span.name for span in scope.spans]
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


async def test_with_an_otlp_endpoint_spans_reach_the_collector(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Collector.names = []
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{server.server_address[1]}")
    try:
        app = create_app(make_settings(database_url))
        async with app.router.lifespan_context(app):  # its shutdown sends what is buffered
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
                assert (await client.get("/bookstore/authors")).status_code == 200
        assert "GET /bookstore/authors" in Collector.names
        assert "bookstore.authors_page" in Collector.names
    finally:
        tracing.install(None)
        server.shutdown()
