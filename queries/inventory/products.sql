-- Products: listing and search (keyset-paginated in id order), detail, create, update, delete.
-- The optional filters are written `:x is null or ...`: app sessions run with
-- plan_cache_mode = force_custom_plan, so the planner sees the values and drops unused branches.

-- name: products_page(category_id, q, low_stock, after_id, page_size)
-- Returns one page of products in id order, optionally of one category, whose name contains q
-- (any case) or whose SKU starts with it, and at or below their reorder level.
-- LIKE wildcards in q are escaped, so they match literally; the folded patterns are constants the
-- planner estimates and matches to the trigram index on lower(name) and the "C" index on sku_key.
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
        or lower(p.name) like '%' || replace(replace(replace(lower(:q), '\', '\\'), '%', '\%'), '_', '\_') || '%'
        or p.sku_key like replace(replace(replace(lower(:q), '\', '\\'), '%', '\%'), '_', '\_') || '%'
    )
    and (:low_stock::boolean is not true or p.quantity <= p.reorder_level)
    and (:after_id::bigint is null or p.id > :after_id)
order by p.id
limit :page_size;

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
