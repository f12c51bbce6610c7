"""The cookbook schema as PostgreSQL sees it, and its seed data (demo and synthetic)."""

import asyncpg
import pytest

from app.cookbook import seed


async def _constraints(conn: asyncpg.Connection, kind: str) -> dict[str, str]:
    found = await conn.fetch(
        """
        select con.conname, pg_get_constraintdef(con.oid) as definition
        from pg_catalog.pg_constraint as con
        inner join pg_catalog.pg_namespace as ns on con.connamespace = ns.oid
        where ns.nspname = 'cookbook' and con.contype::text = $1
        """,
        kind,
    )
    return {r["conname"]: r["definition"] for r in found}


async def test_keys(conn: asyncpg.Connection) -> None:
    assert await _constraints(conn, "p") == {
        "categories_pkey": "PRIMARY KEY (id)",
        "ingredients_pkey": "PRIMARY KEY (id)",
        "recipes_pkey": "PRIMARY KEY (id)",
        "recipe_ingredients_pkey": "PRIMARY KEY (recipe_id, ingredient_id)",
        "recipe_view_counts_pkey": "PRIMARY KEY (recipe_id)",
        "recipe_views_pkey": "PRIMARY KEY (id)",
    }
    assert await _constraints(conn, "f") == {
        "recipes_category_id_fkey": "FOREIGN KEY (category_id) REFERENCES cookbook.categories(id)",
        "recipe_ingredients_recipe_id_fkey": "FOREIGN KEY (recipe_id) REFERENCES cookbook.recipes(id) ON DELETE CASCADE",
        "recipe_ingredients_ingredient_id_fkey": "FOREIGN KEY (ingredient_id) REFERENCES cookbook.ingredients(id)",
        "recipe_view_counts_recipe_id_fkey": (
            "FOREIGN KEY (recipe_id) REFERENCES cookbook.recipes(id) ON DELETE CASCADE"
        ),
        "recipe_views_recipe_id_fkey": "FOREIGN KEY (recipe_id) REFERENCES cookbook.recipes(id) ON DELETE CASCADE",
    }
    assert set(await _constraints(conn, "u")) == {"categories_name_key_unique", "ingredients_name_key_unique"}
    checks = await _constraints(conn, "c")
    for name in [
        "recipes_title_length",
        "recipes_description_length",
        "recipes_instructions_length",
        "recipe_ingredients_quantity_length",
        "ingredients_name_length",
        "recipe_view_counts_nonnegative",
    ]:
        assert name in checks


async def test_indexes_the_queries_need(conn: asyncpg.Connection) -> None:
    found = await conn.fetch("select indexname, indexdef from pg_catalog.pg_indexes where schemaname = 'cookbook'")
    indexes = {r["indexname"]: r["indexdef"] for r in found}
    assert "(category_id, id)" in indexes["recipes_category_id_id_idx"]
    assert "(ingredient_id, recipe_id)" in indexes["recipe_ingredients_ingredient_id_recipe_id_idx"]
    rank = indexes["recipe_ingredients_ingredient_id_rarity_rank_idx"]
    assert "(ingredient_id, rarity_rank, recipe_id)" in rank and "WHERE (rarity_rank <= 4)" in rank
    assert "(view_count, recipe_id)" in indexes["recipe_view_counts_view_count_recipe_id_idx"]
    assert "(recipe_id, viewed_at)" in indexes["recipe_views_recipe_id_viewed_at_idx"]


@pytest.mark.parametrize(
    ("statement", "error"),
    [
        ("insert into cookbook.recipes (title, category_id) values (repeat('t', 201), 1)", asyncpg.CheckViolationError),
        ("insert into cookbook.recipes (title, category_id) values (' t', 1)", asyncpg.CheckViolationError),
        ("insert into cookbook.recipes (title, category_id) values ('t', 99)", asyncpg.ForeignKeyViolationError),
        ("insert into cookbook.ingredients (name) values ('DUP'), ('dup')", asyncpg.UniqueViolationError),
        (
            "insert into cookbook.recipe_ingredients (recipe_id, ingredient_id, position, rarity_rank)"
            " values (99, 1, 1, 1)",
            asyncpg.ForeignKeyViolationError,
        ),
    ],
)
async def test_database_refuses_bad_rows_itself(conn: asyncpg.Connection, statement: str, error: type) -> None:
    await conn.execute("insert into cookbook.categories (name) values ('Main')")
    await conn.execute("insert into cookbook.ingredients (name) values ('Eggs')")
    with pytest.raises(error):
        await conn.execute(statement)


async def test_demo_has_the_old_sample_with_its_ids(conn: asyncpg.Connection) -> None:
    assert await seed.is_empty(conn)
    await seed.load_demo(conn)
    assert not await seed.is_empty(conn)
    categories = await conn.fetch("select id, name from cookbook.categories where id <= 4 order by id")
    assert [tuple(r) for r in categories] == [(1, "Dessert"), (2, "Main"), (3, "Appetizer"), (4, "Salad")]
    ingredients = await conn.fetch("select name from cookbook.ingredients where id <= 6 order by id")
    assert [r["name"] for r in ingredients] == ["Eggs", "Milk", "Sugar", "Flour", "Tomato", "Cheese"]
    recipes = await conn.fetch("select id, title from cookbook.recipes where id <= 2 order by id")
    assert [tuple(r) for r in recipes] == [(1, "Pancakes"), (2, "Tomato Salad")]
    assert await conn.fetchval("select count(*) from cookbook.recipes") >= 30
    # ingredient_count agrees with the links; every recipe has a counter equal to its log rows.
    assert (
        await conn.fetchval(
            "select count(*) from cookbook.recipes as r where r.ingredient_count <>"
            " (select count(*) from cookbook.recipe_ingredients as ri where ri.recipe_id = r.id)"
        )
        == 0
    )
    assert (
        await conn.fetchval(
            "select count(*) from cookbook.recipe_view_counts as vc where vc.view_count <>"
            " (select count(*) from cookbook.recipe_views as v where v.recipe_id = vc.recipe_id)"
        )
        == 0
    )


async def test_synthetic_cookbook_is_deterministic_and_skewed(conn: asyncpg.Connection) -> None:
    stages: list[str] = []
    await seed.load_synthetic(conn, 3000, lambda stage, done, total: stages.append(stage))
    assert "recipes" in stages
    assert await conn.fetchval("select count(*) from cookbook.recipes") == 3000
    per_recipe = await conn.fetchrow(
        "select min(ingredient_count) as low, max(ingredient_count) as high from cookbook.recipes"
    )
    assert per_recipe is not None and per_recipe["low"] >= 3 and per_recipe["high"] <= 15
    assert (
        await conn.fetchval(
            "select count(*) from cookbook.recipes as r where r.ingredient_count <>"
            " (select count(*) from cookbook.recipe_ingredients as ri where ri.recipe_id = r.id)"
        )
        == 0
    )
    salt_share = await conn.fetchval(
        "select count(*)::float / 3000 from cookbook.recipe_ingredients where ingredient_id = 1"
    )
    assert 0.55 < salt_share < 0.65
    assert (
        await conn.fetchval(
            "select count(*) from cookbook.ingredients as i"
            " where not exists (select 1 from cookbook.recipe_ingredients as ri where ri.ingredient_id = i.id)"
        )
        >= 10
    )
    assert (
        await conn.fetchval(
            "select count(*) from cookbook.recipe_view_counts as vc where vc.view_count <>"
            " (select count(*) from cookbook.recipe_views as v where v.recipe_id = vc.recipe_id)"
        )
        == 0
    )
    fingerprint_sql = (
        "select md5(string_agg(concat_ws('|', recipe_id, ingredient_id, position, rarity_rank), ','"
        " order by recipe_id, ingredient_id)) from cookbook.recipe_ingredients"
    )
    fingerprint = await conn.fetchval(fingerprint_sql)
    await seed.clear(conn)
    await seed.load_synthetic(conn, 3000, lambda *_: None)
    assert fingerprint == await conn.fetchval(fingerprint_sql)
    new_id = await conn.fetchval("insert into cookbook.recipes (title, category_id) values ('After', 1) returning id")
    assert new_id == 3001
