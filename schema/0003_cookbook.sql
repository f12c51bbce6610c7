-- Cookbook: categories, ingredients, recipes (one category each), recipe-ingredient links, and the
-- view records (an append-only access log plus one exact counter per recipe).
-- Applied in one transaction by `catalog migrate`; the timeouts keep a blocked DDL from queueing
-- every other session behind its lock.
set local lock_timeout = '10s';
set local statement_timeout = '10min';

create schema cookbook;

create table cookbook.categories (
    id bigint generated always as identity primary key,
    name text not null,
    -- Case-folded name: one category per name whatever the case, and the keyset order of the list.
    name_key text collate "C" generated always as (lower(name)) stored,
    created_at timestamptz not null default now(),
    constraint categories_name_length check (char_length(name) between 1 and 100),
    constraint categories_name_trimmed check (name = btrim(name)),
    constraint categories_name_key_unique unique (name_key)
);

create table cookbook.ingredients (
    id bigint generated always as identity primary key,
    name text not null,
    -- Case-folded name: one ingredient per name whatever the case, prefix search and keyset order.
    name_key text collate "C" generated always as (lower(name)) stored,
    created_at timestamptz not null default now(),
    constraint ingredients_name_length check (char_length(name) between 1 and 100),
    constraint ingredients_name_trimmed check (name = btrim(name)),
    constraint ingredients_name_key_unique unique (name_key)
);

create table cookbook.recipes (
    id bigint generated always as identity primary key,
    title text not null,
    description text,
    instructions text,
    category_id bigint not null,
    servings smallint,
    prep_minutes integer,
    cook_minutes integer,
    -- Number of rows in recipe_ingredients for this recipe, kept in the transaction that writes
    -- them: "cookable" compares it with the number of links found in the given set.
    ingredient_count smallint not null default 0,
    created_at timestamptz not null default now(),
    constraint recipes_category_id_fkey foreign key (category_id) references cookbook.categories (id),
    constraint recipes_title_length check (char_length(title) between 1 and 200),
    constraint recipes_title_trimmed check (title = btrim(title)),
    constraint recipes_description_length check (char_length(description) <= 2000),
    constraint recipes_instructions_length check (char_length(instructions) <= 20000),
    constraint recipes_servings_range check (servings between 1 and 1000),
    constraint recipes_prep_minutes_range check (prep_minutes between 0 and 10080),
    constraint recipes_cook_minutes_range check (cook_minutes between 0 and 10080),
    constraint recipes_ingredient_count_range check (ingredient_count between 0 and 100)
);

-- A category's recipes newest first (also serves the category foreign key). Newest first without
-- a category walks the primary key backwards.
create index recipes_category_id_id_idx on cookbook.recipes (category_id, id);

-- One row per (recipe, ingredient). rarity_rank orders a recipe's ingredients from the rarest
-- (1) when the links were written; any fixed order makes "cookable" correct, a good one makes it fast.
create table cookbook.recipe_ingredients (
    recipe_id bigint not null,
    ingredient_id bigint not null,
    quantity text,
    unit text,
    position smallint not null,
    rarity_rank smallint not null,
    constraint recipe_ingredients_pkey primary key (recipe_id, ingredient_id),
    constraint recipe_ingredients_recipe_id_fkey foreign key (recipe_id)
    references cookbook.recipes (id) on delete cascade,
    constraint recipe_ingredients_ingredient_id_fkey foreign key (ingredient_id)
    references cookbook.ingredients (id),
    constraint recipe_ingredients_quantity_length check (char_length(quantity) between 1 and 50),
    constraint recipe_ingredients_unit_length check (char_length(unit) between 1 and 30),
    constraint recipe_ingredients_position_range check (position between 1 and 100),
    constraint recipe_ingredients_rarity_rank_range check (rarity_rank between 1 and 100)
);

-- An ingredient's recipes newest first (search by ingredient; also serves the ingredient foreign key).
create index recipe_ingredients_ingredient_id_recipe_id_idx
on cookbook.recipe_ingredients (ingredient_id, recipe_id);

-- "Cookable" candidates: a recipe missing at most N of its ingredients (N <= 3) has one of its
-- N + 1 rarest ingredients in the set, so only those links are searched.
create index recipe_ingredients_ingredient_id_rarity_rank_idx
on cookbook.recipe_ingredients (ingredient_id, rarity_rank, recipe_id)
where rarity_rank <= 4;

-- Exact view counts: one row per recipe (created with the recipe), raised by the view writer with
-- one `insert ... on conflict do update` per batch; never updated by the GET that shows a recipe.
create table cookbook.recipe_view_counts (
    recipe_id bigint primary key,
    view_count bigint not null default 0,
    constraint recipe_view_counts_recipe_id_fkey foreign key (recipe_id)
    references cookbook.recipes (id) on delete cascade,
    constraint recipe_view_counts_nonnegative check (view_count >= 0)
);

-- Most viewed first, keyset on (view_count, recipe_id).
create index recipe_view_counts_view_count_recipe_id_idx
on cookbook.recipe_view_counts (view_count, recipe_id);

-- Append-only access log: one row per successful GET of a recipe.
create table cookbook.recipe_views (
    id bigint generated always as identity primary key,
    recipe_id bigint not null,
    viewed_at timestamptz not null,
    constraint recipe_views_recipe_id_fkey foreign key (recipe_id)
    references cookbook.recipes (id) on delete cascade
);

-- A recipe's views in time order (also serves the cascading delete of a recipe's views).
create index recipe_views_recipe_id_viewed_at_idx on cookbook.recipe_views (recipe_id, viewed_at);
