-- Recipe views: an append-only access log and one exact counter per recipe.

-- name: record_views(recipe_ids, viewed_ats)!
-- Records a batch of views: one access-log row each, and each recipe's counter raised by its number
-- of views in one `insert ... on conflict do update` (rows in recipe order, so concurrent batches
-- cannot deadlock). Views of recipes deleted meanwhile are dropped.
with viewed as (
    select
        v.recipe_id,
        v.viewed_at
    from unnest(:recipe_ids::bigint[], :viewed_ats::timestamptz[]) as v (recipe_id, viewed_at)
    where exists (
        select 1
        from cookbook.recipes as r
        where r.id = v.recipe_id
    )
),

logged as (
    insert into cookbook.recipe_views (recipe_id, viewed_at)
    select
        viewed.recipe_id,
        viewed.viewed_at
    from viewed
)

insert into cookbook.recipe_view_counts as vc (recipe_id, view_count)
select
    viewed.recipe_id,
    count(*) as view_count
from viewed
group by viewed.recipe_id
order by viewed.recipe_id
on conflict (recipe_id) do update
    set view_count = vc.view_count + excluded.view_count;
