-- Recipes: detail, create (with the view counter row), update, delete, and the ingredient links.

-- name: recipe_by_id(recipe_id)^
-- Returns one recipe with its category name, ingredient ids, ingredient details (JSON) and view count.
-- not null: ingredient_details, view_count
select
    r.id,
    r.title,
    r.description,
    r.instructions,
    r.category_id,
    c.name as category,
    r.servings,
    r.prep_minutes,
    r.cook_minutes,
    r.created_at,
    array(
        select ri.ingredient_id
        from cookbook.recipe_ingredients as ri
        where ri.recipe_id = r.id
        order by ri.position
    ) as ingredients,
    (
        select
            coalesce(
                json_agg(
                    json_build_object('id', i.id, 'name', i.name, 'quantity', ri.quantity, 'unit', ri.unit)
                    order by ri.position
                ),
                '[]'::json
            )
        from cookbook.recipe_ingredients as ri
        inner join cookbook.ingredients as i on ri.ingredient_id = i.id
        where ri.recipe_id = r.id
    ) as ingredient_details,
    coalesce(vc.view_count, 0) as view_count
from cookbook.recipes as r
inner join cookbook.categories as c on r.category_id = c.id
left join cookbook.recipe_view_counts as vc on r.id = vc.recipe_id
where r.id = :recipe_id;

-- name: insert_recipe(title, description, instructions, category_id, servings, prep_minutes, cook_minutes)$
-- Inserts a recipe with its view counter (at 0) and returns its id.
-- nullable: description, instructions, servings, prep_minutes, cook_minutes
with recipe as (
    insert into cookbook.recipes (title, description, instructions, category_id, servings, prep_minutes, cook_minutes)
    values (:title, :description, :instructions, :category_id, :servings, :prep_minutes, :cook_minutes)
    returning id
),

counter as (
    insert into cookbook.recipe_view_counts (recipe_id)
    select recipe.id
    from recipe
)

select recipe.id
from recipe;

-- name: update_recipe(recipe_id, title, category_id, set_description, description, set_instructions, instructions, set_servings, servings, set_prep_minutes, prep_minutes, set_cook_minutes, cook_minutes)$
-- Updates the given fields of a recipe and returns its id, or nothing if absent (the partial update of
-- docs/how-to-add.md: null keeps a NOT NULL field; a set_* flag writes a nullable one, null included).
-- nullable: title, category_id, description, instructions, servings, prep_minutes, cook_minutes
update cookbook.recipes
set
    title = coalesce(:title, title),
    category_id = coalesce(:category_id, category_id),
    description = case when :set_description::boolean then :description else description end,
    instructions = case when :set_instructions::boolean then :instructions else instructions end,
    servings = case when :set_servings::boolean then :servings else servings end,
    prep_minutes = case when :set_prep_minutes::boolean then :prep_minutes else prep_minutes end,
    cook_minutes = case when :set_cook_minutes::boolean then :cook_minutes else cook_minutes end
where id = :recipe_id
returning id;

-- name: delete_recipe(recipe_id)$
-- Deletes a recipe (its links, view counter and view records go with it) and returns its id.
delete from cookbook.recipes
where id = :recipe_id
returning id;

-- name: link_recipe_ingredients(recipe_id, ingredient_ids, quantities, units)$
-- Links a recipe (with no links yet) to the given ingredients, a repeated one stored once at its
-- first position, ranks them rarest first, sets the recipe's ingredient_count and returns it.
-- Rarity is each ingredient's recipe count up to 1,000 (a bounded read; ties rank higher ids,
-- the newer ingredients, as rarer): any fixed order keeps "cookable" correct, this one keeps it fast.
-- An empty quantity or unit ('') is stored as null.
with given as (
    select distinct on (g.ingredient_id)
        g.ingredient_id,
        g.n,
        nullif(g.quantity, '') as quantity,
        nullif(g.unit, '') as unit
    from
        unnest(:ingredient_ids::bigint[], :quantities::text[], :units::text[]) with ordinality
            as g (ingredient_id, quantity, unit, n)
    order by g.ingredient_id, g.n
),

counted as (
    select
        gv.ingredient_id,
        gv.quantity,
        gv.unit,
        gv.n,
        (
            select count(*)
            from (
                select 1 as found
                from cookbook.recipe_ingredients as ri
                where ri.ingredient_id = gv.ingredient_id
                order by ri.recipe_id
                limit 1000
            ) as sample
        ) as recipe_count
    from given as gv
),

ranked as (
    select
        ct.ingredient_id,
        ct.quantity,
        ct.unit,
        row_number() over (order by ct.n asc) as position,
        row_number() over (order by ct.recipe_count asc, ct.ingredient_id desc) as rarity_rank
    from counted as ct
),

linked as (
    insert into cookbook.recipe_ingredients (recipe_id, ingredient_id, quantity, unit, position, rarity_rank)
    select
        :recipe_id::bigint,
        rk.ingredient_id,
        rk.quantity,
        rk.unit,
        rk.position,
        rk.rarity_rank
    from ranked as rk
    order by rk.ingredient_id
    returning ingredient_id
)

update cookbook.recipes
set
    ingredient_count = (
        select count(*)
        from linked
    )
where id = :recipe_id
returning ingredient_count;

-- name: unlink_recipe_ingredients(recipe_id)!
-- Removes every ingredient link of a recipe (before they are written anew).
delete from cookbook.recipe_ingredients
where recipe_id = :recipe_id;
