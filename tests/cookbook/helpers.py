"""Helpers for cookbook API tests."""

from typing import Any

import httpx
from fastapi import FastAPI

from tests.pages import next_url, walk

__all__ = ["add_category", "add_ingredient", "add_recipe", "next_url", "views_written", "walk", "walk_wrapped"]


async def add_category(client: httpx.AsyncClient, name: str) -> int:
    response = await client.post("/cookbook/categories", json={"name": name})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def add_ingredient(client: httpx.AsyncClient, name: str) -> int:
    response = await client.post("/cookbook/ingredients", json={"name": name})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def add_recipe(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post("/cookbook/recipes", json={"title": "Untitled", **fields})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def walk_wrapped(client: httpx.AsyncClient, url: str, params: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """Follow next_cursor to the end of a wrapped {"recipes": [...], "next_cursor": ...} list."""
    items: list[dict[str, Any]] = []
    pages = 0
    cursor = None
    while True:
        response = await client.get(url, params={**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["recipes"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return items, pages
        assert pages < 1000, "pagination does not end"


async def views_written(app: FastAPI) -> None:
    """Wait until every queued recipe view has been written."""
    await app.state.cookbook_views.drained()
