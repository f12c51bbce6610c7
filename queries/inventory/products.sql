-- Products: listing and search (keyset-paginated in id order), detail, create, update, delete.
-- The optional filters are written `:x is null or ...`: app sessions run with
-- plan_cache_mode = force_custom_plan, so the planner sees the values and drops unused branches.

-- name: products_page(category_id, q, low_stock, after_id, page_size)
-- Returns one page of products in id order, optionally of one category, whose name contains q
-- (any case, folded by public.fold_name) or whose SKU starts with it, and at or below their reorder level.
-- LIKE wildcards in q are escaped, so they match literally; the folded patterns are constants the
-- planner estimates and matches to the trigram index on fold_name(name) and the "C" index on sku_key
-- (SKUs are ASCII, where fold_name and lower agree).
select
    p.id,
    p.name,
    p.sku,
    p.quantity,
    p.price,
    p.reorder_level,
    p.category_id,
    p.created_at,
    p.updated_at
from inventory.products as p
where
    (:category_id::bigint is null or p.category_id = :category_id)
    and (
        :q::text is null
        or public.fold_name(p.name)
        like '%' || replace(replace(replace(public.fold_name(:q), '\', '\\'), '%', '\%'), '_', '\_') || '%'
        or p.sku_key
        like replace(replace(replace(public.fold_name(:q), '\', '\\'), '%', '\%'), '_', '\_') || '%'
    )
    and (:low_stock::boolean is not true or p.quantity <= p.reorder_level)
    and (:after_id::bigint is null or p.id > :after_id)
order by p.id
limit :page_size;

-- name: products_page_json(category_id, q, low_stock, after_id, page_size)^
-- Returns products_page's page as the answer's JSON, built here (json_build_object per product, the
-- fields and types of schemas.Product): body, an array of up to page_size products; items, how many;
-- next_id, the last product's id when a next page exists (else null). Fetches page_size + 1 rows.
-- price and the timestamps are written as pydantic writes them (12.0, never 12; UTC with Z, microseconds
-- only when not zero), so clients see the same values and types.
-- not null: body, items
with page as (
    select
        p.id,
        p.name,
        p.sku,
        p.quantity,
        p.price,
        p.reorder_level,
        p.category_id,
        p.created_at,
        p.updated_at
    from inventory.products as p
    where
        (:category_id::bigint is null or p.category_id = :category_id)
        and (
            :q::text is null
            or public.fold_name(p.name)
            like '%' || replace(replace(replace(public.fold_name(:q), '\', '\\'), '%', '\%'), '_', '\_') || '%'
            or p.sku_key
            like replace(replace(replace(public.fold_name(:q), '\', '\\'), '%', '\%'), '_', '\_') || '%'
        )
        and (:low_stock::boolean is not true or p.quantity <= p.reorder_level)
        and (:after_id::bigint is null or p.id > :after_id)
    order by p.id
    limit :page_size::integer + 1
),

numbered as (
    select
        pg.id,
        pg.name,
        pg.sku,
        pg.quantity,
        pg.price,
        pg.reorder_level,
        pg.category_id,
        pg.created_at,
        pg.updated_at,
        row_number() over (order by pg.id) as position
    from page as pg
)

select
    coalesce(
        json_agg(
            json_build_object(
                'id', pg.id,
                'name', pg.name,
                'sku', pg.sku,
                'quantity', pg.quantity,
                'price', case
                    when pg.price = trunc(pg.price) then (trunc(pg.price)::text || '.0')::json
                    else to_json(pg.price::float8)
                end,
                'reorder_level', pg.reorder_level,
                'category_id', pg.category_id,
                'created_at', to_char(pg.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
                || case when to_char(pg.created_at, 'US') = '000000' then '' else to_char(pg.created_at, '.US') end
                || 'Z',
                'updated_at', to_char(pg.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
                || case when to_char(pg.updated_at, 'US') = '000000' then '' else to_char(pg.updated_at, '.US') end
                || 'Z'
            )
            order by pg.position
        ) filter (where pg.position <= :page_size),
        '[]'
    )::text as body,
    count(*) filter (where pg.position <= :page_size) as items,
    case when count(*) > :page_size then max(pg.id) filter (where pg.position = :page_size) end as next_id
from numbered as pg;

-- name: product_by_id(product_id)^
-- Returns one product, or nothing.
select
    p.id,
    p.name,
    p.sku,
    p.quantity,
    p.price,
    p.reorder_level,
    p.category_id,
    p.created_at,
    p.updated_at
from inventory.products as p
where p.id = :product_id;

-- name: insert_product(name, sku, quantity, price, reorder_level, category_id)^
-- Inserts a product with its initial stock movement and returns it, or nothing when the SKU is taken
-- in any case. An unknown category is a foreign-key error.
with created as (
    insert into inventory.products (name, sku, quantity, price, reorder_level, category_id)
    values (:name, :sku, :quantity, :price, :reorder_level, :category_id)
    on conflict (sku_key) do nothing
    returning id, name, sku, quantity, price, reorder_level, category_id, created_at, updated_at
),

initial as (
    insert into inventory.stock_movements (product_id, delta, reason, quantity_after)
    select
        c.id as product_id,
        c.quantity as delta,
        'initial' as reason,
        c.quantity as quantity_after
    from created as c
)

select
    c.id,
    c.name,
    c.sku,
    c.quantity,
    c.price,
    c.reorder_level,
    c.category_id,
    c.created_at,
    c.updated_at
from created as c;

-- name: update_product(product_id, name, price, reorder_level, category_id)^
-- Changes the given fields of a product (null keeps a field) and returns it, or nothing if absent.
-- The quantity is not among them: it changes only with a stock movement (stock.sql).
update inventory.products
set
    name = coalesce(:name, name),
    price = coalesce(:price, price),
    reorder_level = coalesce(:reorder_level, reorder_level),
    category_id = coalesce(:category_id, category_id),
    updated_at = now()
where id = :product_id
returning id, name, sku, quantity, price, reorder_level, category_id, created_at, updated_at;

-- name: delete_product(product_id)$
-- Deletes a product (its movements go with it) and returns its id, or nothing if absent.
delete from inventory.products
where id = :product_id
returning id;
