-- Categories: names are unique whatever their case (name_key is public.fold_name(name), set by a trigger).

-- name: categories_page(after_name_key, page_size)
-- Returns one page of categories in name order.
select
    c.id,
    c.name,
    c.name_key
from cookbook.categories as c
where :after_name_key::text is null or c.name_key > :after_name_key
order by c.name_key
limit :page_size;

-- name: category_by_id(category_id)^
-- Returns one category, or nothing.
select
    c.id,
    c.name
from cookbook.categories as c
where c.id = :category_id;

-- name: category_id_by_name(name)$
-- Returns the id of the category with this name, compared case-insensitively, or nothing.
select c.id
from cookbook.categories as c
where c.name_key = public.fold_name(:name);

-- name: category_size(category_id)$
-- Returns the number of the category's recipes, counted up to 10,000 (enough to pick a search's driver).
select count(*) as recipe_count
from (
    select 1 as found
    from cookbook.recipes as r
    where r.category_id = :category_id
    order by r.id
    limit 10000
) as sample;

-- name: insert_category(name)^
-- Inserts a new category and returns it; a name taken in any case is a unique violation.
insert into cookbook.categories (name)
values (:name)
returning id, name;

-- name: delete_category(category_id)$
-- Deletes a category without recipes and returns its id; one with recipes is a foreign-key error.
delete from cookbook.categories
where id = :category_id
returning id;
