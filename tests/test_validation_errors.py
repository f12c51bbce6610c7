"""Every refused input names its field and the reason (issue #16, kind 6), over every operation of the
OpenAPI document: NUL characters in query, path and body; integers and numbers beyond the database's
range; malformed JSON (400 with line and column); a body of another media type (415)."""

import json
import re
from typing import Any

import httpx
import pytest

from tests.conftest import assert_error
from tests.inventory.helpers import add_category, add_product

BIG_INTEGERS = (2**63, -(2**63) - 1, 2**64 + 7, 10**30)
BIG_NUMBERS = ("1e30", "123456789012345678901234567890.5", "-1e300")


async def operations(client: httpx.AsyncClient) -> list[tuple[str, str, dict[str, Any]]]:
    document: dict[str, Any] = (await client.get("/openapi.json")).json()
    return [(method.upper(), path, op) for path, ops in document["paths"].items() for method, op in ops.items()]


async def schema_of(client: httpx.AsyncClient, ref_or_schema: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = (await client.get("/openapi.json")).json()
    schema = ref_or_schema
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def types_of(schema: dict[str, Any]) -> set[str]:
    found = {schema["type"]} if "type" in schema else set()
    for option in schema.get("anyOf", ()):
        found |= types_of(option)
    return found


def filled(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


async def body_properties(client: httpx.AsyncClient, op: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The top-level properties of an operation's JSON body, each with its resolved schema."""
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return {}
    schema = await schema_of(client, content["schema"])
    return {name: await schema_of(client, prop) for name, prop in schema.get("properties", {}).items()}


def assert_names(response: httpx.Response, field: str, *reason: str) -> None:
    assert_error(response, 422, field, *reason)
    listed = response.json()["errors"]
    assert any(field in [str(part) for part in issue["loc"]] for issue in listed), listed


async def test_nul_in_any_text_query_parameter_is_a_422_naming_it(client: httpx.AsyncClient) -> None:
    checked = 0
    for method, path, op in await operations(client):
        for param in op.get("parameters", []):
            if param["in"] == "query" and "string" in types_of(param["schema"]):
                for value in ("a\x00b", "\x00", "Shelley\x00; drop"):
                    answer = await client.request(method, filled(path), params={param["name"]: value})
                    assert_names(answer, param["name"], "NUL")
                checked += 1
    assert checked >= 5


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/bookstore/books/1%00", "book_id"),
        ("/inventory/products/%00", "product_id"),
        ("/corpus/paragraphs/7%00", "paragraph_id"),
    ],
)
async def test_nul_in_a_path_parameter_is_a_422_naming_it(client: httpx.AsyncClient, path: str, field: str) -> None:
    answer = await client.get(path)
    assert answer.status_code == 422, answer.text
    assert field in answer.json()["detail"], answer.text


async def test_nul_in_any_text_body_field_is_a_422_naming_it(client: httpx.AsyncClient) -> None:
    checked = 0
    for method, path, op in await operations(client):
        for name, schema in (await body_properties(client, op)).items():
            if "string" in types_of(schema):
                answer = await client.request(method, filled(path), json={name: "left\x00right"})
                assert_names(answer, name, "NUL")
                checked += 1
    assert checked >= 10
    # Nested: a list item and an object inside a list.
    nested = await client.post("/bookstore/books", json={"title": "T", "author": "A", "categories": ["ok", "x\x00"]})
    assert_names(nested, "categories", "NUL")
    inner = await client.post(
        "/cookbook/recipes", json={"title": "T", "category_id": 1, "ingredients": [{"name": "\x00"}]}
    )
    assert_names(inner, "name", "NUL")
    assert "ingredients.0.name" in inner.json()["detail"]


async def test_integers_beyond_the_database_range_are_a_422_naming_the_field(client: httpx.AsyncClient) -> None:
    checked = 0
    for method, path, op in await operations(client):
        for param in op.get("parameters", []):
            if "integer" in types_of(param["schema"]):
                # A negative path segment may match no route at all (an `int` path convertor): 404, not a field.
                for value in BIG_INTEGERS if param["in"] == "query" else [v for v in BIG_INTEGERS if v > 0]:
                    if param["in"] == "query":
                        answer = await client.request(method, filled(path), params={param["name"]: str(value)})
                    else:
                        answer = await client.request(
                            method, filled(path.replace("{" + param["name"] + "}", str(value)))
                        )
                    assert answer.status_code == 422, (method, path, param["name"], value, answer.text)
                    assert_names(answer, param["name"])
                    checked += 1
        for name, schema in (await body_properties(client, op)).items():
            if "integer" in types_of(schema):
                for value in BIG_INTEGERS:
                    assert_names(await client.request(method, filled(path), json={name: value}), name, "than")
                    checked += 1
    assert checked >= 40


async def test_numbers_beyond_the_column_are_a_422_naming_the_field(client: httpx.AsyncClient) -> None:
    checked = 0
    for method, path, op in await operations(client):
        for name, schema in (await body_properties(client, op)).items():
            if types_of(schema) & {"number"}:
                for value in BIG_NUMBERS:
                    body = f'{{"{name}": {value}}}'.encode()
                    answer = await client.request(
                        method, filled(path), content=body, headers={"content-type": "application/json"}
                    )
                    assert_names(answer, name)
                    checked += 1
    assert checked >= 3


@pytest.mark.parametrize(
    ("body", "line", "column"),
    [
        ('{"title": "x",,}', 1, 15),
        ('{\n  "title": "x"\n  "author": "y"\n}', 3, 3),
        ('{"title": ', 1, 11),
        ("[1, 2", 1, 6),
        ('{"a": 1} trailing', 1, 10),
        ("{'single': 'quotes'}", 1, 2),
    ],
)
@pytest.mark.parametrize("path", ["/bookstore/books", "/cookbook/recipes", "/inventory/products", "/corpus/search"])
async def test_malformed_json_is_a_400_naming_line_and_column(
    client: httpx.AsyncClient, path: str, body: str, line: int, column: int
) -> None:
    answer = await client.post(path, content=body.encode(), headers={"content-type": "application/json"})
    assert_error(answer, 400, "malformed JSON", f"line {line}, column {column}")


@pytest.mark.parametrize(
    ("body", "content_type", "line", "column", "byte"),
    [
        (b'{"title": "bad \xff\xfe here"}', "application/json", 1, 16, "ff"),
        (b'{"title": "ok",\n "author": "\xc3"}', "application/json", 2, 13, "c3"),  # a character cut short
        (b'{"title": "caf\xe9 latin"}', "application/json; charset=iso-8859-1", 1, 15, "e9"),  # Latin-1 text
        (b'{"title": "\xc0\xaf"}', "application/json", 1, 12, "c0"),  # an overlong encoding of "/"
        (b'{"words": ["caf\xe9"]}', "application/json", 1, 16, "e9"),
    ],
)
@pytest.mark.parametrize("path", ["/bookstore/books", "/cookbook/recipes", "/inventory/products", "/corpus/search"])
async def test_a_body_that_is_not_utf8_is_a_400_naming_line_and_column(
    client: httpx.AsyncClient, path: str, body: bytes, content_type: str, line: int, column: int, byte: str
) -> None:
    answer = await client.post(path, content=body, headers={"content-type": content_type})
    assert_error(answer, 400, "malformed JSON", f"line {line}, column {column}", f"0x{byte}", "UTF-8")


@pytest.mark.parametrize("body", [b"", b"null", b"[]", b'"a string"', b"42", b"[{}]"])
@pytest.mark.parametrize("path", ["/bookstore/books", "/cookbook/recipes", "/inventory/products", "/corpus/search"])
async def test_a_body_that_is_not_an_object_is_a_422_naming_the_request_body(
    client: httpx.AsyncClient, path: str, body: bytes
) -> None:
    answer = await client.post(path, content=body, headers={"content-type": "application/json"})
    assert_error(answer, 422, "request body: ")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('{"title": "a\x01b"}', "Invalid control character"),
        ('{"title": "never closed', "Unterminated string"),
        ('{"title" "x"}', "Expecting ':' delimiter"),
    ],
)
async def test_a_malformed_json_reason_reads_as_a_sentence(client: httpx.AsyncClient, body: str, reason: str) -> None:
    answer = await client.post("/bookstore/books", content=body.encode(), headers={"content-type": "application/json"})
    detail = answer.json()["detail"]
    assert answer.status_code == 400 and detail.endswith(f": {reason}"), detail


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", b"title=x&author=y"),
        ("text/plain", b'{"title": "x"}'),
        ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data; name=title\r\n\r\nx\r\n--x--\r\n"),
        ("application/xml", b"<book/>"),
        (None, b'{"title": "x"}'),
    ],
)
async def test_a_body_of_another_media_type_is_a_415_on_every_operation(
    client: httpx.AsyncClient, content_type: str | None, body: bytes
) -> None:
    checked = 0
    for method, path, op in await operations(client):
        if "requestBody" not in op:
            continue
        headers = {"content-type": content_type} if content_type else {}
        answer = await client.request(method, filled(path), content=body, headers=headers)
        assert_error(answer, 415, "application/json")
        checked += 1
    assert checked >= 8


async def test_json_with_a_charset_or_a_json_suffix_is_still_json(client: httpx.AsyncClient) -> None:
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json", "Application/JSON"):
        answer = await client.post(
            "/bookstore/authors",
            content=json.dumps({"name": f"Ann {content_type}"}).encode(),
            headers={"content-type": content_type},
        )
        assert answer.status_code == 201, (content_type, answer.text)


@pytest.mark.parametrize(
    ("start", "delta"), [(2**31 - 1, 1), (2**31 - 10, 1_000), (2**31 - 1_000_000_000, 1_000_000_000)]
)
async def test_stock_beyond_the_quantity_column_is_a_422_naming_delta(
    client: httpx.AsyncClient, start: int, delta: int
) -> None:
    category = await add_category(client, f"Bins {start}")
    product = await add_product(client, category["id"], quantity=start)
    answer = await client.post(f"/inventory/products/{product['id']}/stock", json={"delta": delta, "reason": "restock"})
    assert_error(answer, 422, "delta", "2,147,483,647")
    unchanged = await client.get(f"/inventory/products/{product['id']}")
    assert unchanged.json()["quantity"] == start
