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
-- missing ingredients. A recipe missing exactly m has one of its m + 1 rarest ingredients in the set,
-- so level m's candidates come only from links of rank <= m + 1 (partial index), where common
-- ingredients such as salt are rare. Levels are read in order, each sorted by views, and the page
-- stops pulling rows once full: level 0 alone usually fills it, and levels past the page are never
-- computed. A candidate costs two probes: its links (one range of the primary key) and its counter.
-- nullable: after_views, after_id
-- not null: missing_count, missing
with page as (
    select
        lv.missing_count,
        hit.id,
        hit.view_count
    from generate_series(coalesce(:after_missing::integer, 0), :max_missing::integer) as lv (missing_count)
    cross join
        lateral ( -- noqa: ST05
            select
                scored.id,
                scored.view_count
            from (
                select
                    cd.recipe_id as id,
                    (
                        select count(*)
                        from cookbook.recipe_ingredients as h
                        where h.recipe_id = cd.recipe_id and h.ingredient_id <> all(:have_ids::bigint[])
                    ) as missing_count,
                    coalesce((
                        select vc.view_count
                        from cookbook.recipe_view_counts as vc
                        where vc.recipe_id = cd.recipe_id
                    ), 0) as view_count
                from (
                    select distinct a.recipe_id
                    from cookbook.recipe_ingredients as a
                    where
                        a.ingredient_id = any(:have_ids::bigint[])
                        and a.rarity_rank <= :max_missing::integer + 1
                        and a.rarity_rank <= lv.missing_count + 1
                ) as cd
            ) as scored
            where
                scored.missing_count = lv.missing_count
                and (
                    :after_missing::integer is null
                    or lv.missing_count > :after_missing
                    or (scored.view_count, scored.id) < (:after_views::bigint, :after_id::bigint)
                )
            order by scored.view_count desc, scored.id desc
            limit :page_size
        ) as hit
    -- The nested loop yields level by level in each level's order; no sort above it, so the limit
    -- stops before the next level is computed.
    limit :page_size -- noqa: AM09
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
    p.missing_count::integer as missing_count,
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
            )
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
-- nullable: after_id
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

-- name: recipes_page_json(category_id, ingredient_ids, after_id, page_size)^
-- Returns recipes_page' page as the answer's JSON, built here (json_build_object per recipe, the fields
-- and types of schemas.RecipeSummary; created_at as pydantic writes it: UTC with Z, microseconds only
-- when not zero): body, an array of up to page_size recipes; items, how many; next_id, the last one's
-- id when a next page exists (else null). Fetches page_size + 1 rows.
-- not null: body, items
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
                'created_at', to_char(r.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
                || case when to_char(r.created_at, 'US') = '000000' then '' else to_char(r.created_at, '.US') end
                || 'Z',
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
    count(*) filter (where p.position <= :page_size) as items,
    case when count(*) > :page_size then max(p.id) filter (where p.position = :page_size) end as next_id
from numbered as p
inner join cookbook.recipes as r on p.id = r.id
inner join cookbook.categories as c on r.category_id = c.id
left join cookbook.recipe_view_counts as vc on r.id = vc.recipe_id;

-- name: recipes_by_ingredient_page_json(driver_id, other_ids, category_id, after_id, page_size)^
-- Returns recipes_by_ingredient_page' page as the answer's JSON, built here (json_build_object per recipe, the fields
-- and types of schemas.RecipeSummary; created_at as pydantic writes it: UTC with Z, microseconds only
-- when not zero): body, an array of up to page_size recipes; items, how many; next_id, the last one's
-- id when a next page exists (else null). Fetches page_size + 1 rows.
-- not null: body, items
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
                'created_at', to_char(r.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
                || case when to_char(r.created_at, 'US') = '000000' then '' else to_char(r.created_at, '.US') end
                || 'Z',
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
    count(*) filter (where p.position <= :page_size) as items,
    case when count(*) > :page_size then max(p.id) filter (where p.position = :page_size) end as next_id
from numbered as p
inner join cookbook.recipes as r on p.id = r.id
inner join cookbook.categories as c on r.category_id = c.id
left join cookbook.recipe_view_counts as vc on r.id = vc.recipe_id;

-- name: popular_page_json(after_views, after_id, page_size)^
-- Returns popular_page's page as the answer's JSON, built here (json_build_object per recipe, the fields
-- and types of schemas.RecipeSummary; created_at as pydantic writes it: UTC with Z, microseconds only
-- when not zero): body, an array of up to page_size recipes; items, how many; next_views and next_id,
-- the last one's keyset when a next page exists (else null). Fetches page_size + 1 rows.
-- nullable: after_id
-- not null: body, items
with page as (
    select
        vc.recipe_id,
        vc.view_count
    from cookbook.recipe_view_counts as vc
    where :after_views::bigint is null or (vc.view_count, vc.recipe_id) < (:after_views, :after_id::bigint)
    order by vc.view_count desc, vc.recipe_id desc
    limit :page_size::integer + 1
),

numbered as (
    select
        pg.recipe_id,
        pg.view_count,
        row_number() over (order by pg.view_count desc, pg.recipe_id desc) as position
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
                'created_at', to_char(r.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
                || case when to_char(r.created_at, 'US') = '000000' then '' else to_char(r.created_at, '.US') end
                || 'Z',
                'ingredients', array(
                    select ri.ingredient_id
                    from cookbook.recipe_ingredients as ri
                    where ri.recipe_id = r.id
                    order by ri.position asc
                ),
                'view_count', p.view_count
            )
            order by p.position
        ) filter (where p.position <= :page_size),
        '[]'
    )::text as body,
    count(*) filter (where p.position <= :page_size) as items,
    case when count(*) > :page_size then max(p.view_count) filter (where p.position = :page_size) end as next_views,
    case when count(*) > :page_size then max(p.recipe_id) filter (where p.position = :page_size) end as next_id
from numbered as p
inner join cookbook.recipes as r on p.recipe_id = r.id
inner join cookbook.categories as c on r.category_id = c.id;

-- name: cookable_page_json(have_ids, max_missing, after_missing, after_views, after_id, page_size)^
-- Returns cookable_page's page as the answer's JSON, built here (json_build_object per recipe, the fields
-- and types of schemas.CookableRecipe; created_at as pydantic writes it: UTC with Z, microseconds only
-- when not zero): body, an array of up to page_size recipes; items, how many; next_missing, next_views
-- and next_id, the last one's keyset when a next page exists (else null). Fetches page_size + 1 rows.
-- nullable: after_views, after_id
-- not null: body, items
with page as (
    select
        lv.missing_count,
        hit.id,
        hit.view_count
    from generate_series(coalesce(:after_missing::integer, 0), :max_missing::integer) as lv (missing_count)
    cross join
        lateral ( -- noqa: ST05
            select
                scored.id,
                scored.view_count
            from (
                select
                    cd.recipe_id as id,
                    (
                        select count(*)
                        from cookbook.recipe_ingredients as h
                        where h.recipe_id = cd.recipe_id and h.ingredient_id <> all(:have_ids::bigint[])
                    ) as missing_count,
                    coalesce((
                        select vc.view_count
                        from cookbook.recipe_view_counts as vc
                        where vc.recipe_id = cd.recipe_id
                    ), 0) as view_count
                from (
                    select distinct a.recipe_id
                    from cookbook.recipe_ingredients as a
                    where
                        a.ingredient_id = any(:have_ids::bigint[])
                        and a.rarity_rank <= :max_missing::integer + 1
                        and a.rarity_rank <= lv.missing_count + 1
                ) as cd
            ) as scored
            where
                scored.missing_count = lv.missing_count
                and (
                    :after_missing::integer is null
                    or lv.missing_count > :after_missing
                    or (scored.view_count, scored.id) < (:after_views::bigint, :after_id::bigint)
                )
            order by scored.view_count desc, scored.id desc
            limit :page_size::integer + 1
        ) as hit
    -- The nested loop yields level by level in each level's order; no sort above it, so the limit
    -- stops before the next level is computed.
    limit :page_size::integer + 1 -- noqa: AM09
),

numbered as (
    select
        pg.id,
        pg.missing_count,
        pg.view_count,
        row_number() over (order by pg.missing_count asc, pg.view_count desc, pg.id desc) as position
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
                'created_at', to_char(r.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
                || case when to_char(r.created_at, 'US') = '000000' then '' else to_char(r.created_at, '.US') end
                || 'Z',
                'ingredients', array(
                    select ri.ingredient_id
                    from cookbook.recipe_ingredients as ri
                    where ri.recipe_id = r.id
                    order by ri.position asc
                ),
                'view_count', p.view_count,
                'missing_count', p.missing_count::integer,
                'missing', (
                    select
                        coalesce(
                            json_agg(json_build_object('id', i.id, 'name', i.name) order by ri.position asc),
                            '[]'::json
                        )
                    from cookbook.recipe_ingredients as ri
                    inner join cookbook.ingredients as i on ri.ingredient_id = i.id
                    where ri.recipe_id = r.id and ri.ingredient_id <> all(:have_ids::bigint[])
                )
            )
            order by p.position
        ) filter (where p.position <= :page_size),
        '[]'
    )::text as body,
    count(*) filter (where p.position <= :page_size) as items,
    case
        when count(*) > :page_size then max(p.missing_count) filter (where p.position = :page_size)
    end::integer as next_missing,
    case when count(*) > :page_size then max(p.view_count) filter (where p.position = :page_size) end as next_views,
    case when count(*) > :page_size then max(p.id) filter (where p.position = :page_size) end as next_id
from numbered as p
inner join cookbook.recipes as r on p.id = r.id
inner join cookbook.categories as c on r.category_id = c.id;
