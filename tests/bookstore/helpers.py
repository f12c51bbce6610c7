"""Helpers for bookstore API tests."""

from typing import Any

import httpx


async def add_book(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"title": "Untitled", "author": "Anon Author", "published_year": 2000, **fields}
    response = await client.post("/bookstore/books", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
