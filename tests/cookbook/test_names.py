"""Ingredients and categories: name order, prefix search, paging, duplicates, deletes in use."""

import httpx
import pytest

from tests.conftest import assert_error
from tests.cookbook.helpers import add_category, add_ingredient, add_recipe
from tests.pages import walk


@pytest.mark.parametrize("kind", ["ingredients", "categories"])
async def test_lists_in_name_order_and_pages(client: httpx.AsyncClient, kind: str) -> None:
    names = [f"Name {chr(ord('z') - i)}" for i in range(25)] + ["apple", "Banana"]
    for name in names:
        assert (await client.post(f"/cookbook/{kind}", json={"name": name})).status_code == 201
    items, pages = await walk(client, f"/cookbook/{kind}?page_size=10")
    assert pages == 3
    assert [i["name"] for i in items] == sorted(names, key=str.lower)
    assert set(items[0]) == {"id", "name"}


@pytest.mark.parametrize("kind", ["ingredients", "categories"])
async def test_duplicate_name_in_any_case_is_409(client: httpx.AsyncClient, kind: str) -> None:
    assert (await client.post(f"/cookbook/{kind}", json={"name": "Sea Salt"})).status_code == 201
    assert_error(await client.post(f"/cookbook/{kind}", json={"name": "SEA SALT"}), 409, "already exists")
    assert_error(await client.post(f"/cookbook/{kind}", json={"name": ""}), 422, "name")
    assert_error(await client.post(f"/cookbook/{kind}", json={"name": "x" * 101}), 422, "name")


async def test_ingredient_prefix_search(client: httpx.AsyncClient) -> None:
    for name in ["Tomato", "tomatillo", "Potato", "100% Cocoa", "1000 Island"]:
        await add_ingredient(client, name)
    found = (await client.get("/cookbook/ingredients", params={"name": "TOMA"})).json()
    assert [i["name"] for i in found] == ["tomatillo", "Tomato"]
    assert [i["name"] for i in (await client.get("/cookbook/ingredients", params={"name": "100%"})).json()] == [
        "100% Cocoa"
    ]
    assert (await client.get("/cookbook/ingredients", params={"name": "zzz"})).json() == []


async def test_delete_in_use_is_409(client: httpx.AsyncClient) -> None:
    category = await add_category(client, "Main")
    eggs = await add_ingredient(client, "Eggs")
    unused = await add_ingredient(client, "Saffron")
    empty = await add_category(client, "Empty")
    await add_recipe(client, category_id=category, ingredients=[eggs])
    assert_error(await client.delete(f"/cookbook/ingredients/{eggs}"), 409, "in use")
    assert_error(await client.delete(f"/cookbook/categories/{category}"), 409, "in use")
    assert (await client.delete(f"/cookbook/ingredients/{unused}")).status_code == 204
    assert (await client.delete(f"/cookbook/categories/{empty}")).status_code == 204
    assert_error(await client.delete(f"/cookbook/ingredients/{unused}"), 404, "does not exist")
    assert_error(await client.delete(f"/cookbook/categories/{empty}"), 404, "does not exist")
