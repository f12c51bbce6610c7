"""Authors and categories: listing by name, prefix search, create, delete rules."""

import httpx

from tests.bookstore.helpers import add_book
from tests.conftest import assert_error
from tests.pages import walk


async def test_authors_list_in_name_order_any_case(client: httpx.AsyncClient) -> None:
    zed = await add_book(client, author="zoe Zed")
    able = await add_book(client, author="Al Able")
    await add_book(client, author="Al Able")
    mid = (await client.post("/bookstore/authors", json={"name": "Mo Mid"})).json()
    authors = (await client.get("/bookstore/authors")).json()
    assert authors == [
        {"id": able["author_id"], "name": "Al Able"},
        {"id": mid["id"], "name": "Mo Mid"},
        {"id": zed["author_id"], "name": "zoe Zed"},
    ]
    detail = (await client.get(f"/bookstore/authors/{able['author_id']}")).json()
    assert detail["book_count"] == 2


async def test_authors_paginate_to_the_end(client: httpx.AsyncClient) -> None:
    names = [f"Author {i:02d}" for i in range(25)]
    for name in reversed(names):
        assert (await client.post("/bookstore/authors", json={"name": name})).status_code == 201
    items, pages = await walk(client, "/bookstore/authors?page_size=7")
    assert pages == 4
    assert [a["name"] for a in items] == names


async def test_author_name_prefix_any_case_and_literal(client: httpx.AsyncClient) -> None:
    for name in ["Anne Brontë", "Anna Karenina Fan", "Bob 100% Real", "Bob_Underscore", "Bobby"]:
        await client.post("/bookstore/authors", json={"name": name})
    assert [a["name"] for a in (await client.get("/bookstore/authors?name=ANN")).json()] == [
        "Anna Karenina Fan",
        "Anne Brontë",
    ]
    # % and _ are plain characters in a prefix, not wildcards.
    assert [a["name"] for a in (await client.get("/bookstore/authors", params={"name": "bob 100%"})).json()] == [
        "Bob 100% Real"
    ]
    assert [a["name"] for a in (await client.get("/bookstore/authors", params={"name": "bob_"})).json()] == [
        "Bob_Underscore"
    ]


async def test_duplicate_author_in_any_case_is_409(client: httpx.AsyncClient) -> None:
    created = await client.post("/bookstore/authors", json={"name": "Toni Morrison"})
    assert created.status_code == 201
    assert created.json() == {"id": created.json()["id"], "name": "Toni Morrison", "book_count": 0}
    assert_error(await client.post("/bookstore/authors", json={"name": "toni morrison"}), 409, "already exists")


async def test_bad_author_input_is_422(client: httpx.AsyncClient) -> None:
    assert_error(await client.post("/bookstore/authors", json={"name": "   "}), 422, "name")
    assert_error(await client.post("/bookstore/authors", json={"name": "x" * 201}), 422, "name")
    assert_error(await client.get("/bookstore/authors/abc"), 422, "author_id")
    assert_error(await client.get("/bookstore/authors/77"), 404, "author 77")


async def test_delete_author_refused_while_they_have_books(client: httpx.AsyncClient) -> None:
    book = await add_book(client, author="Busy Writer")
    assert_error(await client.delete(f"/bookstore/authors/{book['author_id']}"), 409, "still")
    assert (await client.get(f"/bookstore/authors/{book['author_id']}")).status_code == 200
    assert (await client.delete(f"/bookstore/books/{book['id']}")).status_code == 204
    assert (await client.delete(f"/bookstore/authors/{book['author_id']}")).status_code == 204
    assert_error(await client.get(f"/bookstore/authors/{book['author_id']}"), 404)
    assert_error(await client.delete(f"/bookstore/authors/{book['author_id']}"), 404)


async def test_categories_create_list_and_conflict(client: httpx.AsyncClient) -> None:
    for name in ["Travel", "art", "Music"]:
        response = await client.post("/bookstore/categories", json={"name": name})
        assert response.status_code == 201
        assert response.json()["name"] == name
    assert_error(await client.post("/bookstore/categories", json={"name": "TRAVEL"}), 409, "already exists")
    assert_error(await client.post("/bookstore/categories", json={"name": ""}), 422, "name")
    items, pages = await walk(client, "/bookstore/categories?page_size=2")
    assert pages == 2
    assert [c["name"] for c in items] == ["art", "Music", "Travel"]
