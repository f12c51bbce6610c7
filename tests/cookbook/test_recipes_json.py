"""The cookbook's lists (search, the older list, cookable, popular) answer with JSON PostgreSQL built
(recipes_page_json, recipes_by_ingredient_page_json, cookable_page_json, popular_page_json): the same
values of the same JSON types as the rows serialised through the response models gave before, page
by page and across pages."""

from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI

from app.cookbook import schemas, sql
from app.database import prepare_connection
from tests.cookbook.helpers import add_category, add_ingredient, add_recipe, views_written, walk_wrapped
from tests.pages import typed, walk

INGREDIENTS = ["Salt", 'Ærø “quoted” "double" \\ back\u0001slash', "📦 Box", "Tab\tleaf", "Unused"]
# title, description, instructions, servings, prep, cook, ingredients (indexes into INGREDIENTS), views
RECIPES: list[tuple[str, str | None, str | None, int | None, int | None, int | None, list[int], int]] = [
    ("Plain", None, None, None, None, None, [0], 0),
    ('Quote " and \\ slash', "line\nbreak", "step\u0001one", 4, 0, 10080, [0, 1], 3),
    ("Emoji 🍲 stew", "", "Σ", 1000, 15, 30, [2, 0, 1], 1),
    ("No ingredients", "nothing", None, 2, None, 5, [], 3),
    ("Tab\there", None, "x" * 300, 1, 1, 1, [3, 1], 2),
]
# created_at in each shape pydantic writes: with microseconds, without, a year below 1000.
STAMPS = [
    datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC),
    datetime(2024, 12, 31, 23, 59, 59, 120000, tzinfo=UTC),
    datetime(5, 1, 1, tzinfo=UTC),
]
PAGE_SIZES = (1, 3, 100)


def summaries(rows: list[Any]) -> list[Any]:
    return [schemas.RecipeSummary.model_validate(row).model_dump(mode="json") for row in rows]


async def fill(app: FastAPI, client: httpx.AsyncClient, conn: asyncpg.Connection) -> dict[str, Any]:
    """Two categories with recipes and an empty one; odd characters, nulls, old and round timestamps, views."""
    main, other, empty = [await add_category(client, name) for name in ("Main", "Other 🍽", "Empty")]
    ingredients = [await add_ingredient(client, name) for name in INGREDIENTS]
    recipes = []
    for n, (title, description, instructions, servings, prep, cook, used, views) in enumerate(RECIPES):
        recipe = await add_recipe(
            client,
            title=title,
            description=description,
            instructions=instructions,
            servings=servings,
            prep_minutes=prep,
            cook_minutes=cook,
            category_id=main if n % 2 == 0 else other,
            ingredients=[ingredients[i] for i in used],
        )
        recipes.append(recipe["id"])
        for _ in range(views):
            assert (await client.get(f"/cookbook/recipes/{recipe['id']}")).status_code == 200
    await views_written(app)
    for recipe_id, stamp in zip(recipes, STAMPS):  # the only way to give a row an old or round timestamp
        await conn.execute("update cookbook.recipes set created_at = $2 where id = $1", recipe_id, stamp)
    return {"main": main, "other": other, "empty": empty, "ingredients": ingredients}


async def test_searches_hold_the_values_and_types_the_rows_gave(
    app: FastAPI, client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    made = await fill(app, client, conn)
    salt, odd, box, tab, unused = made["ingredients"]
    # (query parameters, category_id, ingredient ids): every route to the page, the driver's links
    # (ingredients, no category or a larger one) and the recipes' own order (no ingredients, or a
    # category rarer than the ingredients).
    searches: list[tuple[dict[str, Any], int | None, list[int]]] = [
        ({}, None, []),
        ({"ingredient_id": [salt]}, None, [salt]),
        ({"ingredient_id": [salt, odd]}, None, [salt, odd]),
        ({"ingredient": ["TAB\tLEAF", 'ærø “quoted” "double" \\ back\u0001slash']}, None, [tab, odd]),
        ({"ingredient_id": [box], "category_id": made["main"]}, made["main"], [box]),
        ({"ingredient_id": [salt], "category": "other 🍽"}, made["other"], [salt]),
        ({"category_id": made["main"]}, made["main"], []),
        ({"category_id": made["empty"]}, made["empty"], []),
        ({"ingredient_id": [unused]}, None, [unused]),
        ({"ingredient_id": [salt, unused]}, None, [salt, unused]),
        ({"ingredient": ["no such ingredient"]}, None, []),
    ]
    for params, category_id, ingredient_ids in searches:
        if params.get("ingredient") == ["no such ingredient"]:
            want: list[Any] = []
        else:
            rows = await sql.recipes_page(
                conn, category_id=category_id, ingredient_ids=ingredient_ids, after_id=None, page_size=1000
            )
            want = summaries(rows)
        for url in ("/cookbook/recipes/search", "/cookbook/recipes"):
            for page_size in PAGE_SIZES:
                items, pages = await walk_wrapped(client, url, {**params, "page_size": page_size})
                assert typed(items) == typed(want), (url, params, page_size)
                assert pages == max(1, -(-len(want) // page_size)), (url, params, page_size)
    everything = {
        r["title"]: r for r in summaries(await sql.popular_page(conn, after_views=None, after_id=None, page_size=1000))
    }
    assert everything["Plain"]["created_at"] == "2001-02-03T04:05:06Z"
    assert everything['Quote " and \\ slash']["created_at"] == "2024-12-31T23:59:59.120000Z"
    assert everything["Emoji 🍲 stew"]["created_at"] == "0005-01-01T00:00:00Z"
    assert everything["No ingredients"]["ingredients"] == [] and everything["Plain"]["servings"] is None


async def test_cookable_holds_the_values_and_types_the_rows_gave(
    app: FastAPI, client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    made = await fill(app, client, conn)
    await prepare_connection(conn)  # json as Python values, as on the app's connections
    salt, odd, box, tab, unused = made["ingredients"]
    asks: list[tuple[list[int], int]] = [
        ([salt], 0),
        ([salt], 1),
        ([salt, odd], 1),
        ([odd], 3),
        ([box, tab], 2),
        ([unused], 3),
        ([tab], 0),
    ]
    missing_seen = 0
    for have, max_missing in asks:
        rows = await sql.cookable_page(
            conn,
            have_ids=have,
            max_missing=max_missing,
            after_missing=None,
            after_views=None,
            after_id=None,
            page_size=1000,
        )
        want = [schemas.CookableRecipe.model_validate(row).model_dump(mode="json") for row in rows]
        missing_seen += sum(len(r["missing"]) for r in want)
        for page_size in PAGE_SIZES:
            params = {"have": have, "max_missing": max_missing, "page_size": page_size}
            items, pages = await walk_wrapped(client, "/cookbook/recipes/cookable", params)
            assert typed(items) == typed(want), (have, max_missing, page_size)
            assert pages == max(1, -(-len(want) // page_size)), (have, max_missing, page_size)
    assert missing_seen >= 5  # the missing ingredients' JSON (odd names included) was compared too


async def test_popular_holds_the_values_and_types_the_rows_gave(
    app: FastAPI, client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    empty = await client.get("/cookbook/recipes/popular")
    assert empty.status_code == 200 and empty.json() == [] and "link" not in empty.headers
    await fill(app, client, conn)
    want = summaries(await sql.popular_page(conn, after_views=None, after_id=None, page_size=1000))
    assert [r["view_count"] for r in want] == [3, 3, 2, 1, 0]
    for page_size in PAGE_SIZES:
        items, pages = await walk(client, f"/cookbook/recipes/popular?page_size={page_size}", page_size)
        assert typed(items) == typed(want), page_size
        assert pages == max(1, -(-len(want) // page_size)), page_size
