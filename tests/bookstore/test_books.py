"""The bookstore books API: create, read, update, delete, search and keyset pagination."""

from typing import Any

import asyncpg
import httpx
import pytest

from tests.bookstore.helpers import add_book
from tests.conftest import assert_error
from tests.pages import next_url, walk


async def test_create_book_creates_author_and_categories(client: httpx.AsyncClient) -> None:
    book = await add_book(
        client,
        title="The Left Hand of Darkness",
        author="Ursula K. Le Guin",
        categories=["Science Fiction", "Classics"],
        published_year=1969,
        isbn="978-0-441-47812-5",
        price="9.99",
    )
    assert book["title"] == "The Left Hand of Darkness"
    assert book["author"] == "Ursula K. Le Guin"
    assert book["published_year"] == 1969
    assert book["isbn"] == "9780441478125"
    assert book["price"] == 9.99
    assert book["categories"] == ["Classics", "Science Fiction"]

    fetched = await client.get(f"/bookstore/books/{book['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == book

    author = await client.get(f"/bookstore/authors/{book['author_id']}")
    assert author.json() == {"id": book["author_id"], "name": "Ursula K. Le Guin", "book_count": 1}


async def test_names_differing_only_in_case_are_one_row(client: httpx.AsyncClient) -> None:
    first = await add_book(client, author="Mary Shelley", categories=["Horror"])
    second = await add_book(client, author="MARY SHELLEY", categories=["horror", "HORROR", "Gothic"])
    assert first["author_id"] == second["author_id"]
    assert second["author"] == "Mary Shelley"
    assert second["categories"] == ["Gothic", "Horror"]
    authors = (await client.get("/bookstore/authors")).json()
    assert [a["name"] for a in authors] == ["Mary Shelley"]
    categories = (await client.get("/bookstore/categories")).json()
    assert [c["name"] for c in categories] == ["Gothic", "Horror"]


async def test_get_missing_book_is_404(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/bookstore/books/999999"), 404, "book 999999")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"title": "", "author": "A", "published_year": 2000}, ["title"]),
        ({"title": "x" * 501, "author": "A", "published_year": 2000}, ["title", "500"]),
        ({"title": "T", "author": "A", "published_year": 2000, "price": -1}, ["price"]),
        ({"title": "T", "author": "A", "published_year": 2000, "isbn": "12345"}, ["isbn"]),
        ({"title": "T", "author": "A", "published_year": 2000, "isbn": "9780441478126"}, ["check digit"]),
        ({"title": "T", "author": "A", "published_year": 3000}, ["published_year"]),
        ({"title": "T", "published_year": 2000}, ["author", "required"]),
        ({"title": "T", "author": "", "published_year": 2000}, ["author"]),
        ({"title": "T", "author": "A", "published_year": 2000, "categories": [""]}, ["categories"]),
        ({"title": "T", "author": "A", "published_year": 2000, "colour": "red"}, ["colour"]),
    ],
)
async def test_bad_book_is_422_naming_the_field(
    client: httpx.AsyncClient, body: dict[str, Any], words: list[str]
) -> None:
    assert_error(await client.post("/bookstore/books", json=body), 422, *words)
    assert (await client.get("/bookstore/books")).json() == []


async def test_malformed_json_is_400_naming_line_and_column(client: httpx.AsyncClient) -> None:
    response = await client.post("/bookstore/books", content=b"{not json", headers={"content-type": "application/json"})
    assert_error(response, 400, "json", "line 1, column 2")


async def test_duplicate_isbn_is_409_and_nothing_half_written(client: httpx.AsyncClient) -> None:
    await add_book(client, isbn="9780441478125", author="First Author")
    response = await client.post(
        "/bookstore/books",
        json={
            "title": "Copy",
            "author": "Brand New Author",
            "categories": ["Brand New Category"],
            "published_year": 2001,
            "isbn": "9780441478125",
        },
    )
    assert_error(response, 409, "isbn", "9780441478125")
    # The author and category the failed request created were rolled back with it.
    authors = (await client.get("/bookstore/authors", params={"name": "brand"})).json()
    assert authors == []
    assert [c["name"] for c in (await client.get("/bookstore/categories")).json()] == []


async def test_patch_changes_only_given_fields(client: httpx.AsyncClient) -> None:
    book = await add_book(client, title="Draft", isbn="9780441478125", price="5.00", categories=["A", "B"])
    response = await client.patch(f"/bookstore/books/{book['id']}", json={"title": "Final", "price": None})
    assert response.status_code == 200, response.text
    patched = response.json()
    assert patched["title"] == "Final"
    assert patched["price"] is None
    assert patched["isbn"] == "9780441478125"
    assert patched["categories"] == ["A", "B"]
    assert patched["author"] == book["author"]


async def test_patch_moves_author_categories_and_year(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    book = await add_book(client, author="Old Author", categories=["Keep", "Drop"], published_year=1990)
    response = await client.patch(
        f"/bookstore/books/{book['id']}",
        json={"author": "New Author", "categories": ["keep", "Added"], "published_year": 2005},
    )
    assert response.status_code == 200, response.text
    patched = response.json()
    assert patched["author"] == "New Author"
    assert patched["categories"] == ["Added", "Keep"]
    assert patched["published_year"] == 2005
    # The category links carry the book's year (for keyset paging by category): it moved too.
    years = await conn.fetch("select published_year from bookstore.book_category where book_id = $1", book["id"])
    assert [r["published_year"] for r in years] == [2005, 2005]
    in_category = (await client.get("/bookstore/books", params={"category": "keep"})).json()
    assert [b["published_year"] for b in in_category] == [2005]


async def test_patch_rejects_null_title_and_missing_book(client: httpx.AsyncClient) -> None:
    book = await add_book(client)
    assert_error(await client.patch(f"/bookstore/books/{book['id']}", json={"title": None}), 422, "title", "null")
    assert_error(await client.patch("/bookstore/books/424242", json={"title": "X"}), 404, "book 424242")


async def test_delete_book_removes_its_links(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    book = await add_book(client, categories=["Poetry"])
    response = await client.delete(f"/bookstore/books/{book['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert_error(await client.get(f"/bookstore/books/{book['id']}"), 404)
    assert await conn.fetchval("select count(*) from bookstore.book_category") == 0
    assert_error(await client.delete(f"/bookstore/books/{book['id']}"), 404)


@pytest.mark.parametrize(
    ("url", "status", "word"),
    [
        ("/bookstore/books?page_size=0", 422, "page_size"),
        ("/bookstore/books?page_size=1000", 422, "page_size"),
        ("/bookstore/books?cursor=garbage!", 400, "cursor"),
        ("/bookstore/books?cursor=WyJhIiwiYiJd", 400, "cursor"),
        ("/bookstore/books/abc", 422, "book_id"),
        ("/bookstore/books/0", 422, "book_id"),
        ("/bookstore/books/99999999999999999999999", 422, "book_id"),
        ("/bookstore/books?author_id=x", 422, "author_id"),
        ("/bookstore/books?author=", 422, "author"),
    ],
)
async def test_bad_query_input_is_4xx(client: httpx.AsyncClient, url: str, status: int, word: str) -> None:
    assert_error(await client.get(url), status, word)


@pytest.fixture
async def shelf(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    """23 books by three authors over a few years, several sharing a year (ties broken by id)."""
    books = []
    for i in range(23):
        books.append(
            await add_book(
                client,
                title=f"{['Silent', 'Golden', 'Broken'][i % 3]} river volume {i}",
                author=["Ann Apple", "Bob Birch", "Cy Cedar"][i % 3],
                categories=[["Fiction"], ["History", "Fiction"], ["Poetry"]][i % 3],
                published_year=1990 + i % 5,
            )
        )
    return books


def newest_first(books: list[dict[str, Any]]) -> list[int]:
    return [b["id"] for b in sorted(books, key=lambda b: (b["published_year"], b["id"]), reverse=True)]


async def test_list_walks_every_book_once_newest_first(client: httpx.AsyncClient, shelf: list[dict[str, Any]]) -> None:
    items, pages = await walk(client, "/bookstore/books?page_size=5")
    assert pages == 5
    assert [b["id"] for b in items] == newest_first(shelf)


async def test_last_page_has_no_next_link(client: httpx.AsyncClient, shelf: list[dict[str, Any]]) -> None:
    response = await client.get("/bookstore/books", params={"page_size": 23})
    assert len(response.json()) == 23
    assert next_url(response) is None
    response = await client.get("/bookstore/books", params={"page_size": 22})
    assert next_url(response) is not None


async def test_filter_by_author_name_any_case(client: httpx.AsyncClient, shelf: list[dict[str, Any]]) -> None:
    items, _ = await walk(client, "/bookstore/books?author=bob%20BIRCH&page_size=3")
    expected = [b for b in shelf if b["author"] == "Bob Birch"]
    assert [b["id"] for b in items] == newest_first(expected)


async def test_filter_by_author_id(client: httpx.AsyncClient, shelf: list[dict[str, Any]]) -> None:
    author_id = shelf[0]["author_id"]
    items, _ = await walk(client, f"/bookstore/books?author_id={author_id}&page_size=4")
    assert [b["id"] for b in items] == newest_first([b for b in shelf if b["author_id"] == author_id])


async def test_filter_by_category_walks_pages(client: httpx.AsyncClient, shelf: list[dict[str, Any]]) -> None:
    items, pages = await walk(client, "/bookstore/books?category=fiction&page_size=4")
    expected = [b for b in shelf if "Fiction" in b["categories"]]
    assert pages == 4
    assert [b["id"] for b in items] == newest_first(expected)
    by_id = await client.get("/bookstore/books", params={"category_id": 0 + 1, "page_size": 100})
    assert by_id.status_code == 200


async def test_filters_combine_with_and(client: httpx.AsyncClient, shelf: list[dict[str, Any]]) -> None:
    response = await client.get(
        "/bookstore/books", params={"author": "Bob Birch", "category": "History", "q": "GOLDEN river"}
    )
    expected = [b for b in shelf if b["author"] == "Bob Birch" and "golden" in b["title"].lower()]
    assert [b["id"] for b in response.json()] == newest_first(expected)
    assert expected


async def test_title_words_match_whole_words_only(client: httpx.AsyncClient, shelf: list[dict[str, Any]]) -> None:
    assert (await client.get("/bookstore/books", params={"q": "rive"})).json() == []
    silent = (await client.get("/bookstore/books", params={"q": "silent", "page_size": 100})).json()
    assert len(silent) == 8
    both = (await client.get("/bookstore/books", params={"q": "silent golden"})).json()
    assert both == []


async def test_unknown_names_match_nothing(client: httpx.AsyncClient, shelf: list[dict[str, Any]]) -> None:
    assert (await client.get("/bookstore/books", params={"author": "Nobody"})).json() == []
    assert (await client.get("/bookstore/books", params={"category": "Nothing"})).json() == []
    mismatch = await client.get("/bookstore/books", params={"author": "Ann Apple", "author_id": shelf[1]["author_id"]})
    assert mismatch.json() == []


async def test_cursor_keeps_filters_and_page_size(client: httpx.AsyncClient, shelf: list[dict[str, Any]]) -> None:
    first = await client.get("/bookstore/books", params={"author": "Cy Cedar", "page_size": 2})
    link = next_url(first)
    assert link is not None and "author=Cy+Cedar" in link and "page_size=2" in link
    second = await client.get(link)
    assert all(b["author"] == "Cy Cedar" for b in second.json())
    assert len(second.json()) == 2
    assert {b["id"] for b in first.json()}.isdisjoint({b["id"] for b in second.json()})


async def test_book_added_between_pages_causes_no_duplicate(
    client: httpx.AsyncClient, shelf: list[dict[str, Any]]
) -> None:
    first = await client.get("/bookstore/books", params={"page_size": 10})
    await add_book(client, title="Newest", published_year=2020)
    rest, _ = await walk(client, next_url(first) or "")
    seen = [b["id"] for b in first.json()] + [b["id"] for b in rest]
    assert len(seen) == len(set(seen)) == 23


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("post", "/bookstore/books", {"title": "Nul\u0000byte", "author": "A", "published_year": 2000}),
        ("post", "/bookstore/books", {"title": "T", "author": "Nul\u0000", "published_year": 2000}),
        ("get", "/bookstore/books?author=%00", None),
        ("get", "/bookstore/books?q=%00", None),
        ("get", "/bookstore/books?cursor=WzMwMDAwMDAwMDAsMV0", None),  # [30000000000, 1]
        ("get", "/bookstore/books?cursor=Wzk5OTk5OTk5OTk5OTk5OTk5OTk5LDFd", None),  # [99999999999999999999, 1]
        ("get", "/bookstore/authors?name=%00", None),
        ("get", "/bookstore/authors?cursor=WzFd", None),  # [1] where a name is expected
    ],
)
async def test_hostile_input_is_4xx_never_500(
    client: httpx.AsyncClient, method: str, url: str, body: dict[str, Any] | None
) -> None:
    response = await client.request(method, url, json=body)
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["detail"]
