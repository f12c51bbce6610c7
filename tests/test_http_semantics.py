"""HTTP method semantics over every operation of the OpenAPI document (issue #16, kind 2), and the
docs pages working with no network (kind 8): every asset they name is served by the app itself."""

import re
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.bookstore.helpers import add_book
from tests.cookbook.helpers import add_category, add_recipe

ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def concrete(path: str) -> str:
    """An OpenAPI path template with every parameter filled with a plausible id."""
    return re.sub(r"\{[^}]+\}", "1", path)


async def documented_paths(client: httpx.AsyncClient) -> dict[str, set[str]]:
    """Each documented path (parameters filled in) -> its methods; `/x/{a}` and `/x/{b}` are one path."""
    document: dict[str, Any] = (await client.get("/openapi.json")).json()
    paths: dict[str, set[str]] = {}
    for path, operations in document["paths"].items():
        paths.setdefault(concrete(path), set()).update(method.upper() for method in operations)
    return paths


async def test_options_and_405_list_every_method_of_every_documented_path(client: httpx.AsyncClient) -> None:
    paths = await documented_paths(client)
    assert len(paths) > 20  # every domain is mounted
    for path, methods in paths.items():
        expected = set(methods) | {"OPTIONS"} | ({"HEAD"} if "GET" in methods else set())
        options = await client.options(path)
        assert options.status_code == 204, (path, options.text)
        assert set(options.headers["allow"].split(", ")) == expected, path
        for method in set(ALL_METHODS) - methods:
            refused = await client.request(method, path)
            assert refused.status_code == 405, (method, path, refused.text)
            assert set(refused.headers["allow"].split(", ")) == expected, (method, path)
            assert all(name in refused.json()["detail"] for name in expected), refused.text


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"])
async def test_the_docs_pages_answer_options_and_405_like_the_api(client: httpx.AsyncClient, path: str) -> None:
    """Paths outside the OpenAPI document (the docs pages) follow the same method rules."""
    options = await client.options(path)
    assert options.status_code == 204, (path, options.text)
    assert set(options.headers["allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}, path
    for method in ("POST", "PUT", "PATCH", "DELETE", "TRACE", "CONNECT"):
        refused = await client.request(method, path)
        assert refused.status_code == 405, (method, path, refused.text)
        assert set(refused.headers["allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}, (method, path)


async def test_methods_no_route_takes_are_405_with_allow(client: httpx.AsyncClient) -> None:
    """TRACE and CONNECT, which no route takes, on documented paths: 405 naming what the path takes."""
    paths = await documented_paths(client)
    for path in ("/health", "/bookstore/books", "/inventory/products/1/stock", "/corpus/search"):
        methods = paths[path]
        expected = set(methods) | {"OPTIONS"} | ({"HEAD"} if "GET" in methods else set())
        for method in ("TRACE", "CONNECT"):
            refused = await client.request(method, path)
            assert refused.status_code == 405, (method, path, refused.text)
            assert set(refused.headers["allow"].split(", ")) == expected, (method, path)


async def test_head_answers_like_get_without_a_body_wherever_get_does(client: httpx.AsyncClient) -> None:
    paths = await documented_paths(client)
    readable = [path for path, methods in paths.items() if "GET" in methods]
    assert len(readable) > 10
    for path in [*readable, "/docs", "/redoc", "/openapi.json"]:
        got = await client.get(path)
        head = await client.head(path)
        assert head.status_code == got.status_code, (path, head.status_code, got.status_code)
        assert head.content == b"", path
        assert head.headers.get("content-type") == got.headers.get("content-type"), path
        if path in ("/health", "/openapi.json"):  # answers that do not change between the two requests
            assert head.headers["content-length"] == str(len(got.content)), path


@pytest.mark.parametrize("path", ["/no-such-thing", "/bookstore/no-such-thing", "/health/extra"])
async def test_an_unknown_path_stays_404_for_every_method(client: httpx.AsyncClient, path: str) -> None:
    for method in (*ALL_METHODS, "HEAD", "OPTIONS"):
        assert (await client.request(method, path)).status_code == 404, (method, path)


class Assets(HTMLParser):
    """Every URL a page loads: script src, link href, img src."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href", "img": "src"}.get(tag)
        self.urls += [value for name, value in attrs if name == wanted and value]


@pytest.mark.parametrize(
    ("page", "needs"),
    [("/docs", ("swagger-ui-bundle.js", "swagger-ui.css")), ("/redoc", ("redoc.standalone.js",))],
)
async def test_docs_pages_load_every_asset_from_the_app(
    client: httpx.AsyncClient, page: str, needs: tuple[str, ...]
) -> None:
    html = await client.get(page)
    assert html.status_code == 200
    parser = Assets()
    parser.feed(html.text)
    assert all(any(url.endswith(name) for url in parser.urls) for name in needs), parser.urls
    # Any absolute URL (a CDN, Google Fonts) would be a blank page offline.
    assert not re.search(r"""["'(]\s*(https?:)?//""", html.text), html.text
    assert "/openapi.json" in html.text
    for url in parser.urls:
        asset = await client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 1000, url
        kind = asset.headers["content-type"]
        assert kind.startswith(
            {"js": "text/javascript", "css": "text/css", "png": "image/png"}[url.rsplit(".", 1)[1]]
        ), (
            url,
            kind,
        )


async def test_head_records_no_read_that_get_records(client: httpx.AsyncClient, app: FastAPI) -> None:
    """A monitor's or link checker's HEAD is not a reader: no recipe view, no search log row."""
    category = await add_category(client, "Head check")
    recipe = await add_recipe(client, category_id=category, ingredients=[{"name": "Head check salt"}])
    await add_book(client, author="Head Check Author", categories=["Head check shelf"])
    reads = [
        f"/cookbook/recipes/{recipe['id']}",
        "/bookstore/books?author=head%20check%20author",
        "/bookstore/books?category=Head%20check%20shelf",
        "/bookstore/books?author=Head%20Check%20Author&q=untitled",
    ]

    async def recorded() -> tuple[int, int]:
        await app.state.cookbook_views.drained()
        await app.state.bookstore_search_log.drained()
        views = (await client.get(f"/cookbook/recipes/{recipe['id']}")).json()["view_count"]
        await app.state.cookbook_views.drained()  # that GET queued a view of its own
        logs = [log for log in (await client.get("/bookstore/logs")).json() if "head" in str(log).lower()]
        return views, len(logs)

    before = await recorded()
    for path in reads:
        for _ in range(3):
            assert (await client.head(path)).status_code == 200, path
    assert await recorded() == (before[0] + 1, before[1])  # only recorded()'s own GET was a view
    for path in reads:
        assert (await client.get(path)).status_code == 200, path
    assert await recorded() == (before[0] + 3, before[1] + 3)  # after a HEAD, a GET is recorded again
