"""The lean path (app/lean_path.py) answers exactly as FastAPI does: the same requests, valid and invalid
of every kind, sent to every operation it serves, once through the app and once through the same app
with the lean path emptied (FastAPI alone), compare status, body and headers (all but the request id)."""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Query, Request, Response
from pydantic import BaseModel, Field

from app import lean_path
from app.lean_path import lean_operations
from app.main import create_app
from tests.bookstore.helpers import add_book
from tests.conftest import make_settings
from tests.inventory.helpers import add_category, add_product

probe = APIRouter()


@probe.get("/probe/kinds")
async def kinds(
    request: Request,
    n: Annotated[int, Query(ge=1, le=10)],
    tag: Annotated[list[str] | None, Query(alias="tag-name", max_length=5)] = None,
    flag: bool = False,
    ratio: Annotated[float | None, Query(gt=0)] = None,
) -> Response:
    """A test operation with what the shipped ones lack: a required parameter, an alias, a list, a bool, a float."""
    return Response(f"{n} {tag} {flag} {ratio} {request.url.path}", media_type="text/plain")


@probe.get("/probe/kinds/{n}")
async def shadowed(n: str) -> Response:
    return Response(n, media_type="text/plain")


class Probe(BaseModel):
    words: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)]
    limit: Annotated[int, Field(ge=1)] = 5


@probe.post("/probe/body")
async def with_body(body: Probe, request: Request, page_size: Annotated[int, Query(ge=1)] = 3) -> Response:
    """A test operation with a JSON body model and a query parameter, like POST /corpus/search."""
    return Response(body.model_dump_json() + f" {page_size} {request.method}", media_type="text/plain")


BODIES: list[tuple[bytes, dict[str, str]]] = [
    (b'{"words": ["zyzzyva"], "operator": "and"}', {"Content-Type": "application/json"}),
    (b'{"words": ["the", "of"], "operator": "or", "page_size": 2}', {"Content-Type": "application/json"}),
    (b'{"words": ["zyzzyva"]}', {"Content-Type": "application/json; charset=utf-8"}),
    (b'{"words": ["zyzzyva"]}', {"Content-Type": "application/merge-patch+json"}),
    (b'{"words": ["zyzzyva"]}', {"Content-Type": "text/plain"}),
    (b'{"words": ["zyzzyva"]}', {}),
    (b'{"words": []}', {"Content-Type": "application/json"}),
    (b'{"words": [""]}', {"Content-Type": "application/json"}),
    (b'{"words": "zyzzyva"}', {"Content-Type": "application/json"}),
    (b'{"words": ["a\\u0000b"]}', {"Content-Type": "application/json"}),
    (b'{"words": ["zyzzyva"], "limit": 0}', {"Content-Type": "application/json"}),
    (b'{"words": ["zyzzyva"], "extra": 1}', {"Content-Type": "application/json"}),
    (b'{"words": ["zyzzyva"],', {"Content-Type": "application/json"}),
    (b"[1, 2]", {"Content-Type": "application/json"}),
    (b"null", {"Content-Type": "application/json"}),
    (b"", {"Content-Type": "application/json"}),
    (b"\xff\xfe", {"Content-Type": "application/json"}),
    (b'{"words": ["zyzzyva"]}', {"Content-Type": "application/json", "Authorization": "Bearer not-a-key"}),
]
"""JSON bodies, valid and invalid of each kind, with their headers (media types exact, with a charset,
+json, another, none)."""


def values_for(field: str) -> list[str]:
    """Valid and invalid values of each kind for a query parameter, by its name's kind."""
    integers = ["1", "2", "0", "-5", "abc", "1.5", "", "9223372036854775807", "9223372036854775808", "1%002"]
    texts = ["steel", "Anon Author", "golden", "", " ", "x" * 300, "a%00b", "%C3%A9t%C3%A9", "Hand Tools"]
    flags = ["true", "false", "1", "0", "yes", "maybe", ""]
    numbers = ["0.5", "0", "-1", "nan", "inf", "x"]
    if field in ("page_size", "n", "have", "max_missing") or field.endswith("_id"):
        return integers + ["100", "101", "10", "11"]
    if field in ("low_stock", "flag"):
        return flags
    if field == "ratio":
        return numbers
    if field == "cursor":
        return ["", "!!!", "WzEsMl0", "WzJd", "bm90IGpzb24", "%00"]
    return texts


def queries(aliases: frozenset[str]) -> Iterator[str]:
    """Query strings: none, each parameter with each value, unknown ones, repeats, NUL in a name, mixes."""
    yield ""
    for name in sorted(aliases):
        for value in values_for(name):
            yield f"{name}={value}"
        yield f"{name}"  # a bare name: an empty value
    yield "nope=1"
    yield "sort=title"
    yield "nope%00=1"
    yield "%00"
    for name in sorted(aliases):
        first, second = values_for(name)[:2]
        yield f"{name}={first}&{name}={second}"  # repeated
        yield f"{name}={first}&unknown=1"
    names = sorted(aliases)
    yield "&".join(f"{name}={values_for(name)[0]}" for name in names)
    yield "&".join(f"{name}={values_for(name)[2]}" for name in names)


@asynccontextmanager
async def served(database_url: str, lean: bool) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(database_url))
    app.include_router(probe)
    app.state.lean_operations.clear()
    if lean:
        app.state.lean_operations.update(lean_operations(app))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        # one request id for every request, so that error bodies (which carry it) compare equal
        ids = {"X-Request-ID": "differential-test"}
        async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=ids) as client:
            yield client


CHANGING = {"/metrics"}
"""Operations whose body changes from one request to the next (counters): status and headers compared."""


def answer(response: httpx.Response) -> tuple[int, bytes, list[tuple[str, str]]]:
    if response.url.path in CHANGING and response.status_code == 200:
        return response.status_code, b"", [("content-type", response.headers["content-type"])]
    headers = [
        (name.lower(), value) for name, value in response.headers.multi_items() if name.lower() != "x-request-id"
    ]
    return response.status_code, response.content, sorted(headers)


@pytest.fixture
async def clients(database_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient, FastAPI]]:
    async with served(database_url, lean=True) as lean, served(database_url, lean=False) as plain:
        category = await add_category(plain)
        for number in range(3):
            await add_product(plain, category["id"], name=f"Steel Hammer {number}", sku=f"HAM-{number}")
            await add_book(plain, title=f"The Golden Road {number}", published_year=2000 + number)
        app = lean._transport.app  # type: ignore[attr-defined]
        yield lean, plain, app


def test_plan_takes_the_list_operations_and_leaves_the_rest() -> None:
    app = create_app()
    app.include_router(probe)
    operations = lean_operations(app)
    lean = {("GET", "/bookstore/books"), ("GET", "/inventory/products"), ("POST", "/corpus/search")}
    lean |= {("GET", "/cookbook/recipes/search"), ("GET", "/cookbook/recipes")}
    assert lean | {("GET", "/probe/kinds"), ("POST", "/probe/body")} <= set(operations)
    assert operations["GET", "/probe/kinds"].aliases == {"n", "tag-name", "flag", "ratio"}
    assert operations["GET", "/probe/kinds"].sequences == {"tag-name"}
    assert operations["POST", "/corpus/search"].aliases == {"page_size", "cursor"}
    # path parameters, answers FastAPI serialises (a model, a dict), a POST answering a model: never lean
    never = {("GET", "/bookstore/books/{book_id}"), ("GET", "/health"), ("GET", "/corpus/paragraphs")}
    assert not never & set(operations)
    assert not {("POST", "/bookstore/books"), ("GET", "/probe/kinds/{n}")} & set(operations)


async def test_every_request_answers_as_fastapi_does(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient, FastAPI], monkeypatch: pytest.MonkeyPatch
) -> None:
    lean, plain, app = clients
    served_lean = 0
    parse = lean_path._query_values

    def counted(operation: lean_path.Operation, query_string: bytes) -> dict[str, Any] | None:
        nonlocal served_lean
        values = parse(operation, query_string)
        served_lean += values is not None
        return values

    monkeypatch.setattr(lean_path, "_query_values", counted)
    operations: dict[tuple[str, str], lean_path.Operation] = app.state.lean_operations
    sent = 0
    for (method, path), operation in operations.items():
        for query in queries(operation.aliases):
            url = f"{path}?{query}" if query else path
            if method == "GET":
                tries = [("GET", b"", {}), ("HEAD", b"", {}), ("GET", b"", {"Authorization": "Bearer not-a-key"})]
            else:
                tries = [(method, *BODIES[0])] if query else [(method, *body) for body in BODIES]
            for verb, content, headers in tries:
                before = served_lean
                mine = await lean.request(verb, url, content=content, headers=headers)
                fastapi = await plain.request(verb, url, content=content, headers=headers)
                assert answer(mine) == answer(fastapi), (verb, url, content, headers, served_lean > before)
                sent += 1
    for url in ("/probe/kinds/7", "/bookstore/books/", "/inventory/products/1"):
        assert answer(await lean.get(url)) == answer(await plain.get(url)), url
    assert sent > 500
    # the lean path did serve: every valid request of the shipped list operations and the probe
    assert served_lean > 100


async def test_errors_raised_in_the_handler_keep_their_answer(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient, FastAPI],
) -> None:
    lean, plain, _ = clients
    for url, status in (
        ("/bookstore/books?author=Nobody%20Known", None),
        ("/bookstore/books?cursor=bm90IGpzb24", 400),
        ("/inventory/products?q=%20a%20", 422),
        ("/bookstore/books?page_size=1", 200),
    ):
        mine, fastapi = await lean.get(url), await plain.get(url)
        assert answer(mine) == answer(fastapi), url
        assert mine.headers["x-request-id"]
        if status is not None:
            assert mine.status_code == status, mine.text


async def test_a_streamed_body_over_the_limit_is_413_on_both(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient, FastAPI],
) -> None:
    lean, plain, app = clients
    limit: int = app.state.settings.max_body_bytes
    chunk = b" " * 65536

    async def body() -> AsyncIterator[bytes]:  # no Content-Length: the limit is found while reading
        yield b'{"words": ["zyzzyva"], "pad": "'
        for _ in range(limit // len(chunk) + 2):
            yield chunk
        yield b'"}'

    headers = {"Content-Type": "application/json"}
    mine = await lean.post("/corpus/search", content=body(), headers=headers)
    fastapi = await plain.post("/corpus/search", content=body(), headers=headers)
    assert mine.status_code == 413, mine.text
    assert answer(mine) == answer(fastapi)
