-- Books: listing and search (keyset-paginated newest first), detail, create, update, delete.
-- The optional filters are written `:x is null or ...`: app sessions run with
-- plan_cache_mode = force_custom_plan, so the planner sees the values and drops unused branches.
-- Title words match in any case: title and words are both folded by public.fold_name, the expression
-- of the full-text index books_title_fold_words_idx.

-- name: books_page(author_id, title_words, after_year, after_id, page_size)
-- Returns one page of books, newest first, optionally of one author and with all the given title words.
-- The page is cut (order by + limit) before authors and categories are joined to its few rows.
-- nullable: after_id
with page as (
    select
        b.id,
        b.title,
        b.author_id,
        b.published_year,
        b.isbn,
        b.price
    from bookstore.books as b
    where
        (:author_id::bigint is null or b.author_id = :author_id)
        and (
            :title_words::text is null
            or to_tsvector('simple', public.fold_name(b.title))
            @@ plainto_tsquery('simple', public.fold_name(:title_words))
        )
        and (
            :after_year::integer is null
            or (b.published_year, b.id) < (:after_year, :after_id::bigint)
        )
    order by b.published_year desc, b.id desc
    limit :page_size
)

select
    p.id,
    p.title,
    a.name as author,
    p.author_id,
    p.published_year,
    p.isbn,
    p.price,
    array(
        select c.name
        from bookstore.book_category as bc
        inner join bookstore.categories as c on bc.category_id = c.id
        where bc.book_id = p.id
        order by c.name_key
    ) as categories
from page as p
inner join bookstore.authors as a on p.author_id = a.id
order by p.published_year desc, p.id desc;

-- name: books_in_category_page(category_id, author_id, title_words, after_year, after_id, page_size)
-- Returns one page of one category's books, newest first, optionally of one author and with title words.
-- Pages on book_category's copy of the year, so a large category is read in index order, not sorted.
-- nullable: after_id
with page as (
    select
        b.id,
        b.title,
        b.author_id,
        b.published_year,
        b.isbn,
        b.price
    from bookstore.book_category as bc
    inner join bookstore.books as b
        on bc.book_id = b.id and bc.published_year = b.published_year
    where
        bc.category_id = :category_id
        and (:author_id::bigint is null or b.author_id = :author_id)
        and (
            :title_words::text is null
            or to_tsvector('simple', public.fold_name(b.title))
            @@ plainto_tsquery('simple', public.fold_name(:title_words))
        )
        and (
            :after_year::integer is null
            or (bc.published_year, bc.book_id) < (:after_year, :after_id::bigint)
        )
    order by bc.published_year desc, bc.book_id desc
    limit :page_size
)

select
    p.id,
    p.title,
    a.name as author,
    p.author_id,
    p.published_year,
    p.isbn,
    p.price,
    array(
        select c.name
        from bookstore.book_category as bc
        inner join bookstore.categories as c on bc.category_id = c.id
        where bc.book_id = p.id
        order by c.name_key
    ) as categories
from page as p
inner join bookstore.authors as a on p.author_id = a.id
order by p.published_year desc, p.id desc;

-- name: books_page_json(author_id, author_name, title_words, after_year, after_id, page_size)^
-- Returns books_page's page as the answer's JSON, built here (json_build_object per book, the fields and
-- types of schemas.Book): body, an array of up to page_size books; items, how many; next_year and
-- next_id, the last book's keyset when a next page exists (else null). Fetches page_size + 1 rows.
-- price is written as pydantic writes a float (12.0, never 12), so clients see the same types.
-- author_name is resolved here as author_id_by_name resolves it (public.fold_name against name_key):
-- a name no author has, or one naming another author than author_id, gives an empty page. The planner
-- cannot see which author a name is: callers send a name only when no title words compete with it.
-- nullable: after_id
-- not null: body, items
with page as (
    select
        b.id,
        b.title,
        b.author_id,
        b.published_year,
        b.isbn,
        b.price
    from bookstore.books as b
    where
        (:author_id::bigint is null or b.author_id = :author_id)
        and (
            :author_name::text is null
            or b.author_id = (
                select named.id
                from bookstore.authors as named
                where named.name_key = public.fold_name(:author_name)
            )
        )
        and (
            :title_words::text is null
            or to_tsvector('simple', public.fold_name(b.title))
            @@ plainto_tsquery('simple', public.fold_name(:title_words))
        )
        and (
            :after_year::integer is null
            or (b.published_year, b.id) < (:after_year, :after_id::bigint)
        )
    order by b.published_year desc, b.id desc
    limit :page_size::integer + 1
),

books as (
    select
        p.published_year,
        p.id,
        row_number() over (order by p.published_year desc, p.id desc) as position,
        json_build_object(
            'id', p.id,
            'title', p.title,
            'author', a.name,
            'author_id', p.author_id,
            'published_year', p.published_year,
            'isbn', p.isbn,
            'price', case
                when p.price = trunc(p.price) then (trunc(p.price)::text || '.0')::json
                else to_json(p.price::float8)
            end,
            'categories', array(
                select c.name
                from bookstore.book_category as bc
                inner join bookstore.categories as c on bc.category_id = c.id
                where bc.book_id = p.id
                order by c.name_key
            )
        ) as book
    from page as p
    inner join bookstore.authors as a on p.author_id = a.id
)

select
    coalesce(json_agg(bk.book order by bk.position) filter (where bk.position <= :page_size), '[]')::text as body,
    count(*) filter (where bk.position <= :page_size) as items,
    case
        when count(*) > :page_size then max(bk.published_year) filter (where bk.position = :page_size)
    end as next_year,
    case
        when count(*) > :page_size then max(bk.id) filter (where bk.position = :page_size)
    end as next_id
from books as bk;

-- name: books_in_category_page_json(category_id, category_name, author_id, title_words, after_year, after_id, page_size)^
-- Returns books_in_category_page's page as the answer's JSON, built here (json_build_object per book, the fields and
-- types of schemas.Book): body, an array of up to page_size books; items, how many; next_year and
-- next_id, the last book's keyset when a next page exists (else null). Fetches page_size + 1 rows.
-- price is written as pydantic writes a float (12.0, never 12), so clients see the same types.
-- The category is category_id, category_name or both (at least one given). category_name is resolved
-- here as category_id_by_name resolves it (public.fold_name against name_key): a name no category has,
-- or one naming another category than category_id, gives an empty page. The planner cannot see which
-- category a name is: callers send a name only when no other filter (author, title words) competes.
-- nullable: after_id
-- not null: body, items
with page as (
    select
        b.id,
        b.title,
        b.author_id,
        b.published_year,
        b.isbn,
        b.price
    from bookstore.book_category as bc
    inner join bookstore.books as b
        on bc.book_id = b.id and bc.published_year = b.published_year
    where
        (:category_id::bigint is null or bc.category_id = :category_id)
        and (
            :category_name::text is null
            or bc.category_id = (
                select named.id
                from bookstore.categories as named
                where named.name_key = public.fold_name(:category_name)
            )
        )
        and (:author_id::bigint is null or b.author_id = :author_id)
        and (
            :title_words::text is null
            or to_tsvector('simple', public.fold_name(b.title))
            @@ plainto_tsquery('simple', public.fold_name(:title_words))
        )
        and (
            :after_year::integer is null
            or (bc.published_year, bc.book_id) < (:after_year, :after_id::bigint)
        )
    order by bc.published_year desc, bc.book_id desc
    limit :page_size::integer + 1
),

books as (
    select
        p.published_year,
        p.id,
        row_number() over (order by p.published_year desc, p.id desc) as position,
        json_build_object(
            'id', p.id,
            'title', p.title,
            'author', a.name,
            'author_id', p.author_id,
            'published_year', p.published_year,
            'isbn', p.isbn,
            'price', case
                when p.price = trunc(p.price) then (trunc(p.price)::text || '.0')::json
                else to_json(p.price::float8)
            end,
            'categories', array(
                select c.name
                from bookstore.book_category as bc
                inner join bookstore.categories as c on bc.category_id = c.id
                where bc.book_id = p.id
                order by c.name_key
            )
        ) as book
    from page as p
    inner join bookstore.authors as a on p.author_id = a.id
)

select
    coalesce(json_agg(bk.book order by bk.position) filter (where bk.position <= :page_size), '[]')::text as body,
    count(*) filter (where bk.position <= :page_size) as items,
    case
        when count(*) > :page_size then max(bk.published_year) filter (where bk.position = :page_size)
    end as next_year,
    case
        when count(*) > :page_size then max(bk.id) filter (where bk.position = :page_size)
    end as next_id
from books as bk;

-- name: book_by_id(book_id)^
-- Returns one book with its author's name and its sorted category names, or nothing.
select
    b.id,
    b.title,
    a.name as author,
    b.author_id,
    b.published_year,
    b.isbn,
    b.price,
    array(
        select c.name
        from bookstore.book_category as bc
        inner join bookstore.categories as c on bc.category_id = c.id
        where bc.book_id = b.id
        order by c.name_key
    ) as categories
from bookstore.books as b
inner join bookstore.authors as a on b.author_id = a.id
where b.id = :book_id;

-- name: insert_book(title, author_id, published_year, isbn, price)$
-- Inserts a book and returns its id.
-- nullable: isbn, price
insert into bookstore.books (title, author_id, published_year, isbn, price)
values (:title, :author_id, :published_year, :isbn, :price)
returning id;

-- name: update_book(book_id, title, author_id, published_year, set_isbn, isbn, set_price, price)$
-- Updates the given fields of a book (null keeps a field; set_* flags allow clearing) and returns its id.
-- nullable: isbn, price
update bookstore.books
set
    title = coalesce(:title, title),
    author_id = coalesce(:author_id, author_id),
    published_year = coalesce(:published_year, published_year),
    isbn = case when :set_isbn::boolean then :isbn else isbn end,
    price = case when :set_price::boolean then :price else price end
where id = :book_id
returning id;

-- name: delete_book(book_id)$
-- Deletes a book (its category links go with it) and returns its id, or nothing if absent.
delete from bookstore.books
where id = :book_id
returning id;

-- name: link_book_categories(book_id, category_ids)!
-- Links a book to the given categories, keeping links it already has.
insert into bookstore.book_category (book_id, category_id, published_year)
select
    b.id,
    ids.category_id,
    b.published_year
from bookstore.books as b
cross join unnest(:category_ids::bigint[]) as ids (category_id)
where b.id = :book_id
order by ids.category_id
on conflict (book_id, category_id) do nothing;

-- name: unlink_book_categories_except(book_id, category_ids)!
-- Removes a book's links to every category not in the given list.
delete from bookstore.book_category
where
    book_id = :book_id
    and category_id <> all(:category_ids::bigint[])
