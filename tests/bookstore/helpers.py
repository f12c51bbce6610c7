"""Helpers for bookstore API tests."""

import re
from typing import Any

import httpx

NEXT_LINK = re.compile(r'<([^>]+)>;\s*rel="next"')


def next_url(response: httpx.Response) -> str | None:
    match = NEXT_LINK.search(response.headers.get("link", ""))
    return match.group(1) if match else None


async def walk(client: httpx.AsyncClient, url: str) -> tuple[list[dict[str, Any]], int]:
    """Follow Link rel=next to the end; returns every item and the number of pages."""
    items: list[dict[str, Any]] = []
    pages = 0
    next_page: str | None = url
    while next_page:
        response = await client.get(next_page)
        assert response.status_code == 200, response.text
        items.extend(response.json())
        pages += 1
        next_page = next_url(response)
        assert pages < 1000, "pagination does not end"
    return items, pages


async def add_book(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"title": "Untitled", "author": "Anon Author", "published_year": 2000, **fields}
    response = await client.post("/bookstore/books", json=body)
    assert response.status_code == 201, response.text
    return response.json()
