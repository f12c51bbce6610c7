-- Stock: every change of a product's quantity is one statement that updates the product and appends
-- the movement, so the quantity always equals the sum of the ledger.

-- name: change_stock(product_id, delta, reason, idempotency_key)^
-- Applies delta to the product's quantity unless that would go below zero, records the movement,
-- and returns it with replayed = false; when the product already has a movement with this
-- idempotency key, changes nothing and returns that movement with replayed = true. Returns nothing
-- when the product does not exist, has too little stock, or would hold more than the integer
-- column's largest value (2147483647; summed as bigint, so that case is no overflow error).
-- The update waits for a concurrent change of the same product and then re-checks the quantity on
-- the new row. A concurrent request with the same key that got past `previous` fails the unique
-- key on insert, which undoes its update with the whole statement; the caller then reads the
-- first movement (movement_by_key).
-- nullable: idempotency_key
-- not null: id, product_id, delta, reason, quantity_after, created_at, replayed
with previous as (
    select
        m.id,
        m.product_id,
        m.delta,
        m.reason,
        m.quantity_after,
        m.idempotency_key,
        m.created_at
    from inventory.stock_movements as m
    where
        m.product_id = :product_id
        and m.idempotency_key = :idempotency_key
),

changed as (
    update inventory.products as p
    set
        quantity = p.quantity + :delta,
        updated_at = now()
    where
        p.id = :product_id
        and p.quantity::bigint + :delta between 0 and 2147483647
        and not exists (select 1 from previous)
    returning p.id, p.quantity
),

recorded as (
    insert into inventory.stock_movements (product_id, delta, reason, quantity_after, idempotency_key)
    select
        c.id as product_id,
        :delta::integer as delta,
        :reason::text as reason,
        c.quantity as quantity_after,
        :idempotency_key::text as idempotency_key
    from changed as c
    returning id, product_id, delta, reason, quantity_after, idempotency_key, created_at
)

select
    r.id,
    r.product_id,
    r.delta,
    r.reason,
    r.quantity_after,
    r.idempotency_key,
    r.created_at,
    false as replayed
from recorded as r
union all
select
    pr.id,
    pr.product_id,
    pr.delta,
    pr.reason,
    pr.quantity_after,
    pr.idempotency_key,
    pr.created_at,
    true as replayed
from previous as pr;

-- name: movement_by_key(product_id, idempotency_key)^
-- Returns the product's movement recorded with this idempotency key, or nothing.
select
    m.id,
    m.product_id,
    m.delta,
    m.reason,
    m.quantity_after,
    m.idempotency_key,
    m.created_at,
    true as replayed
from inventory.stock_movements as m
where
    m.product_id = :product_id
    and m.idempotency_key = :idempotency_key;

-- name: product_quantity(product_id)$
-- Returns the product's current quantity, or nothing if it does not exist.
select p.quantity
from inventory.products as p
where p.id = :product_id;

-- name: movements_page(product_id, after_id, page_size)
-- Returns one page of a product's stock movements, newest first.
select
    m.id,
    m.product_id,
    m.delta,
    m.reason,
    m.quantity_after,
    m.idempotency_key,
    m.created_at
from inventory.stock_movements as m
where
    m.product_id = :product_id
    and (:after_id::bigint is null or m.id < :after_id)
order by m.id desc
limit :page_size;
