-- Authors: names are unique whatever their case (name_key is public.fold_name(name), set by a trigger).

-- name: authors_page(name_prefix, after_name_key, page_size)
-- Returns one page of authors in name order, optionally those whose name starts with a prefix.
select
    a.id,
    a.name,
    a.name_key
from bookstore.authors as a
where
    (
        :name_prefix::text is null
        or a.name_key like replace(replace(replace(public.fold_name(:name_prefix), '\', '\\'), '%', '\%'), '_', '\_')
        || '%'
    )
    and (:after_name_key::text is null or a.name_key > :after_name_key)
order by a.name_key
limit :page_size;

-- name: author_by_id(author_id)^
-- Returns one author with their book count, or nothing.
-- The count names :author_id, not a.id, so the planner estimates it from that author's statistics.
select
    a.id,
    a.name,
    (
        select count(*)
        from bookstore.books as b
        where b.author_id = :author_id
    ) as book_count
from bookstore.authors as a
where a.id = :author_id;

-- name: author_id_by_name(name)$
-- Returns the id of the author with this name, compared case-insensitively, or nothing.
select a.id
from bookstore.authors as a
where a.name_key = public.fold_name(:name);

-- name: insert_author(name)^
-- Inserts a new author and returns it; a name taken in any case is a unique violation.
insert into bookstore.authors (name)
values (:name)
returning id, name, 0::bigint as book_count;

-- name: upsert_author(name)$
-- Returns the id of the author with this name (any case), creating the author if new.
-- The no-op update makes the row visible to `returning` even when a concurrent insert won.
insert into bookstore.authors (name)
values (:name)
on conflict (name_key) do update
    set name = bookstore.authors.name
returning id;

-- name: delete_author(author_id)$
-- Deletes an author without books and returns the id; an author with books is a foreign-key error.
delete from bookstore.authors
where id = :author_id
returning id;
