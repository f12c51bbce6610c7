-- Bookstore: authors, categories, books (one author each), book-category links, search log.
-- Applied in one transaction by `catalog migrate`; the timeouts keep a blocked DDL from queueing
-- every other session behind its lock.
set local lock_timeout = '10s';
set local statement_timeout = '10min';

create schema bookstore;

-- ISBN-13: 978 or 979, ten more digits, and a valid check digit (weights 1,3,1,3,...).
create function bookstore.isbn13_is_valid(isbn text) returns boolean
language sql
immutable
strict
parallel safe
return isbn ~ '^97[89][0-9]{10}$'
and (
    select sum(substr(isbn, pos, 1)::integer * (1 + 2 * ((pos + 1) % 2))) % 10 = 0
    from generate_series(1, 13) as pos
);

create table bookstore.authors (
    id bigint generated always as identity primary key,
    name text not null,
    -- Case-folded name: one author per name whatever the case, prefix search and keyset order.
    name_key text collate "C" generated always as (lower(name)) stored,
    created_at timestamptz not null default now(),
    constraint authors_name_length check (char_length(name) between 1 and 200),
    constraint authors_name_trimmed check (name = btrim(name)),
    constraint authors_name_key_unique unique (name_key)
);

create table bookstore.categories (
    id bigint generated always as identity primary key,
    name text not null,
    name_key text collate "C" generated always as (lower(name)) stored,
    created_at timestamptz not null default now(),
    constraint categories_name_length check (char_length(name) between 1 and 100),
    constraint categories_name_trimmed check (name = btrim(name)),
    constraint categories_name_key_unique unique (name_key)
);

create table bookstore.books (
    id bigint generated always as identity primary key,
    title text not null,
    author_id bigint not null,
    published_year smallint not null,
    isbn text,
    price numeric(10, 2),
    created_at timestamptz not null default now(),
    constraint books_author_id_fkey foreign key (author_id) references bookstore.authors (id),
    constraint books_title_length check (char_length(title) between 1 and 500),
    constraint books_title_trimmed check (title = btrim(title)),
    constraint books_published_year_range check (published_year between 1 and 2100),
    constraint books_isbn_valid check (bookstore.isbn13_is_valid(isbn)),
    constraint books_isbn_unique unique (isbn),
    constraint books_price_nonnegative check (price >= 0),
    -- Target of book_category's foreign key, which carries the year for keyset paging by category.
    constraint books_id_published_year_unique unique (id, published_year)
);

-- Newest-first listing, and an author's books newest first (also serves the author foreign key).
create index books_published_year_id_idx on bookstore.books (published_year, id);
create index books_author_id_published_year_id_idx on bookstore.books (author_id, published_year, id);
-- Whole-word title search.
create index books_title_words_idx on bookstore.books using gin (to_tsvector('simple', title));

-- One row per (book, category). published_year is copied from the book and kept equal to it by
-- the cascading composite foreign key, so a category's books page newest first from one index.
create table bookstore.book_category (
    book_id bigint not null,
    category_id bigint not null,
    published_year smallint not null,
    constraint book_category_pkey primary key (book_id, category_id),
    constraint book_category_book_fkey foreign key (book_id, published_year)
    references bookstore.books (id, published_year) on update cascade on delete cascade,
    constraint book_category_category_id_fkey foreign key (category_id) references bookstore.categories (id)
);

create index book_category_category_id_published_year_book_id_idx
on bookstore.book_category (category_id, published_year, book_id);

create table bookstore.search_logs (
    id bigint generated always as identity primary key,
    filters jsonb not null,
    result_count integer not null,
    duration_ms numeric(10, 3) not null,
    searched_at timestamptz not null default now(),
    constraint search_logs_result_count_nonnegative check (result_count >= 0),
    constraint search_logs_duration_nonnegative check (duration_ms >= 0)
);
