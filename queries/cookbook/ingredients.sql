-- Ingredients: names are unique whatever their case (name_key is public.fold_name(name), set by a trigger).

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
        or i.name_key like replace(replace(replace(public.fold_name(:name_prefix), '\', '\\'), '%', '\%'), '_', '\_')
        || '%'
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
-- Returns, for each given name in the order given, the id of the ingredient with that name (any
-- case, as public.fold_name folds it), or null when there is none.
select i.id
from unnest(:names::text[]) with ordinality as n (name, position)
left join cookbook.ingredients as i on public.fold_name(n.name) = i.name_key
order by n.position;

-- name: upsert_ingredients(names)
-- Returns, for each given name in the order given, the id of the ingredient with that name (any
-- case), creating the new ones.
-- not null: id
-- A name given in several spellings is created as first given. Names are written in name_key order,
-- so concurrent writers cannot deadlock; the no-op update makes a row a concurrent insert won
-- visible to `returning`.
with given as (
    select
        n.name,
        n.position,
        public.fold_name(n.name) as name_key
    from unnest(:names::text[]) with ordinality as n (name, position)
),

written as (
    insert into cookbook.ingredients (name)
    select distinct on (g.name_key) g.name
    from given as g
    order by g.name_key, g.position
    on conflict (name_key) do update
        set name = cookbook.ingredients.name
    returning id, name_key
)

select w.id
from given as g
inner join written as w on g.name_key = w.name_key
order by g.position;

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
