-- Categories: names are unique whatever their case (name_key is public.fold_name(name), set by a trigger).

-- name: categories_page(after_name_key, page_size)
-- Returns one page of categories in name order.
select
    c.id,
    c.name,
    c.name_key
from bookstore.categories as c
where :after_name_key::text is null or c.name_key > :after_name_key
order by c.name_key
limit :page_size;

-- name: category_by_id(category_id)^
-- Returns one category, or nothing.
select
    c.id,
    c.name
from bookstore.categories as c
where c.id = :category_id;

-- name: category_id_by_name(name)$
-- Returns the id of the category with this name, compared case-insensitively, or nothing.
select c.id
from bookstore.categories as c
where c.name_key = public.fold_name(:name);

-- name: insert_category(name)^
-- Inserts a new category and returns it; a name taken in any case is a unique violation.
insert into bookstore.categories (name)
values (:name)
returning id, name;

-- name: upsert_categories(names)
-- Returns the ids of the categories with these names (any case), creating the new ones.
-- Names are deduplicated and written in name_key order, so concurrent writers cannot deadlock.
insert into bookstore.categories (name)
select distinct on (public.fold_name(n.name)) n.name
from unnest(:names::text[]) as n (name)
order by public.fold_name(n.name), n.name
on conflict (name_key) do update
    set name = bookstore.categories.name
returning id;

-- name: delete_category(category_id)$
-- Deletes a category without books and returns its id; one with books is a foreign-key error.
delete from bookstore.categories
where id = :category_id
returning id;
