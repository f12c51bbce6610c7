"""GET /bookstore/books by author or category name answers exactly as the same search by the ids the names
stand for: names in any case and with surrounding whitespace, unknown names, a name with its own id or
another row's, alone (the page's statement resolves the name) and beside title words or the other entity
(names resolved first), walked page by page."""

from typing import Any
from urllib.parse import quote

import httpx

from tests.bookstore.helpers import add_book
from tests.pages import typed, walk

BOOKS: list[dict[str, Any]] = [
    {"title": "River of Salt", "author": "Ada Ng", "categories": ["Poetry", "Zines"], "published_year": 2001},
    {"title": "Golden River", "author": "Ada Ng", "categories": ["Poetry"], "published_year": 2001},
    {"title": "Salt Roads", "author": "Ada Ng", "published_year": 1999},
    {"title": "River Deep", "author": "Ada Ng", "categories": ["Zines"], "published_year": 1970},
    {"title": "Books about Books", "author": "Bo Ek", "categories": ["Poetry"], "published_year": 2020},
    {"title": "Last River", "author": "Bo Ek", "categories": ["Poetry", "Zines"], "published_year": 2020},
    {"title": "Quiet Salt", "author": "Bo Ek", "categories": ["Reference"], "published_year": 1850},
]

NONE = 999_999
"""An id no author or category has."""


async def everything(client: httpx.AsyncClient, query: str) -> list[dict[str, Any]]:
    """Every book a search answers, over pages of 2 (so the cursor carries the filters)."""
    items, _ = await walk(client, f"/bookstore/books?{query}&page_size=2", 2)
    return items


async def test_a_name_answers_as_its_id(client: httpx.AsyncClient) -> None:
    made = [await add_book(client, **book) for book in BOOKS]
    ada, bo = made[0]["author_id"], made[4]["author_id"]
    categories = {c["name"]: c["id"] for c in (await client.get("/bookstore/categories?page_size=100")).json()}
    poetry, zines = categories["Poetry"], categories["Zines"]
    padded = quote("  ada NG \t")
    searches: list[tuple[str, str, int]] = [
        # a name alone, with its own id, with another row's id
        ("author=ADA%20NG", f"author_id={ada}", 4),
        (f"author={padded}", f"author_id={ada}", 4),
        ("author=Nobody", f"author_id={NONE}", 0),
        (f"author=Bo%20Ek&author_id={bo}", f"author_id={bo}", 3),
        (f"author=Bo%20Ek&author_id={ada}", f"author_id={NONE}", 0),
        (f"author=Ada%20Ng&author_id={NONE}", f"author_id={NONE}", 0),
        ("category=poetry", f"category_id={poetry}", 4),
        (f"category={quote(' ZINES ')}", f"category_id={zines}", 3),
        ("category=Nothing", f"category_id={NONE}", 0),
        (f"category=Zines&category_id={zines}", f"category_id={zines}", 3),
        (f"category=Zines&category_id={poetry}", f"category_id={NONE}", 0),
        # beside title words or the other entity
        ("author=ada%20ng&q=river", f"author_id={ada}&q=river", 3),
        ("author=Nobody&q=river", f"author_id={NONE}&q=river", 0),
        ("category=POETRY&q=river", f"category_id={poetry}&q=river", 3),
        ("author=Ada%20Ng&category=Zines", f"author_id={ada}&category_id={zines}", 2),
        (f"author=Ada%20Ng&category_id={zines}", f"author_id={ada}&category_id={zines}", 2),
        (f"author_id={bo}&category=poetry", f"author_id={bo}&category_id={poetry}", 2),
        (f"author=Bo%20Ek&author_id={ada}&category=Poetry", f"author_id={NONE}&category_id={poetry}", 0),
        (f"author=Ada%20Ng&category=Zines&category_id={poetry}", f"author_id={ada}&category_id={NONE}", 0),
        ("author=Bo%20Ek&category=Poetry&q=books", f"author_id={bo}&category_id={poetry}&q=books", 1),
    ]
    for by_name, by_id, count in searches:
        named, numbered = await everything(client, by_name), await everything(client, by_id)
        assert typed(named) == typed(numbered), (by_name, by_id)
        assert len(named) == count, (by_name, [b["title"] for b in named])
