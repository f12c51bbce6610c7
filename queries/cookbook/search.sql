-- Recipe lists: newest first (optionally by category and ingredients), cookable, most viewed.
-- Every list is keyset-paginated; the page is cut before names and ingredient ids are read for its rows.
-- The optional filters are written `:x is null or ...`: app sessions run with
-- plan_cache_mode = force_custom_plan, so the planner sees the values and drops unused branches.

-- name: recipes_page(category_id, ingredient_ids, after_id, page_size)
-- Returns one page of recipes, newest first, optionally of one category and containing every given
-- ingredient. Walks the primary key or the category's index; used without ingredients, or when the
-- category is rarer than every ingredient asked for.
with page as (
    select r.id
    from cookbook.recipes as r
    where
        (:category_id::bigint is null or r.category_id = :category_id)
        and (:after_id::bigint is null or r.id < :after_id)
        and (
            cardinality(:ingredient_ids::bigint[]) = 0
            or (
                select count(*)
                from cookbook.recipe_ingredients as ri
                where ri.recipe_id = r.id and ri.ingredient_id = any(:ingredient_ids::bigint[])
            ) = cardinality(:ingredient_ids::bigint[])
        )
    order by r.id desc
    limit :page_size
)

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
        order by ri.position asc
    ) as ingredients,
    coalesce(vc.view_count, 0) as view_count
from page as p
inner join cookbook.recipes as r on p.id = r.id
inner join cookbook.categories as c on r.category_id = c.id
left join cookbook.recipe_view_counts as vc on r.id = vc.recipe_id
order by r.id desc;

-- name: recipes_by_ingredient_page(driver_id, other_ids, category_id, after_id, page_size)
-- Returns one page of recipes containing the driver ingredient and every other given one, newest
-- first, optionally of one category. Walks the driver's links backwards (the app passes the rarest
-- ingredient as the driver) and checks the others on each recipe's primary-key links.
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
    limit :page_size
)

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
        order by ri.position asc
    ) as ingredients,
    coalesce(vc.view_count, 0) as view_count
from page as p
inner join cookbook.recipes as r on p.id = r.id
inner join cookbook.categories as c on r.category_id = c.id
left join cookbook.recipe_view_counts as vc on r.id = vc.recipe_id
order by r.id desc;

-- name: cookable_page(have_ids, max_missing, after_missing, after_views, after_id, page_size)
-- Returns one page of recipes that use at least one of the given ingredients and miss at most
-- max_missing (0 to 3) of their own, fewest missing first, then most viewed, then newest, with the
-- ids of the missing ingredients. Candidates come only from links ranked among a recipe's
-- max_missing + 1 rarest ingredients (partial index): a recipe missing at most N has one of those
-- in the set, and a common ingredient such as salt is rarely among them.
with candidates as (
    select distinct a.recipe_id
    from cookbook.recipe_ingredients as a
    where
        a.ingredient_id = any(:have_ids::bigint[])
        and a.rarity_rank <= :max_missing::integer + 1
),

scored as (
    select
        r.id,
        r.ingredient_count - (
            select count(*)
            from cookbook.recipe_ingredients as h
            where h.recipe_id = r.id and h.ingredient_id = any(:have_ids::bigint[])
        ) as missing_count,
        coalesce(vc.view_count, 0) as view_count
    from candidates as cd
    inner join cookbook.recipes as r on cd.recipe_id = r.id
    left join cookbook.recipe_view_counts as vc on r.id = vc.recipe_id
    where r.ingredient_count <= cardinality(:have_ids::bigint[]) + :max_missing::integer
),

page as (
    select
        s.id,
        s.missing_count,
        s.view_count
    from scored as s
    where
        s.missing_count <= :max_missing::integer
        and (
            :after_missing::integer is null
            or (s.missing_count, -s.view_count, -s.id) > (:after_missing, -:after_views::bigint, -:after_id::bigint)
        )
    order by s.missing_count asc, s.view_count desc, s.id desc
    limit :page_size
)

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
    p.view_count,
    p.missing_count,
    array(
        select ri.ingredient_id
        from cookbook.recipe_ingredients as ri
        where ri.recipe_id = r.id
        order by ri.position asc
    ) as ingredients,
    (
        select
            coalesce(
                json_agg(json_build_object('id', i.id, 'name', i.name) order by ri.position asc), '[]'::json
            )::text
        from cookbook.recipe_ingredients as ri
        inner join cookbook.ingredients as i on ri.ingredient_id = i.id
        where ri.recipe_id = r.id and ri.ingredient_id <> all(:have_ids::bigint[])
    ) as missing
from page as p
inner join cookbook.recipes as r on p.id = r.id
inner join cookbook.categories as c on r.category_id = c.id
order by p.missing_count asc, p.view_count desc, p.id desc;

-- name: popular_page(after_views, after_id, page_size)
-- Returns one page of recipes, most viewed first (ties newest first), read in order from the
-- counters' (view_count, recipe_id) index.
with page as (
    select
        vc.recipe_id,
        vc.view_count
    from cookbook.recipe_view_counts as vc
    where :after_views::bigint is null or (vc.view_count, vc.recipe_id) < (:after_views, :after_id::bigint)
    order by vc.view_count desc, vc.recipe_id desc
    limit :page_size
)

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
    p.view_count,
    array(
        select ri.ingredient_id
        from cookbook.recipe_ingredients as ri
        where ri.recipe_id = r.id
        order by ri.position asc
    ) as ingredients
from page as p
inner join cookbook.recipes as r on p.recipe_id = r.id
inner join cookbook.categories as c on r.category_id = c.id
order by p.view_count desc, p.recipe_id desc;
