"""What can I cook (cookable), most viewed first (popular), and exact view counts."""

import asyncio
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from app.main import create_app
from tests.conftest import assert_error, make_settings
from tests.cookbook.helpers import add_category, add_ingredient, add_recipe, views_written, walk_wrapped
from tests.pages import walk
from tests.servers import served_in_thread


@pytest.fixture
async def pantry(client: httpx.AsyncClient) -> dict[str, int]:
    ids = {"Main": await add_category(client, "Main")}
    for name in ["Salt", "Eggs", "Milk", "Flour", "Tomato", "Cheese", "Basil"]:
        ids[name] = await add_ingredient(client, name)
    recipes = {
        "Omelette": ["Eggs", "Salt"],
        "Pancakes": ["Eggs", "Milk", "Flour", "Salt"],
        "Caprese": ["Tomato", "Cheese", "Basil", "Salt"],
        "Cheese Toast": ["Cheese", "Flour"],
    }
    for title, names in recipes.items():
        recipe = await add_recipe(client, title=title, category_id=ids["Main"], ingredients=[ids[n] for n in names])
        ids[title] = recipe["id"]
    return ids


async def cookable(client: httpx.AsyncClient, **params: Any) -> list[tuple[str, list[str]]]:
    response = await client.get("/cookbook/recipes/cookable", params=params)
    assert response.status_code == 200, response.text
    return [(r["title"], [m["name"] for m in r["missing"]]) for r in response.json()["recipes"]]


async def test_cookable_with_what_i_have(client: httpx.AsyncClient, pantry: dict[str, int]) -> None:
    have = [pantry["Eggs"], pantry["Salt"], pantry["Milk"]]
    assert await cookable(client, have=have) == [("Omelette", [])]
    assert await cookable(client, have=have, max_missing=1) == [("Omelette", []), ("Pancakes", ["Flour"])]
    assert await cookable(client, have_names=["EGGS", "salt", "milk", "flour"]) == [
        ("Pancakes", []),
        ("Omelette", []),
    ]
    # Salt alone is in every recipe but makes none of them: nothing with max_missing 0.
    assert await cookable(client, have=[pantry["Salt"]]) == []
    assert await cookable(client, have=[pantry["Salt"]], max_missing=3) == [
        ("Omelette", ["Eggs"]),
        ("Caprese", ["Tomato", "Cheese", "Basil"]),
        ("Pancakes", ["Eggs", "Milk", "Flour"]),
    ]
    assert await cookable(client, have=[999]) == []
    assert await cookable(client, have_names=["Unobtainium"]) == []


async def test_cookable_ranks_by_missing_then_views(
    client: httpx.AsyncClient, pantry: dict[str, int], app: FastAPI
) -> None:
    for _ in range(3):
        await client.get(f"/cookbook/recipes/{pantry['Cheese Toast']}")
    await views_written(app)
    have: dict[str, Any] = {"have": [pantry["Cheese"], pantry["Flour"], pantry["Eggs"]], "max_missing": 2}
    # Caprese misses Tomato, Basil and Salt: one more than allowed.
    assert [t for t, _ in await cookable(client, **have)] == ["Cheese Toast", "Omelette", "Pancakes"]
    have["have"].append(pantry["Salt"])
    items, pages = await walk_wrapped(client, "/cookbook/recipes/cookable", {**have, "page_size": 1})
    # Cheese Toast (3 views) before Omelette (0 views) among those missing nothing; newest first on ties.
    assert [r["title"] for r in items] == ["Cheese Toast", "Omelette", "Pancakes", "Caprese"]
    assert pages == 4 and [r["missing_count"] for r in items] == [0, 0, 1, 2]


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({}, ["have"]),
        ({"have": 1, "max_missing": 4}, ["max_missing"]),
        ({"have": 0}, ["have"]),
        ({"have": 1, "cursor": "AAAA"}, ["cursor"]),
    ],
)
async def test_cookable_refuses_bad_questions(
    client: httpx.AsyncClient, params: dict[str, Any], words: list[str]
) -> None:
    response = await client.get("/cookbook/recipes/cookable", params=params)
    assert response.status_code in (400, 422)
    assert_error(response, response.status_code, *words)


async def test_views_are_counted_and_popular_pages(
    client: httpx.AsyncClient, pantry: dict[str, int], app: FastAPI, conn: asyncpg.Connection
) -> None:
    for title, views in [("Pancakes", 3), ("Caprese", 1), ("Cheese Toast", 3)]:
        for _ in range(views):
            assert (await client.get(f"/cookbook/recipes/{pantry[title]}")).status_code == 200
    await client.get("/cookbook/recipes/999")  # a 404 counts nothing
    await views_written(app)
    assert (await client.get(f"/cookbook/recipes/{pantry['Pancakes']}")).json()["view_count"] == 3
    await views_written(app)
    assert await conn.fetchval("select count(*) from cookbook.recipe_views") == 7 + 1
    items, pages = await walk(client, "/cookbook/recipes/popular?page_size=2")
    assert pages == 2
    assert [(r["title"], r["view_count"]) for r in items] == [
        ("Pancakes", 4),
        ("Cheese Toast", 3),
        ("Caprese", 1),
        ("Omelette", 0),
    ]


@pytest.fixture
def served(database_url: str) -> Iterator[tuple[str, FastAPI]]:
    app = create_app(make_settings(database_url, pool_max_size=10))
    with served_in_thread(app) as url:
        yield url, app


async def test_concurrent_views_are_exact(served: tuple[str, FastAPI], database_url: str) -> None:
    url, app = served
    limits = httpx.Limits(max_connections=100)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as http:
        category = await add_category(http, "Main")
        recipe = await add_recipe(http, title="Hot", category_id=category, ingredients=[])
        other = await add_recipe(http, title="Cold", category_id=category, ingredients=[])
        answers = await asyncio.gather(
            *(http.get(f"/cookbook/recipes/{recipe['id'] if i % 10 else other['id']}") for i in range(550))
        )
        assert [r.status_code for r in answers] == [200] * 550
    for _ in range(200):
        if app.state.cookbook_views.written >= 550:
            break
        await asyncio.sleep(0.05)
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("select recipe_id, view_count from cookbook.recipe_view_counts")
        counts = {row["recipe_id"]: row["view_count"] for row in rows}
        logged = await conn.fetchval("select count(*) from cookbook.recipe_views")
    finally:
        await conn.close()
    assert counts == {recipe["id"]: 495, other["id"]: 55}
    assert logged == 550


async def test_views_never_wait_on_the_counter_lock(served: tuple[str, FastAPI], database_url: str) -> None:
    """While another transaction holds the hot recipe's counter row, every GET still answers; the
    views are written once the lock is released, none lost."""
    url, app = served
    async with httpx.AsyncClient(base_url=url, limits=httpx.Limits(max_connections=50), timeout=60) as http:
        category = await add_category(http, "Main")
        recipe = await add_recipe(http, title="Hot", category_id=category, ingredients=[])
        holder = await asyncpg.connect(database_url)
        try:
            locked = holder.transaction()
            await locked.start()
            await holder.execute(
                "select 1 from cookbook.recipe_view_counts where recipe_id = $1 for update", recipe["id"]
            )
            answers = await asyncio.gather(*(http.get(f"/cookbook/recipes/{recipe['id']}") for _ in range(100)))
            assert [r.status_code for r in answers] == [200] * 100
            # Every GET answered while the row was still locked: none waited for it.
            assert await holder.fetchval("select count(*) from cookbook.recipe_views") == 0
            await locked.rollback()
        finally:
            await holder.close()
    for _ in range(200):
        if app.state.cookbook_views.written >= 100:
            break
        await asyncio.sleep(0.05)
    conn = await asyncpg.connect(database_url)
    try:
        assert (
            await conn.fetchval("select view_count from cookbook.recipe_view_counts where recipe_id = $1", recipe["id"])
            == 100
        )
    finally:
        await conn.close()
