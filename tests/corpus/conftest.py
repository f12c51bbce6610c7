"""Corpus fixtures: the fake upstream APIs and an app pointed at them."""

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.corpus.settings import CorpusSettings
from app.main import create_app
from tests.conftest import make_settings
from tests.corpus.upstream import FakeUpstream, serve
from tests.servers import free_port


@pytest.fixture(scope="session")
def upstream_server() -> Iterator[FakeUpstream]:
    yield from serve()


@pytest.fixture
def upstream(upstream_server: FakeUpstream) -> FakeUpstream:
    """The fake text and dictionary APIs, reset to answer normally and with no requests counted."""
    upstream_server.reset()
    return upstream_server


CorpusClient = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]

# For the tests of a hanging API only: elsewhere a busy CI machine must not turn a slow answer into a retry.
SHORT_TIMEOUTS = {"http_timeout": 0.3, "dictionary_deadline": 0.8}


@pytest.fixture
def corpus_client(database_url: str, upstream: FakeUpstream) -> CorpusClient:
    """`async with corpus_client(**settings) as http:` an app on the test database using the fake APIs."""

    @asynccontextmanager
    async def open_client(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        corpus: dict[str, Any] = {
            "text_url": upstream.text_url,
            "dictionary_url": upstream.dictionary_url,
            "http_timeout": 5.0,
            "dictionary_deadline": 3.0,
        }
        core = {key: value for key, value in overrides.items() if key not in CorpusSettings.model_fields}
        corpus.update({key: value for key, value in overrides.items() if key in CorpusSettings.model_fields})
        app: FastAPI = create_app(make_settings(database_url, **core), CorpusSettings(**corpus))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                yield http

    return open_client


@pytest.fixture
async def api(corpus_client: CorpusClient) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app with the default corpus test settings."""
    async with corpus_client() as http:
        yield http


@pytest.fixture
def closed_url() -> str:
    """A URL on 127.0.0.1 where nothing listens."""
    return f"http://127.0.0.1:{free_port()}/nothing"
