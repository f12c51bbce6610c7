"""An old recipe-service client, pointed at /cookbook with the demo data, works unchanged."""

import asyncpg
import httpx

from app.cookbook import seed


async def test_old_client_session_on_demo_data(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    await seed.load_demo(conn)
    # The sample's ids as the old service had them.
    categories = {c["name"]: c["id"] for c in (await client.get("/cookbook/categories?page_size=100")).json()}
    assert {"Dessert": 1, "Main": 2, "Appetizer": 3, "Salad": 4}.items() <= categories.items()
    eggs = (await client.get("/cookbook/ingredients", params={"name": "eggs"})).json()
    assert eggs == [{"id": 1, "name": "Eggs"}]

    found = (await client.get("/cookbook/recipes/search", params={"category_id": 1, "ingredient_id": 1})).json()
    assert "Pancakes" in [r["title"] for r in found["recipes"]]
    assert set(found) == {"recipes", "next_cursor"}
    salad = (await client.get("/cookbook/recipes", params={"ingredient": "Tomato", "category_id": 4})).json()
    assert [r["title"] for r in salad["recipes"]][-1] == "Tomato Salad"

    pancakes = (await client.get("/cookbook/recipes/1")).json()
    assert pancakes["title"] == "Pancakes" and pancakes["ingredients"] == [1, 2, 3, 4]
    created = await client.post(
        "/cookbook/recipes/", json={"title": "Sweet Omelette", "category_id": 1, "ingredients": [1, 3]}
    )
    assert created.status_code == 201 and created.json()["ingredients"] == [1, 3]
    newest = (await client.get("/cookbook/recipes/search", params={"page_size": 1})).json()
    assert newest["recipes"][0]["title"] == "Sweet Omelette" and newest["next_cursor"]
    assert (await client.delete(f"/cookbook/recipes/{created.json()['id']}")).status_code == 204
    cookable = (
        await client.get("/cookbook/recipes/cookable", params={"have_names": ["Eggs", "Butter", "Salt"]})
    ).json()
    assert "French Omelette" in [r["title"] for r in cookable["recipes"]]
