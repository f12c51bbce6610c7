"""The next-page link: the request's own URL with the cursor set, exactly as Starlette would write it."""

import pytest
from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from app.pagination import set_next_link, with_cursor


def scope(
    path: str = "/bookstore/books",
    query: bytes = b"",
    host: bytes | None = b"127.0.0.1:8000",
    scheme: str = "http",
    server: tuple[str, int] | None = ("127.0.0.1", 8000),
    root_path: str = "",
) -> Scope:
    headers = [(b"host", host)] if host is not None else []
    return {
        "type": "http",
        "method": "GET",
        "scheme": scheme,
        "server": server,
        "path": path,
        "root_path": root_path,
        "query_string": query,
        "headers": headers,
    }


REQUESTS = [
    scope(),
    scope(query=b"author=Ada%20A.%20Abara"),
    scope(query=b"author=Ada+A.+Abara&page_size=5"),
    scope(query=b"cursor=WzIwMjAsMTJd&page_size=5"),  # the cursor it follows is replaced, not repeated
    scope(query=b"page_size=5&cursor=old&q=war"),  # ... wherever it stands; the others keep their order
    scope(query=b"cursor=a&cursor=b"),
    scope(query=b"q=%C3%9Cber%20%E2%82%AC&category=Sci-Fi%2FFantasy"),  # non-ASCII and reserved characters
    scope(query=b"q=&page_size=2"),  # a blank value stays
    scope(query=b"flag&q=x"),  # a name without a value
    scope(query=b"q=a%26b%3Dc"),  # an escaped & and = stay escaped
    scope(query=b"q=x#frag"),  # a fragment a raw request carried
    scope(path="/corpus/paragraphs", host=b"catalog.example.com"),
    scope(host=b"[::1]:8000"),
    scope(host=None, server=("::1", 8000)),
    scope(host=None, server=("10.0.0.5", 80)),
    scope(host=b"api.example.com", scheme="https", server=("10.0.0.5", 443)),
    scope(host=b"bad host:port:x"),  # an unusable Host header: the server's address instead
    scope(host=None, server=None),
    scope(path="/bookstore/books/a?b#c"),  # characters that must stay in the path
    scope(path="//double/slash", host=None, server=None),
    scope(path="/catalog/bookstore/books", root_path="/catalog"),
    scope(path="/inventory/products/1\r\n/movements", query=b"page_size=1"),  # %0D%0A: never in a header
    scope(path="/a\tb"),
]


@pytest.mark.parametrize("request_scope", REQUESTS, ids=lambda s: f"{s['path']}?{s['query_string'].decode()}")
def test_the_next_link_is_the_url_starlette_would_give(request_scope: Scope) -> None:
    url = URL(scope=request_scope)
    assert with_cursor(str(url), "WzIwMjEsNDJd") == str(url.include_query_params(cursor="WzIwMjEsNDJd"))


def test_a_next_page_adds_one_link_header_and_the_last_page_none() -> None:
    request = Request(scope(query=b"author=Ada&cursor=old"))
    more, last = Response(), Response()
    set_next_link(request, more, [2021, 42])
    set_next_link(request, last, None)
    assert more.headers.getlist("link") == [
        '<http://127.0.0.1:8000/bookstore/books?author=Ada&cursor=WzIwMjEsNDJd>; rel="next"'
    ]
    assert "link" not in last.headers
