-- Data for demos and scale tests. The synthetic cookbook is deterministic: every value derives
-- from the row number through hashint8extended, so two loads of the same size are identical.

-- name: has_recipes()$
-- Returns whether there is at least one recipe (read from the primary key, not a count).
select exists(
    select 1
    from cookbook.recipes
) as has_recipes;

-- name: truncate_cookbook#
-- Empties every cookbook table and restarts the identities.
truncate cookbook.recipe_views, cookbook.recipe_view_counts, cookbook.recipe_ingredients, cookbook.recipes,
cookbook.ingredients, cookbook.categories
restart identity;

-- name: synthetic_categories(category_count)!
-- Inserts categories 1..category_count: real course names first, then "<region> <course>",
-- created an hour apart from 2015.
insert into cookbook.categories (id, name, created_at)
overriding system value
select
    g.i,
    case
        when g.i <= 24
            then (array[
                'Dessert', 'Main', 'Appetizer', 'Salad', 'Soup', 'Breakfast', 'Side Dish', 'Bread',
                'Snack', 'Drink', 'Sauce', 'Pasta', 'Seafood', 'Vegetarian', 'Vegan', 'Baking',
                'Grill', 'Stew', 'Curry', 'Sandwich', 'Pizza', 'Rice', 'Noodles', 'Preserves'
            ])[g.i]
        else (array['Nordic', 'Levantine', 'Andean', 'Creole', 'Alpine', 'Coastal', 'Highland', 'Steppe'])[
            1 + (g.i - 25) % 8
        ] || ' ' || (array['Feast', 'Street Food', 'Classics', 'Festival', 'Everyday'])[1 + ((g.i - 25) / 8) % 5]
        || case when g.i > 64 then ' ' || g.i::text else '' end
    end as name,
    timestamptz '2015-01-01 00:00:00+00' + g.i * interval '1 hour' as created_at
from generate_series(1, :category_count::integer) as g (i);

-- name: synthetic_ingredients(ingredient_count)!
-- Inserts ingredients 1..ingredient_count: common pantry names first (1 Salt, 2 Water), then
-- "<variety> <produce>" names, created a minute apart from 2015; ids rise as ingredients get rarer
-- (see synthetic_recipes).
insert into cookbook.ingredients (id, name, created_at)
overriding system value
select
    g.i,
    case
        when g.i <= 40
            then (array[
                'Salt', 'Water', 'Olive Oil', 'Garlic', 'Onion', 'Black Pepper', 'Butter', 'Sugar', 'Flour', 'Eggs',
                'Milk', 'Lemon', 'Tomato', 'Parsley', 'Cheese', 'Carrot', 'Potato', 'Rice', 'Chicken', 'Cream',
                'Honey', 'Vinegar', 'Basil', 'Thyme', 'Cumin', 'Paprika', 'Ginger', 'Soy Sauce', 'Yogurt', 'Celery',
                'Mushrooms', 'Spinach', 'Beef', 'Cinnamon', 'Bay Leaf', 'Chickpeas', 'Lentils', 'Oats', 'Apple',
                'Coriander'
            ])[g.i]
        else (array[
            'Smoked', 'Pickled', 'Roasted', 'Wild', 'Toasted', 'Candied', 'Fermented', 'Dried', 'Heirloom', 'Baby',
            'Red', 'Golden', 'Purple', 'Sweet', 'Bitter', 'Mountain', 'Sea', 'Forest', 'Winter', 'Spring'
        ])[1 + (g.i - 41) % 20] || ' ' || (array[
            'Fennel', 'Plum', 'Quince', 'Sorrel', 'Chard', 'Kohlrabi', 'Medlar', 'Samphire', 'Salsify', 'Yuzu',
            'Persimmon', 'Lovage', 'Amaranth', 'Teff', 'Freekeh', 'Sumac', 'Juniper', 'Rhubarb', 'Damson', 'Cardoon',
            'Tamarind', 'Kumquat', 'Burdock', 'Loquat', 'Mulberry'
        ])[1 + ((g.i - 41) / 20) % 25] || case when g.i > 540 then ' ' || g.i::text else '' end
    end as name,
    timestamptz '2015-01-01 00:00:00+00' + g.i * interval '1 minute' as created_at
from generate_series(1, :ingredient_count::integer) as g (i);

-- name: synthetic_recipes(first_id, last_id, category_count, ingredient_count)!
-- Inserts recipes first_id..last_id with 3 to 15 ingredients each, their view counters and view log.
-- Skew: Salt (1) in 60% of recipes, Water (2) in 35%, the rest drawn with density falling with the
-- id (id 3 in ~20%, the highest ids in a handful); the last 10 ingredients are in no recipe.
-- Categories skew to low ids; the last 2 have no recipes. About 11% of recipes have views (up to 99).
-- rarity_rank follows the id downwards (higher id = rarer), which is how the draw is skewed.
with draws as (
    select
        g.i as recipe_id,
        s.n,
        3 + (hashint8extended(g.i, 20) & 1023) % 13 as wanted,
        case
            when s.n = 1 and (hashint8extended(g.i, 21) & 1023) < 614 then 1
            when s.n = 2 and (hashint8extended(g.i, 22) & 1023) < 358 then 2
            else 3 + floor(
                (:ingredient_count::integer - 13)
                * power((hashint8extended(g.i * 32 + s.n, 23) & 2147483647)::double precision / 2147483648.0, 2.5)
            )::bigint
        end as ingredient_id
    from generate_series(:first_id::bigint, :last_id::bigint) as g (i)
    cross join generate_series(1, 24) as s (n)
),

drawn as (
    select distinct on (dw.recipe_id, dw.ingredient_id)
        dw.recipe_id,
        dw.ingredient_id,
        dw.n,
        dw.wanted
    from draws as dw
    order by dw.recipe_id asc, dw.ingredient_id asc, dw.n asc
),

kept as (
    select
        numbered.recipe_id,
        numbered.ingredient_id,
        numbered.position,
        row_number() over (partition by numbered.recipe_id order by numbered.ingredient_id desc) as rarity_rank
    from (
        select
            dr.recipe_id,
            dr.ingredient_id,
            dr.wanted,
            row_number() over (partition by dr.recipe_id order by dr.n asc) as position
        from drawn as dr
    ) as numbered
    where numbered.position <= numbered.wanted
),

counted as (
    select
        k.recipe_id,
        count(*) as ingredient_count
    from kept as k
    group by k.recipe_id
),

shaped as (
    select
        ct.recipe_id as id,
        ct.ingredient_count,
        1 + floor(
            :category_count::integer * power(
                (hashint8extended(ct.recipe_id, 24) & 2147483647)::double precision
                / 2147483648.0, 2
            )
        )::bigint as category_id,
        (hashint8extended(ct.recipe_id, 25) & 2147483647) as h1,
        (hashint8extended(ct.recipe_id, 26) & 2147483647) as h2,
        floor(100 * power((hashint8extended(ct.recipe_id, 27) & 2147483647)::double precision / 2147483648.0, 40))
        ::integer as views
    from counted as ct
),

recipes as (
    insert into cookbook.recipes (
        id, title, description, instructions, category_id, servings, prep_minutes, cook_minutes,
        ingredient_count, created_at
    )
    overriding system value
    select
        sh.id,
        (array[
            'Rustic', 'Quick', 'Slow-Cooked', 'Spiced', 'Creamy', 'Crispy', 'Smoky', 'Herbed', 'Golden', 'Tangy',
            'Hearty', 'Light', 'Sticky', 'Zesty', 'Charred', 'Silky', 'Classic', 'Midnight', 'Sunday', 'Festive'
        ])[1 + sh.h1 % 20] || ' ' || (array[
            'Lentil', 'Chickpea', 'Mushroom', 'Pumpkin', 'Lemon', 'Garlic', 'Tomato', 'Chicken', 'Salmon', 'Beef',
            'Spinach', 'Apple', 'Plum', 'Almond', 'Honey', 'Ginger', 'Potato', 'Rice', 'Coconut', 'Fennel',
            'Leek', 'Pepper', 'Walnut', 'Cheese', 'Carrot', 'Oat', 'Cherry', 'Pork', 'Bean', 'Corn'
        ])[1 + (sh.h1 / 20) % 30] || ' ' || (array[
            'Soup', 'Stew', 'Tart', 'Salad', 'Pie', 'Bake', 'Curry', 'Risotto', 'Gratin', 'Fritters',
            'Pancakes', 'Skewers', 'Bowl', 'Crumble', 'Dumplings', 'Flatbread', 'Pilaf', 'Roast', 'Cake', 'Hash'
        ])[1 + (sh.h1 / 600) % 20] || ' No. ' || sh.id::text as title,
        'A ' || (array['weeknight', 'family', 'festive', 'make-ahead', 'one-pot', 'picnic'])[1 + sh.h2 % 6]
        || ' recipe for ' || (2 + sh.h2 % 7)::text || ' people.' as description,
        'Prepare the ingredients. Combine them in order, cook until done, season to taste and serve.'
            as instructions,
        sh.category_id,
        (2 + sh.h2 % 7)::smallint as servings,
        (5 + (sh.h2 / 7) % 40)::integer as prep_minutes,
        ((sh.h2 / 280) % 120)::integer as cook_minutes,
        sh.ingredient_count::smallint,
        timestamptz '2015-01-01 00:00:00+00' + sh.id * interval '17 minutes' as created_at
    from shaped as sh
    order by sh.id
),

links as (
    insert into cookbook.recipe_ingredients (recipe_id, ingredient_id, quantity, unit, position, rarity_rank)
    select
        k.recipe_id,
        k.ingredient_id,
        (1 + (k.recipe_id + k.ingredient_id) % 4)::text as quantity,
        (array['g', 'ml', 'tbsp', 'tsp', 'cup', 'pinch'])[1 + (k.recipe_id * 7 + k.ingredient_id) % 6] as unit,
        k.position,
        k.rarity_rank
    from kept as k
    order by k.recipe_id, k.ingredient_id
),

counters as (
    insert into cookbook.recipe_view_counts (recipe_id, view_count)
    select
        sh.id,
        sh.views
    from shaped as sh
    order by sh.id
)

insert into cookbook.recipe_views (recipe_id, viewed_at)
select
    sh.id,
    timestamptz '2025-01-01 00:00:00+00'
    + (hashint8extended(sh.id * 128 + v.n, 28) & 33554431) * interval '1 second' as viewed_at
from shaped as sh
cross join generate_series(1, sh.views) as v (n)
order by sh.id, v.n;

-- name: reset_identities#
-- Moves each identity past the highest id, after rows were inserted with explicit ids.
select setval(pg_get_serial_sequence('cookbook.categories', 'id'), greatest(max(id), 1)) as categories
from cookbook.categories;
select setval(pg_get_serial_sequence('cookbook.ingredients', 'id'), greatest(max(id), 1)) as ingredients
from cookbook.ingredients;
select setval(pg_get_serial_sequence('cookbook.recipes', 'id'), greatest(max(id), 1)) as recipes
from cookbook.recipes;

-- name: analyze_cookbook#
-- Refreshes planner statistics and the visibility map after a bulk load.
vacuum (analyze) cookbook.categories, cookbook.ingredients, cookbook.recipes, cookbook.recipe_ingredients,
cookbook.recipe_view_counts, cookbook.recipe_views;
