-- `scripts/bench --peer DIR` (app/bench/peer.py): the old bookstore service's tables, created by its
-- own schema.sql in the schema `peer` of the benchmark database, filled from the bookstore's rows.

-- name: peer_loaded()$
-- Returns whether the old service's tables were filled completely (the schema's comment says so).
select coalesce(obj_description(to_regnamespace('peer'), 'pg_namespace') = 'loaded', false) as loaded;

-- name: drop_peer_schema()#
-- Removes the old service's tables.
drop schema if exists peer cascade;

-- name: create_peer_schema()#
-- Creates the empty schema the old service's schema.sql runs in.
create schema peer;

-- name: use_peer_schema()#
-- Makes the transaction's unqualified names (the old service's schema.sql) land in schema peer.
set local search_path to peer;

-- name: copy_peer_authors()!
-- Copies every author.
insert into peer.authors (id, name)
select
    a.id,
    a.name
from bookstore.authors as a;

-- name: copy_peer_categories()!
-- Copies every category.
insert into peer.categories (id, name)
select
    c.id,
    c.name
from bookstore.categories as c;

-- name: copy_peer_books()!
-- Copies every book (the old schema has no ISBN or price).
insert into peer.books (id, title, author_id, published_year)
select
    b.id,
    b.title,
    b.author_id,
    b.published_year
from bookstore.books as b;

-- name: copy_peer_book_categories()!
-- Copies every link between a book and a category.
insert into peer.book_category (book_id, category_id)
select
    bc.book_id,
    bc.category_id
from bookstore.book_category as bc;

-- name: analyze_peer()#
-- Gathers the planner's statistics on the copied tables.
analyze peer.authors, peer.categories, peer.books, peer.book_category;

-- name: mark_peer_loaded()#
-- Marks the copy complete.
comment on schema peer is 'loaded';
