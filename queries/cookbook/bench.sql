-- Values `scripts/bench` picks once per run from the benchmark database (app/cookbook/bench.py).

-- name: bench_most_used_ingredient()$
-- Returns the id of the ingredient in the most recipes.
select ri.ingredient_id
from cookbook.recipe_ingredients as ri
group by ri.ingredient_id
order by count(*) desc, ri.ingredient_id asc
limit 1;

-- name: bench_least_used_ingredient()$
-- Returns the id of the ingredient in the fewest recipes (of those in any).
select ri.ingredient_id
from cookbook.recipe_ingredients as ri
group by ri.ingredient_id
order by count(*), ri.ingredient_id
limit 1;
