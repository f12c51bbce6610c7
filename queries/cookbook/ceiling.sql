-- The stricter ceiling of `scripts/bench` (app/cookbook/bench.py): recipes_by_ingredient_page with
-- the page's JSON built by PostgreSQL. Fetches page_size + 1 rows, as the app does, and returns body
-- (a JSON array of up to page_size recipes) and more (a next page exists).

-- name: ceiling_recipes_by_ingredient_page(driver_id, other_ids, category_id, after_id, page_size)^
-- Returns recipes_by_ingredient_page's page as one JSON array (body) and whether a next page exists (more).
-- not null: body, more
with page as (
    select d.recipe_id as id
    from cookbook.recipe_ingredients as d
    inner join cookbook.recipes as r on d.recipe_id = r.id
    where
        d.ingredient_id = :driver_id
        and (:category_id::bigint is null or r.category_id = :category_id)
        and (:after_id::bigint is null or d.recipe_id < :after_id)
        and (
            cardinality(:other_ids::bigint[]) = 0
            or (
                select count(*)
                from cookbook.recipe_ingredients as ri
                where ri.recipe_id = d.recipe_id and ri.ingredient_id = any(:other_ids::bigint[])
            ) = cardinality(:other_ids::bigint[])
        )
    order by d.recipe_id desc
    limit :page_size::integer + 1
),

numbered as (
    select
        pg.id,
        row_number() over (order by pg.id desc) as position
    from page as pg
)

select
    coalesce(
        json_agg(
            json_build_object(
                'id', r.id,
                'title', r.title,
                'description', r.description,
                'instructions', r.instructions,
                'category_id', r.category_id,
                'category', c.name,
                'servings', r.servings,
                'prep_minutes', r.prep_minutes,
                'cook_minutes', r.cook_minutes,
                'created_at', r.created_at,
                'ingredients', array(
                    select ri.ingredient_id
                    from cookbook.recipe_ingredients as ri
                    where ri.recipe_id = r.id
                    order by ri.position asc
                ),
                'view_count', coalesce(vc.view_count, 0)
            )
            order by p.position
        ) filter (where p.position <= :page_size),
        '[]'
    )::text as body,
    count(*) > :page_size as more
from numbered as p
inner join cookbook.recipes as r on p.id = r.id
inner join cookbook.categories as c on r.category_id = c.id
left join cookbook.recipe_view_counts as vc on r.id = vc.recipe_id;
