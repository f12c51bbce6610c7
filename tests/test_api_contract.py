"""One API for clients: the same mistake gets the same answer in every domain, named things have the
same routes everywhere, and the OpenAPI document says what each operation can answer."""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.seeding import seed_modules
from tests.conftest import assert_error, make_settings


@pytest.fixture
async def demo(app: FastAPI, database_url: str) -> None:
    """Every domain's demo data."""
    pool = app.state.pool
    async with pool.acquire() as conn:
        for module in seed_modules(make_settings(database_url)).values():
            await module.load_demo(conn)


UNKNOWN_QUERY = [
    ("/bookstore/books", {"sort": "title"}, "sort"),
    ("/bookstore/books", {"author": "Mary Shelley", "min_price": "10"}, "min_price"),
    ("/bookstore/authors/1", {"expand": "books"}, "expand"),
    ("/cookbook/recipes/search", {"ingredient_id": "1", "limit": "5"}, "limit"),
    ("/cookbook/ingredients", {"prefix": "sa"}, "prefix"),
    ("/corpus/paragraphs", {"offset": "20"}, "offset"),
    ("/inventory/products", {"category": "1"}, "category"),
    ("/inventory/health", {"verbose": "1"}, "verbose"),
    ("/health", {"verbose": "1"}, "verbose"),
]


@pytest.mark.parametrize(("path", "params", "unknown"), UNKNOWN_QUERY)
async def test_an_unknown_query_parameter_is_a_422_naming_it(
    client: httpx.AsyncClient, demo: None, path: str, params: dict[str, str], unknown: str
) -> None:
    response = await client.get(path, params=params)
    assert_error(response, 422, unknown, "unknown query parameter")
    assert "constraint" not in response.json()


async def test_an_unknown_query_parameter_on_a_write_is_refused_before_anything_is_written(
    client: httpx.AsyncClient, demo: None
) -> None:
    response = await client.post("/bookstore/authors", params={"dry_run": "1"}, json={"name": "Nobody Yet"})
    assert_error(response, 422, "dry_run")
    assert (await client.get("/bookstore/authors", params={"name": "Nobody Yet"})).json() == []


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/bookstore/books", {"author": "Mary Shelley", "page_size": "2"}),
        ("/cookbook/recipes/search", {"ingredient_id": ["1", "2"]}),
        ("/inventory/products", {"q": "hammer", "low_stock": "false"}),
        ("/corpus/paragraphs", {"page_size": "3"}),
    ],
)
async def test_declared_query_parameters_still_work(
    client: httpx.AsyncClient, demo: None, path: str, params: dict[str, Any]
) -> None:
    assert (await client.get(path, params=params)).status_code == 200


MALFORMED_IDS = [
    ("/bookstore/books/abc", "book_id"),
    ("/bookstore/authors/1.5", "author_id"),
    ("/bookstore/categories/abc", "category_id"),
    ("/cookbook/recipes/abc", "recipe_id"),
    ("/cookbook/recipes/0", "recipe_id"),
    ("/cookbook/ingredients/abc", "ingredient_id"),
    ("/cookbook/categories/-1", "category_id"),
    ("/corpus/paragraphs/abc", "paragraph_id"),
    ("/inventory/products/9223372036854775808", "product_id"),
    ("/inventory/categories/abc", "category_id"),
]


@pytest.mark.parametrize(("path", "field"), MALFORMED_IDS)
async def test_a_malformed_id_is_a_422_naming_the_field_in_every_domain(
    client: httpx.AsyncClient, path: str, field: str
) -> None:
    assert_error(await client.get(path), 422, field)


MISSING_ROWS = [
    "/bookstore/books/999999",
    "/bookstore/authors/999999",
    "/bookstore/categories/999999",
    "/cookbook/recipes/999999",
    "/cookbook/ingredients/999999",
    "/cookbook/categories/999999",
    "/corpus/paragraphs/999999",
    "/inventory/products/999999",
    "/inventory/categories/999999",
]


@pytest.mark.parametrize("path", MISSING_ROWS)
async def test_a_missing_row_is_a_404_naming_it_in_every_domain(client: httpx.AsyncClient, path: str) -> None:
    assert_error(await client.get(path), 404, "999999", "does not exist")


TAKEN_NAMES = [
    ("/bookstore/authors", "author", "MARY SHELLEY"),
    ("/bookstore/categories", "category", "SCIENCE FICTION"),
    ("/cookbook/ingredients", "ingredient", "EGGS"),
    ("/cookbook/categories", "category", "DESSERT"),
    ("/inventory/categories", "category", "PAINT & FINISHES"),
]


@pytest.mark.parametrize(("path", "noun", "name"), TAKEN_NAMES)
async def test_a_name_taken_in_any_case_is_a_409_sentence_naming_its_constraint(
    client: httpx.AsyncClient, demo: None, path: str, noun: str, name: str
) -> None:
    response = await client.post(path, json={"name": name})
    assert_error(response, 409, noun, "already exists", "any case")
    body = response.json()
    assert "name_key" not in body["detail"] and "=" not in body["detail"], body
    assert body["constraint"].endswith("name_key_unique"), body


async def test_every_conflict_names_its_constraint(client: httpx.AsyncClient, demo: None) -> None:
    product = (await client.get("/inventory/products", params={"page_size": 1})).json()[0]
    conflicts = [
        await client.post(f"/inventory/products/{product['id']}/stock", json={"delta": -(10**9), "reason": "sale"}),
        await client.post(
            "/inventory/products",
            json={key: product[key] for key in ("name", "price", "category_id")} | {"sku": product["sku"].lower()},
        ),
        await client.delete(f"/inventory/categories/{product['category_id']}"),
        await client.delete("/bookstore/categories/1"),
        await client.delete("/cookbook/ingredients/1"),
    ]
    for response in conflicts:
        assert response.status_code == 409, response.text
        assert response.json().get("constraint"), response.text
        assert "_key" not in response.json()["detail"], response.text


async def test_named_things_have_the_same_routes_everywhere(client: httpx.AsyncClient, demo: None) -> None:
    for prefix in ("/bookstore/categories", "/cookbook/ingredients", "/cookbook/categories", "/bookstore/authors"):
        created = await client.post(prefix, json={"name": "Zz Unused Name"})
        assert created.status_code == 201, created.text
        item = created.json()
        got = await client.get(f"{prefix}/{item['id']}")
        assert got.status_code == 200 and got.json()["name"] == "Zz Unused Name", got.text
        assert (await client.delete(f"{prefix}/{item['id']}")).status_code == 204
        assert_error(await client.get(f"{prefix}/{item['id']}"), 404, str(item["id"]))
        assert_error(await client.delete(f"{prefix}/{item['id']}"), 404, str(item["id"]))


async def test_a_bookstore_category_in_use_is_not_removed(client: httpx.AsyncClient, demo: None) -> None:
    book = (await client.get("/bookstore/books", params={"page_size": 1})).json()[0]
    category = (await client.get("/bookstore/categories", params={"page_size": 100})).json()
    used = next(c for c in category if c["name"] == book["categories"][0])
    assert_error(await client.delete(f"/bookstore/categories/{used['id']}"), 409, "still has books")
    assert (await client.get(f"/bookstore/categories/{used['id']}")).status_code == 200


async def test_a_bad_cursor_says_to_pass_back_the_lists_own_cursor(client: httpx.AsyncClient) -> None:
    for path in ("/bookstore/books", "/cookbook/recipes/search", "/corpus/paragraphs"):
        response = await client.get(path, params={"cursor": "!!"})
        assert_error(response, 400, "cursor")
        assert "Link header" not in response.json()["detail"]


def operations(app: FastAPI) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, methods in app.openapi()["paths"].items()
        for method, operation in methods.items()
    ]


def test_operation_ids_name_the_domain_and_the_handler(app: FastAPI) -> None:
    ids = {operation["operationId"]: path for _, path, operation in operations(app)}
    assert len(ids) == len(operations(app))
    assert {"bookstore_list_books", "cookbook_get_recipe", "inventory_change_stock", "corpus_search"} <= set(ids)
    for operation_id, path in ids.items():
        first = path.split("/")[1]
        core = "access" if first == "audit" else "health"  # the core's routes: access control (issue #18), health
        assert operation_id.startswith(first if first in {"bookstore", "cookbook", "corpus", "inventory"} else core)


def test_every_paged_list_declares_its_link_header(app: FastAPI) -> None:
    paged = 0
    for method, path, operation in operations(app):
        schema = operation["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
        takes_cursor = any(p["name"] == "cursor" for p in operation.get("parameters", []))
        if takes_cursor and schema.get("type") == "array":
            assert "Link" in operation["responses"]["200"].get("headers", {}), (method, path)
            paged += 1
        else:
            assert "headers" not in operation["responses"].get("200", {}), (method, path)
    assert paged >= 10


def test_each_operation_declares_only_the_errors_it_can_answer(app: FastAPI) -> None:
    declared = {(method, path): set(operation["responses"]) for method, path, operation in operations(app)}
    assert declared[("get", "/health")] == {"200", "422"}
    # 401 and 403 on every guarded operation (access control, issue #18)
    assert declared[("get", "/bookstore/books/{book_id}")] == {"200", "401", "403", "404", "422", "503"}
    assert declared[("post", "/inventory/products/{product_id}/stock")] >= {"409", "404", "413"}
    assert "409" not in declared[("get", "/bookstore/books")]
    for (method, path), statuses in declared.items():
        if not path.startswith("/corpus/fetch"):
            assert not {"502", "504"} & statuses, (method, path)
        if "{" not in path:
            assert "404" not in statuses, (method, path)


def test_summaries_are_grammatical(app: FastAPI) -> None:
    for method, path, operation in operations(app):
        summary = operation["summary"]
        assert not any(f" a {vowel}" in summary for vowel in "aeiou"), (method, path, summary)
