-- Inventory: categories, products with stock, and the stock movement ledger.
-- Applied in one transaction by `catalog migrate`; the timeouts keep a blocked DDL from queueing
-- every other session behind its lock.
set local lock_timeout = '10s';
set local statement_timeout = '10min';

-- Trigram indexes for "name contains" search (contrib; trusted, so no superuser is needed).
create extension if not exists pg_trgm;

create schema inventory;

create table inventory.categories (
    id bigint generated always as identity primary key,
    name text not null,
    -- Case-folded name: one category per name whatever the case.
    name_key text collate "C" generated always as (lower(name)) stored,
    -- Summary of the category's products, kept by the products triggers below, so a category's
    -- stock value is one row read instead of a scan of its products.
    product_count bigint not null default 0,
    stock_value numeric(24, 2) not null default 0,
    created_at timestamptz not null default now(),
    constraint categories_name_length check (char_length(name) between 1 and 100),
    constraint categories_name_trimmed check (name = btrim(name)),
    constraint categories_name_key_unique unique (name_key),
    constraint categories_product_count_nonnegative check (product_count >= 0),
    constraint categories_stock_value_nonnegative check (stock_value >= 0)
);

create table inventory.products (
    id bigint generated always as identity primary key,
    name text not null,
    sku text not null,
    -- Case-folded SKU: unique whatever the case, and in "C" order so `like 'prefix%'` uses its index.
    sku_key text collate "C" generated always as (lower(sku)) stored,
    -- Always the sum of the product's stock_movements deltas; changed only together with a movement.
    quantity integer not null default 0,
    price numeric(12, 2) not null,
    reorder_level integer not null default 0,
    category_id bigint not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint products_category_id_fkey foreign key (category_id) references inventory.categories (id),
    constraint products_name_length check (char_length(name) between 1 and 200),
    constraint products_name_trimmed check (name = btrim(name)),
    constraint products_sku_format check (sku ~ '^[A-Za-z0-9._-]{1,64}$'),
    constraint products_sku_key_unique unique (sku_key),
    constraint products_quantity_nonnegative check (quantity >= 0),
    constraint products_price_nonnegative check (price >= 0),
    constraint products_reorder_level_nonnegative check (reorder_level >= 0)
);

-- A category's products in id order (also serves the category foreign key).
create index products_category_id_id_idx on inventory.products (category_id, id);
-- Name contains text, any case: trigram index on the lower-cased name (serves `like '%text%'`).
create index products_name_trgm_idx on inventory.products using gin (lower(name) gin_trgm_ops);
-- Products at or below their reorder level: a few percent of rows, in id order, overall and per category.
create index products_low_stock_id_idx on inventory.products (id)
where quantity <= reorder_level;
create index products_low_stock_category_id_id_idx on inventory.products (category_id, id)
where quantity <= reorder_level;

-- The append-only stock ledger: one row per change of a product's quantity.
create table inventory.stock_movements (
    id bigint generated always as identity primary key,
    product_id bigint not null,
    delta integer not null,
    reason text not null,
    quantity_after integer not null,
    idempotency_key text,
    created_at timestamptz not null default now(),
    constraint stock_movements_product_id_fkey foreign key (product_id)
    references inventory.products (id) on delete cascade,
    -- Only the initial movement (a product created with no stock) may have a zero delta.
    constraint stock_movements_delta_nonzero check (delta <> 0 or reason = 'initial'),
    constraint stock_movements_reason_length check (char_length(reason) between 1 and 100),
    constraint stock_movements_quantity_after_nonnegative check (quantity_after >= 0),
    constraint stock_movements_idempotency_key_length check (char_length(idempotency_key) between 1 and 200),
    -- A retried request carrying the same key finds the first movement instead of applying twice.
    constraint stock_movements_product_id_idempotency_key_unique unique (product_id, idempotency_key)
);

-- A product's ledger newest first (also serves the cascading foreign key).
create index stock_movements_product_id_id_idx on inventory.stock_movements (product_id, id);

-- Category summaries follow every insert, update and delete of products: one aggregate of the
-- statement's rows (transition tables), so a bulk load costs one update per category it touched and
-- a stock change one update of its category's row.
create function inventory.products_category_totals() returns trigger
language plpgsql
as $$
begin
    if tg_op = 'INSERT' then
        update inventory.categories as c
        set
            product_count = c.product_count + t.product_count,
            stock_value = c.stock_value + t.stock_value
        from (
            select
                n.category_id,
                count(*) as product_count,
                sum(n.quantity * n.price) as stock_value
            from new_products as n
            group by n.category_id
        ) as t
        where c.id = t.category_id;
    elsif tg_op = 'DELETE' then
        update inventory.categories as c
        set
            product_count = c.product_count - t.product_count,
            stock_value = c.stock_value - t.stock_value
        from (
            select
                o.category_id,
                count(*) as product_count,
                sum(o.quantity * o.price) as stock_value
            from old_products as o
            group by o.category_id
        ) as t
        where c.id = t.category_id;
    else
        update inventory.categories as c
        set
            product_count = c.product_count + t.product_count,
            stock_value = c.stock_value + t.stock_value
        from (
            select
                r.category_id,
                sum(r.product_count) as product_count,
                sum(r.stock_value) as stock_value
            from (
                select
                    n.category_id,
                    1 as product_count,
                    n.quantity * n.price as stock_value
                from new_products as n
                union all
                select
                    o.category_id,
                    -1 as product_count,
                    -(o.quantity * o.price) as stock_value
                from old_products as o
            ) as r
            group by r.category_id
        ) as t
        where
            c.id = t.category_id
            and (t.product_count <> 0 or t.stock_value <> 0);
    end if;
    return null;
end;
$$;

create trigger products_category_totals_insert
after insert on inventory.products
referencing new table as new_products
for each statement execute function inventory.products_category_totals();

create trigger products_category_totals_update
after update on inventory.products
referencing old table as old_products new table as new_products
for each statement execute function inventory.products_category_totals();

create trigger products_category_totals_delete
after delete on inventory.products
referencing old table as old_products
for each statement execute function inventory.products_category_totals();
