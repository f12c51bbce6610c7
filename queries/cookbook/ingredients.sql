-- Ingredients: names are unique whatever their case (name_key is the lower-cased name).

-- name: ingredients_page(name_prefix, after_name_key, page_size)
-- Returns one page of ingredients in name order, optionally those whose name starts with a prefix.
select
    i.id,
    i.name,
    i.name_key
from cookbook.ingredients as i
where
    (
        :name_prefix::text is null
        or i.name_key like replace(replace(replace(lower(:name_prefix), '\', '\\'), '%', '\%'), '_', '\_') || '%'
    )
    and (:after_name_key::text is null or i.name_key > :after_name_key)
order by i.name_key
limit :page_size;

-- name: ingredient_by_id(ingredient_id)^
-- Returns one ingredient, or nothing.
select
    i.id,
    i.name
from cookbook.ingredients as i
where i.id = :ingredient_id;

-- name: insert_ingredient(name)^
-- Inserts a new ingredient and returns it; a name taken in any case is a unique violation.
insert into cookbook.ingredients (name)
values (:name)
returning id, name;

-- name: delete_ingredient(ingredient_id)$
-- Deletes an ingredient no recipe uses and returns its id; one in use is a foreign-key error.
delete from cookbook.ingredients
where id = :ingredient_id
returning id;

-- name: ingredients_by_names(names)
-- Returns the id and lower-cased name of each existing ingredient with one of these names (any case).
-- not null: name_key
select
    i.id,
    i.name_key
from cookbook.ingredients as i
where i.name_key = any(array(select lower(n.name) from unnest(:names::text[]) as n (name)));

-- name: upsert_ingredients(names)
-- Returns the id and lower-cased name of the ingredients with these names, creating the new ones.
-- not null: name_key
-- Names are deduplicated and written in name_key order, so concurrent writers cannot deadlock;
-- the no-op update makes a row a concurrent insert won visible to `returning`.
insert into cookbook.ingredients (name)
select distinct on (lower(n.name)) n.name
from unnest(:names::text[]) as n (name)
order by lower(n.name), n.name
on conflict (name_key) do update
    set name = cookbook.ingredients.name
returning id, name_key;

-- name: unknown_ingredient_ids(ingredient_ids)
-- Returns the given ids that no ingredient has, in the order given.
select g.id
from unnest(:ingredient_ids::bigint[]) with ordinality as g (id, n)
where
    not exists (
        select 1
        from cookbook.ingredients as i
        where i.id = g.id
    )
order by g.n;

-- name: ingredient_frequencies(ingredient_ids)
-- Returns each given ingredient's number of recipes, counted up to 10,000, rarest first.
-- not null: ingredient_id, recipe_count
with counted as (
    select
        g.id as ingredient_id,
        (
            select count(*)
            from (
                select 1 as found
                from cookbook.recipe_ingredients as ri
                where ri.ingredient_id = g.id
                order by ri.recipe_id
                limit 10000
            ) as sample
        ) as recipe_count
    from unnest(:ingredient_ids::bigint[]) as g (id)
)

select
    counted.ingredient_id,
    counted.recipe_count
from counted
order by counted.recipe_count asc, counted.ingredient_id desc;
