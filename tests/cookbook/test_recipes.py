"""Recipes: the old clients' contract (create, read, search, list), changes and deletes."""

from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import assert_error
from tests.cookbook.helpers import add_category, add_ingredient, add_recipe, walk_wrapped


@pytest.fixture
async def sample(client: httpx.AsyncClient) -> dict[str, int]:
    """The old service's sample: categories and ingredients by name -> id."""
    ids = {name: await add_category(client, name) for name in ["Dessert", "Main", "Appetizer", "Salad"]}
    for name in ["Eggs", "Milk", "Sugar", "Flour", "Tomato", "Cheese"]:
        ids[name] = await add_ingredient(client, name)
    return ids


async def test_create_answers_the_old_shape_on_both_paths(client: httpx.AsyncClient, sample: dict[str, int]) -> None:
    body = {
        "title": "Pancakes",
        "description": "Fluffy",
        "category_id": sample["Dessert"],
        "ingredients": [sample["Eggs"], sample["Milk"], sample["Flour"]],
    }
    created = await client.post("/cookbook/recipes", json=body)
    assert created.status_code == 201, created.text
    recipe = created.json()
    assert recipe["title"] == "Pancakes" and recipe["description"] == "Fluffy"
    assert recipe["category_id"] == sample["Dessert"] and recipe["category"] == "Dessert"
    assert recipe["ingredients"] == [sample["Eggs"], sample["Milk"], sample["Flour"]]
    assert recipe["view_count"] == 0

    slash = await client.post("/cookbook/recipes/", json={**body, "title": "Pancakes 2"}, follow_redirects=False)
    assert slash.status_code == 201, slash.text
    assert slash.json()["id"] == recipe["id"] + 1


async def test_create_accepts_the_other_client_generation(client: httpx.AsyncClient, sample: dict[str, int]) -> None:
    by_ids = await add_recipe(
        client,
        title="Tomato Salad",
        category_id=sample["Salad"],
        instructions="Slice and season.",
        ingredient_ids=[sample["Tomato"], sample["Cheese"]],
    )
    assert by_ids["instructions"] == "Slice and season."
    assert by_ids["ingredients"] == [sample["Tomato"], sample["Cheese"]]

    objects = await add_recipe(
        client,
        title="Omelette",
        category_id=sample["Main"],
        ingredients=[
            {"ingredient_id": sample["Eggs"], "quantity": 3},
            {"name": "Chives", "quantity": "1/2", "unit": "bunch"},
            {"name": "cheese", "unit": "g", "quantity": 40.5},
        ],
        some_field_of_an_old_client="ignored",
    )
    chives = (await client.get("/cookbook/ingredients", params={"name": "chiv"})).json()
    assert [i["name"] for i in chives] == ["Chives"]
    assert objects["ingredients"] == [sample["Eggs"], chives[0]["id"], sample["Cheese"]]
    assert objects["ingredient_details"] == [
        {"id": sample["Eggs"], "name": "Eggs", "quantity": "3", "unit": None},
        {"id": chives[0]["id"], "name": "Chives", "quantity": "1/2", "unit": "bunch"},
        {"id": sample["Cheese"], "name": "Cheese", "quantity": "40.5", "unit": "g"},
    ]


async def test_repeated_ingredient_is_stored_once(client: httpx.AsyncClient, sample: dict[str, int]) -> None:
    recipe = await add_recipe(
        client, category_id=sample["Main"], ingredients=[sample["Eggs"], sample["Milk"], sample["Eggs"]]
    )
    assert recipe["ingredients"] == [sample["Eggs"], sample["Milk"]]


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"title": "x" * 100_000}, 422, ["title"]),
        ({"title": ""}, 422, ["title"]),
        ({"category_id": 999}, 422, ["category", "999"]),
        ({"ingredients": [998, 999]}, 422, ["998", "999"]),
        ({"ingredients": [{"quantity": "2"}]}, 422, ["ingredient_id", "name"]),
        ({"ingredients": [1], "ingredient_ids": [2]}, 422, ["not both"]),
        ({"servings": 0}, 422, ["servings"]),
        ({"description": "d" * 2001}, 422, ["description"]),
    ],
)
async def test_create_refuses_bad_recipes(
    client: httpx.AsyncClient,
    sample: dict[str, int],
    conn: asyncpg.Connection,
    body: dict[str, Any],
    status: int,
    words: list[str],
) -> None:
    full = {"title": "Bad", "category_id": sample["Main"], "ingredients": [sample["Eggs"]], **body}
    assert_error(await client.post("/cookbook/recipes", json=full), status, *words)
    assert await conn.fetchval("select count(*) from cookbook.recipes") == 0
    assert await conn.fetchval("select count(*) from cookbook.recipe_ingredients") == 0


async def test_get_recipe_and_404(client: httpx.AsyncClient, sample: dict[str, int]) -> None:
    recipe = await add_recipe(
        client, title="Pancakes", category_id=sample["Dessert"], ingredients=[sample["Eggs"], sample["Flour"]]
    )
    found = (await client.get(f"/cookbook/recipes/{recipe['id']}")).json()
    assert found["category"] == "Dessert"
    assert [d["name"] for d in found["ingredient_details"]] == ["Eggs", "Flour"]
    assert {"id", "title", "description", "instructions", "category_id", "view_count"} <= set(found)
    assert_error(await client.get("/cookbook/recipes/999"), 404, "recipe 999")
    assert (await client.get("/cookbook/recipes/0")).status_code == 422


async def test_search_by_category_and_ingredients(client: httpx.AsyncClient, sample: dict[str, int]) -> None:
    pancakes = await add_recipe(
        client, title="Pancakes", category_id=sample["Dessert"], ingredients=[sample["Eggs"], sample["Milk"]]
    )
    salad = await add_recipe(
        client, title="Tomato Salad", category_id=sample["Salad"], ingredients=[sample["Tomato"], sample["Cheese"]]
    )
    omelette = await add_recipe(
        client, title="Omelette", category_id=sample["Main"], ingredients=[sample["Eggs"], sample["Cheese"]]
    )

    async def titles(**params: Any) -> list[str]:
        response = await client.get("/cookbook/recipes/search", params=params)
        assert response.status_code == 200, response.text
        assert response.json()["next_cursor"] is None
        return [r["title"] for r in response.json()["recipes"]]

    assert await titles() == ["Omelette", "Tomato Salad", "Pancakes"]
    assert await titles(category_id=sample["Salad"]) == ["Tomato Salad"]
    assert await titles(ingredient_id=sample["Eggs"]) == ["Omelette", "Pancakes"]
    assert await titles(ingredient_id=[sample["Eggs"], sample["Cheese"]]) == ["Omelette"]
    assert await titles(ingredient_id=sample["Eggs"], category_id=sample["Dessert"]) == ["Pancakes"]
    assert await titles(category="dESSERT") == ["Pancakes"]
    assert await titles(ingredient="cheese") == ["Omelette", "Tomato Salad"]
    assert await titles(ingredient=["cheese", "TOMATO"]) == ["Tomato Salad"]
    assert await titles(ingredient="Nothing Like This") == []
    assert await titles(category="Nothing") == []
    assert await titles(ingredient_id=999) == []
    assert await titles(category_id=sample["Appetizer"]) == []
    item = (await client.get("/cookbook/recipes/search", params={"ingredient_id": sample["Milk"]})).json()["recipes"][0]
    assert item["id"] == pancakes["id"] and item["description"] is None and item["category_id"] == sample["Dessert"]
    assert {salad["id"], omelette["id"]}.isdisjoint({item["id"]})


async def test_other_generation_list_is_wrapped(client: httpx.AsyncClient, sample: dict[str, int]) -> None:
    await add_recipe(
        client,
        title="Tomato Salad",
        category_id=sample["Salad"],
        instructions="Slice.",
        ingredients=[sample["Tomato"], sample["Cheese"]],
    )
    await add_recipe(client, title="Pancakes", category_id=sample["Dessert"], ingredients=[sample["Eggs"]])
    body = (await client.get("/cookbook/recipes", params={"ingredient": "tomato"})).json()
    assert [r["title"] for r in body["recipes"]] == ["Tomato Salad"]
    assert body["recipes"][0]["instructions"] == "Slice." and body["recipes"][0]["category_id"] == sample["Salad"]
    listed = (await client.get("/cookbook/recipes", params={"category_id": sample["Dessert"]})).json()
    assert [r["title"] for r in listed["recipes"]] == ["Pancakes"]


async def test_search_pages_walk_to_the_end(client: httpx.AsyncClient, sample: dict[str, int]) -> None:
    for i in range(23):
        ingredients = [sample["Eggs"]] + ([sample["Milk"]] if i % 2 else [])
        await add_recipe(client, title=f"R{i}", category_id=sample["Main"], ingredients=ingredients)
    items, pages = await walk_wrapped(client, "/cookbook/recipes/search", {"page_size": 5})
    assert pages == 5 and [r["title"] for r in items] == [f"R{i}" for i in reversed(range(23))]
    items, pages = await walk_wrapped(
        client, "/cookbook/recipes/search", {"page_size": 4, "ingredient_id": [sample["Eggs"], sample["Milk"]]}
    )
    assert pages == 3 and [r["title"] for r in items] == [f"R{i}" for i in reversed(range(23)) if i % 2]
    items, _ = await walk_wrapped(client, "/cookbook/recipes", {"page_size": 10, "ingredient": "eggs"})
    assert len(items) == 23
    assert_error(await client.get("/cookbook/recipes/search", params={"cursor": "garbage!"}), 400, "cursor")
    assert (await client.get("/cookbook/recipes/search", params={"page_size": 101})).status_code == 422


async def test_patch_changes_fields_and_ingredients(client: httpx.AsyncClient, sample: dict[str, int]) -> None:
    recipe = await add_recipe(
        client,
        title="Pancakes",
        description="Old",
        servings=2,
        category_id=sample["Dessert"],
        ingredients=[sample["Eggs"]],
    )
    url = f"/cookbook/recipes/{recipe['id']}"
    changed = await client.patch(url, json={"title": "Crepes", "description": None, "ingredient_ids": [sample["Milk"]]})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["title"] == "Crepes" and body["description"] is None and body["servings"] == 2
    assert body["ingredients"] == [sample["Milk"]]
    assert (await client.patch(url, json={"category_id": sample["Main"]})).json()["category"] == "Main"
    searched = (await client.get("/cookbook/recipes/search", params={"ingredient_id": sample["Eggs"]})).json()
    assert searched["recipes"] == []
    assert_error(await client.patch(url, json={"title": None}), 422, "title")
    assert_error(await client.patch(url, json={"category_id": 999}), 422, "999")
    assert_error(await client.patch("/cookbook/recipes/999", json={"title": "x"}), 404, "999")


async def test_delete_recipe_takes_links_and_views(
    client: httpx.AsyncClient, sample: dict[str, int], conn: asyncpg.Connection, app: FastAPI
) -> None:
    recipe = await add_recipe(client, category_id=sample["Main"], ingredients=[sample["Eggs"], sample["Milk"]])
    await client.get(f"/cookbook/recipes/{recipe['id']}")
    await app.state.cookbook_views.drained()
    assert await conn.fetchval("select count(*) from cookbook.recipe_views") == 1
    assert (await client.delete(f"/cookbook/recipes/{recipe['id']}")).status_code == 204
    for table in ["recipes", "recipe_ingredients", "recipe_views", "recipe_view_counts"]:
        assert await conn.fetchval(f"select count(*) from cookbook.{table}") == 0, table
    assert_error(await client.delete(f"/cookbook/recipes/{recipe['id']}"), 404, "does not exist")
