"""Cookbook endpoints: thin handlers that validate, call a named query, and shape the answer.

Mounted at /cookbook; the old recipe service's clients use that as their base URL unchanged.
"""

import json
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query, Request, Response, status

from app import names
from app.background import BatchWriter, writer_lifespan
from app.cookbook import schemas, sql
from app.database import Connection
from app.errors import NotFound, Unprocessable
from app.pagination import Cursor, PageSize, decode_cursor, encode_cursor, set_next_link
from app.params import BIGINT_MAX, FilterId, Id, id_segment

View = tuple[int, datetime]


async def write_views(conn: Connection, views: list[View]) -> None:
    """One statement for every view queued since the last write: log rows plus one counter update per recipe."""
    await sql.record_views(conn, recipe_ids=[v[0] for v in views], viewed_ats=[v[1] for v in views])


router = APIRouter(
    lifespan=writer_lifespan(
        "cookbook_views", lambda: BatchWriter[View]("cookbook recipe views", write_views, records_reads=True)
    )
)

# /recipes/{recipe_id} takes any segment but these words (their own routes): a malformed id is a 422 naming
# recipe_id, as in every domain, and another method on /recipes/search is a 405.
RECIPE_ID = "{recipe_id:" + id_segment("search", "cookable", "popular") + "}"
FilterIds = Annotated[list[int] | None, Query(max_length=20)]
FilterName = Annotated[str | None, Query(min_length=1, max_length=100)]
FilterNames = Annotated[list[str] | None, Query(max_length=20)]
MAX_HAVE = 100


def _recipe_list(recipes: str, next_key: list[int | None] | None) -> Response:
    """A list answer (schemas.RecipeList, schemas.CookableList): `recipes`, the page's JSON array as
    PostgreSQL built it, spliced in as is; next_cursor made of the last item's keyset, if more follow."""
    next_cursor = json.dumps(encode_cursor(next_key)) if next_key is not None else "null"
    return Response(f'{{"recipes":{recipes},"next_cursor":{next_cursor}}}', media_type="application/json")


def _recipe(row: sql.RecipeByIdRow | None) -> schemas.Recipe:
    assert row is not None  # read in the transaction that wrote it
    return schemas.Recipe.model_validate(row)


def _check_ids(name: str, ids: list[int] | None) -> list[int]:
    for value in ids or []:
        if not 1 <= value <= BIGINT_MAX:
            raise Unprocessable(f"{name}: {value} is not a valid id")
    return list(dict.fromkeys(ids or []))


def _check_names(name: str, names: list[str] | None) -> list[str]:
    cleaned = [n.strip() for n in names or []]
    for value in cleaned:
        if not 1 <= len(value) <= 100:
            raise Unprocessable(f"{name}: a name has 1 to 100 characters")
    return cleaned


async def _ingredient_ids(conn: Connection, ids: list[int], names: list[str]) -> list[int] | None:
    """The ids the id and name filters stand for; None when a name matches no ingredient."""
    found = [r["id"] for r in await sql.ingredients_by_names(conn, names=names)] if names else []
    if None in found:
        return None
    return list(dict.fromkeys(ids + [i for i in found if i is not None]))


async def _search(
    conn: Connection,
    category_id: int | None,
    category: str | None,
    ingredient_ids: list[int] | None,
    ingredient_names: list[str] | None,
    page_size: int,
    cursor: str | None,
) -> Response:
    """Newest recipes matching every filter (schemas.RecipeList, its recipes' JSON built by PostgreSQL:
    recipes_page_json). With ingredients, the page is read from the rarest ingredient's links (or the
    category's recipes when the category is rarer still)."""
    after = decode_cursor(cursor, (int,))
    after_id = after[0] if after else None
    # Every filter checked before any lookup: an invalid id is a 422 even when the category is unknown.
    checked_ids = _check_ids("ingredient_id", ingredient_ids)
    checked_names = _check_names("ingredient", ingredient_names)
    empty = _recipe_list("[]", None)
    if category is not None:
        found_category = await sql.category_id_by_name(conn, name=category.strip())
        if found_category is None or (category_id is not None and found_category != category_id):
            return empty
        category_id = found_category
    wanted = await _ingredient_ids(conn, checked_ids, checked_names)
    if wanted is None:
        return empty
    use_driver = False
    if wanted:
        frequencies = await sql.ingredient_frequencies(conn, ingredient_ids=wanted)
        rarest = frequencies[0]
        use_driver = category_id is None or rarest["recipe_count"] <= await sql.category_size(
            conn, category_id=category_id
        )
    if use_driver:
        found = await sql.recipes_by_ingredient_page_json(
            conn,
            driver_id=rarest["ingredient_id"],
            other_ids=[r["ingredient_id"] for r in frequencies[1:]],
            category_id=category_id,
            after_id=after_id,
            page_size=page_size,
        )
    else:
        found = await sql.recipes_page_json(
            conn, category_id=category_id, ingredient_ids=wanted, after_id=after_id, page_size=page_size
        )
    assert found is not None  # an aggregate: always one row
    return _recipe_list(found["body"], [found["next_id"]] if found["next_id"] is not None else None)


@router.get("/recipes/search", response_model=schemas.RecipeList, summary="Search recipes by category and ingredients")
async def search_recipes(
    conn: Connection,
    category_id: FilterId = None,
    category: Annotated[FilterName, Query(description="Category name, case-insensitive exact match.")] = None,
    ingredient_id: Annotated[FilterIds, Query(description="Repeat for recipes containing all of them.")] = None,
    ingredient: Annotated[FilterNames, Query(description="Ingredient name (any case, exact); may repeat.")] = None,
    page_size: PageSize = 20,
    cursor: Cursor = None,
) -> Response:
    return await _search(conn, category_id, category, ingredient_id, ingredient, page_size, cursor)


@router.get("/recipes", response_model=schemas.RecipeList, summary="List recipes, newest first (older clients)")
async def list_recipes(
    conn: Connection,
    ingredient: Annotated[FilterNames, Query(description="Ingredient name (any case, exact); may repeat.")] = None,
    ingredient_id: FilterIds = None,
    category_id: FilterId = None,
    category: FilterName = None,
    page_size: PageSize = 20,
    cursor: Cursor = None,
) -> Response:
    return await _search(conn, category_id, category, ingredient_id, ingredient, page_size, cursor)


@router.get(
    "/recipes/cookable",
    response_model=schemas.CookableList,
    summary="Recipes you can cook with what you have (or missing at most max_missing ingredients)",
)
async def cookable_recipes(
    conn: Connection,
    have: Annotated[list[int] | None, Query(max_length=MAX_HAVE, description="Ingredient ids you have.")] = None,
    have_names: Annotated[list[str] | None, Query(max_length=MAX_HAVE, description="Ingredient names.")] = None,
    max_missing: Annotated[int, Query(ge=0, le=3)] = 0,
    page_size: PageSize = 20,
    cursor: Cursor = None,
) -> Response:
    """The page's JSON comes from PostgreSQL (cookable_page_json: the fields of schemas.CookableRecipe)."""
    after = decode_cursor(cursor, (int, int, int))
    if not have and not have_names:
        raise Unprocessable("have: give at least one ingredient id (have=) or name (have_names=)")
    ids = _check_ids("have", have)
    names = _check_names("have_names", have_names)
    if names:
        named = await sql.ingredients_by_names(conn, names=names)
        ids = list(dict.fromkeys(ids + [r["id"] for r in named if r["id"] is not None]))
    found = await sql.cookable_page_json(
        conn,
        have_ids=ids,
        max_missing=max_missing,
        after_missing=after[0] if after else None,
        after_views=after[1] if after else None,
        after_id=after[2] if after else None,
        page_size=page_size,
    )
    assert found is not None  # an aggregate: always one row
    more = found["next_id"] is not None
    return _recipe_list(found["body"], [found["next_missing"], found["next_views"], found["next_id"]] if more else None)


@router.get("/recipes/popular", response_model=list[schemas.RecipeSummary], summary="Most viewed recipes first")
async def popular_recipes(
    request: Request, conn: Connection, page_size: PageSize = 20, cursor: Cursor = None
) -> Response:
    """The page's JSON comes from PostgreSQL (popular_page_json: the fields of schemas.RecipeSummary)."""
    after = decode_cursor(cursor, (int, int))
    found = await sql.popular_page_json(
        conn,
        after_views=after[0] if after else None,
        after_id=after[1] if after else None,
        page_size=page_size,
    )
    assert found is not None  # an aggregate: always one row
    answer = Response(found["body"], media_type="application/json")
    more = found["next_id"] is not None
    set_next_link(request, answer, [found["next_views"], found["next_id"]] if more else None)
    return answer


@router.get(f"/recipes/{RECIPE_ID}", response_model=schemas.Recipe, summary="One recipe (counts one view)")
async def get_recipe(recipe_id: Id, request: Request, background: BackgroundTasks, conn: Connection) -> schemas.Recipe:
    row = await sql.recipe_by_id(conn, recipe_id=recipe_id)
    if row is None:
        raise NotFound(f"recipe {recipe_id} does not exist")
    # Queued after the response is sent; the batch writer records it (log row and counter) with others.
    background.add_task(request.app.state.cookbook_views.add_in_background, (recipe_id, datetime.now(UTC)))
    return _recipe(row)


async def _check_category(conn: Connection, category_id: int) -> None:
    if await sql.category_by_id(conn, category_id=category_id) is None:
        raise Unprocessable(f"category_id: category {category_id} does not exist")


async def _write_ingredients(conn: Connection, recipe_id: int, lines: list[schemas.IngredientLine]) -> None:
    """Replace the recipe's ingredient links (new names become ingredients); unknown ids are a 422."""
    given_ids = [line.ingredient_id for line in lines if line.ingredient_id is not None]
    unknown = [r["id"] for r in await sql.unknown_ingredient_ids(conn, ingredient_ids=given_ids)]
    if unknown:
        listed = ", ".join(str(i) for i in dict.fromkeys(unknown))
        raise Unprocessable(f"ingredients: no ingredient has id {listed}")
    names = [line.name for line in lines if line.name is not None]
    # One id per given name, in order: the database matches names (public.fold_name), never Python.
    named = iter([r["id"] for r in await sql.upsert_ingredients(conn, names=names)] if names else [])
    ids = [line.ingredient_id if line.ingredient_id is not None else next(named) for line in lines]
    await sql.unlink_recipe_ingredients(conn, recipe_id=recipe_id)
    await sql.link_recipe_ingredients(
        conn,
        recipe_id=recipe_id,
        ingredient_ids=ids,
        quantities=[line.quantity or "" for line in lines],
        units=[line.unit or "" for line in lines],
    )


async def _create(body: schemas.RecipeCreate, conn: Connection) -> schemas.Recipe:
    async with conn.transaction():
        await _check_category(conn, body.category_id)
        recipe_id = await sql.insert_recipe(
            conn,
            title=body.title,
            description=body.description,
            instructions=body.instructions,
            category_id=body.category_id,
            servings=body.servings,
            prep_minutes=body.prep_minutes,
            cook_minutes=body.cook_minutes,
        )
        assert recipe_id is not None
        await _write_ingredients(conn, recipe_id, body.ingredient_lines() or [])
        row = await sql.recipe_by_id(conn, recipe_id=recipe_id)
    return _recipe(row)


@router.post("/recipes", response_model=schemas.Recipe, status_code=status.HTTP_201_CREATED, summary="Add a recipe")
async def create_recipe(body: schemas.RecipeCreate, conn: Connection) -> schemas.Recipe:
    return await _create(body, conn)


@router.post("/recipes/", response_model=schemas.Recipe, status_code=status.HTTP_201_CREATED, include_in_schema=False)
async def create_recipe_slash(body: schemas.RecipeCreate, conn: Connection) -> schemas.Recipe:
    """The same as POST /recipes: older clients post to the path with a trailing slash (no redirect)."""
    return await _create(body, conn)


@router.patch(f"/recipes/{RECIPE_ID}", response_model=schemas.Recipe, summary="Change some fields of a recipe")
async def update_recipe(recipe_id: Id, body: schemas.RecipeUpdate, conn: Connection) -> schemas.Recipe:
    lines = body.ingredient_lines()
    async with conn.transaction():
        if body.category_id is not None:
            await _check_category(conn, body.category_id)
        given = body.model_fields_set
        updated = await sql.update_recipe(
            conn,
            recipe_id=recipe_id,
            title=body.title,
            category_id=body.category_id,
            set_description="description" in given,
            description=body.description,
            set_instructions="instructions" in given,
            instructions=body.instructions,
            set_servings="servings" in given,
            servings=body.servings,
            set_prep_minutes="prep_minutes" in given,
            prep_minutes=body.prep_minutes,
            set_cook_minutes="cook_minutes" in given,
            cook_minutes=body.cook_minutes,
        )
        if updated is None:
            raise NotFound(f"recipe {recipe_id} does not exist")
        if lines is not None:
            await _write_ingredients(conn, recipe_id, lines)
        row = await sql.recipe_by_id(conn, recipe_id=recipe_id)
    return _recipe(row)


@router.delete(f"/recipes/{RECIPE_ID}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove a recipe")
async def delete_recipe(recipe_id: Id, conn: Connection) -> Response:
    if await sql.delete_recipe(conn, recipe_id=recipe_id) is None:
        raise NotFound(f"recipe {recipe_id} does not exist")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


names.add_prefix_list(router, "/ingredients", "ingredients", sql.ingredients_page)
names.add_get(
    router, "/ingredients", "ingredient", lambda conn, item_id: sql.ingredient_by_id(conn, ingredient_id=item_id)
)
names.add_create(router, "/ingredients", "ingredient", sql.insert_ingredient, max_length=100)
names.add_delete(
    router,
    "/ingredients",
    "ingredient",
    lambda conn, item_id: sql.delete_ingredient(conn, ingredient_id=item_id),
    "while a recipe uses it",
)
names.add_list(router, "/categories", "categories", sql.categories_page)
names.add_get(router, "/categories", "category", lambda conn, item_id: sql.category_by_id(conn, category_id=item_id))
names.add_create(router, "/categories", "category", sql.insert_category, max_length=100)
names.add_delete(
    router,
    "/categories",
    "category",
    lambda conn, item_id: sql.delete_category(conn, category_id=item_id),
    "while it has recipes",
)
