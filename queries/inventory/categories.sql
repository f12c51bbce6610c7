-- Categories: names unique whatever their case; product_count and stock_value are kept by the
-- products triggers (schema/0004_inventory.sql), so reading them scans no products.

-- name: categories_page(after_id, page_size)
-- Returns one page of categories in id order.
select
    c.id,
    c.name
from inventory.categories as c
where :after_id::bigint is null or c.id > :after_id
order by c.id
limit :page_size;

-- name: category_by_id(category_id)^
-- Returns one category with its product count and stock value (sum of quantity x price), or nothing.
select
    c.id,
    c.name,
    c.product_count,
    c.stock_value
from inventory.categories as c
where c.id = :category_id;

-- name: category_exists(category_id)$
-- Returns whether a category with this id exists.
-- not null: category_exists
select exists(
    select 1
    from inventory.categories as c
    where c.id = :category_id
) as category_exists;

-- name: insert_category(name)^
-- Inserts a category and returns it, or nothing when the name is taken in any case.
insert into inventory.categories (name)
values (:name)
on conflict (name_key) do nothing
returning id, name, product_count, stock_value;

-- name: delete_category(category_id)$
-- Deletes a category and returns its id, or nothing if absent; one with products is a foreign-key error.
delete from inventory.categories
where id = :category_id
returning id;
