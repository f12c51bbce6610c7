-- Data for demos and scale tests. The synthetic catalogue is deterministic: every value derives
-- from the row number through hashint8extended, so two loads of the same size are identical.

-- name: has_books()$
-- Returns whether there is at least one book (read from the primary key, not a count).
-- not null: has_books
select exists(
    select 1
    from bookstore.books
) as has_books;

-- name: truncate_bookstore#
-- Empties every bookstore table and restarts the identities.
truncate bookstore.book_category, bookstore.books, bookstore.authors, bookstore.categories, bookstore.search_logs
restart identity;

-- name: synthetic_authors(author_count)!
-- Inserts authors 1..author_count with unique, realistic-looking names, created a minute apart from 2015.
insert into bookstore.authors (id, name, created_at)
overriding system value
select
    g.i,
    (array[
        'Ada', 'Alan', 'Alice', 'Amara', 'Anton', 'Beatrix', 'Bruno', 'Carmen', 'Chidi', 'Clara',
        'Dmitri', 'Elena', 'Emeka', 'Farah', 'Felix', 'Greta', 'Hana', 'Hugo', 'Ines', 'Isaac',
        'Jonas', 'Kaito', 'Lena', 'Leo', 'Lucia', 'Malik', 'Maya', 'Mateo', 'Nadia', 'Nils',
        'Olga', 'Omar', 'Paula', 'Pedro', 'Priya', 'Rafael', 'Rosa', 'Sami', 'Sofia', 'Tariq',
        'Tessa', 'Theo', 'Uma', 'Victor', 'Vera', 'Wendell', 'Xenia', 'Yusuf', 'Zara', 'Zoltan',
        'Agnes', 'Boris', 'Celia', 'Dario', 'Edith', 'Frida', 'Gil', 'Helga', 'Ivo', 'June'
    ])[1 + (g.i - 1) % 60]
    || ' ' || chr(65 + ((g.i - 1) / 60) % 26::integer) || '. '
    || (array[
        'Abara', 'Baker', 'Castillo', 'Dubois', 'Eriksen', 'Fischer', 'Garcia', 'Haddad', 'Ivanova', 'Jensen',
        'Kowalski', 'Larsen', 'Moreau', 'Nakamura', 'Okafor', 'Petrov', 'Quinn', 'Rossi', 'Sato', 'Tanaka',
        'Umarov', 'Varga', 'Walsh', 'Xu', 'Yilmaz', 'Zhang', 'Alvarez', 'Bergstrom', 'Costa', 'Dimitrov',
        'Esposito', 'Fernandes', 'Gruber', 'Horvat', 'Iyer', 'Jovanovic', 'Kim', 'Lindqvist', 'Mendes', 'Novak',
        'Olsen', 'Popescu', 'Reyes', 'Schmidt', 'Takahashi', 'Ueda', 'Vasquez', 'Weber', 'Yamamoto', 'Zielinski',
        'Achebe', 'Brennan', 'Chen', 'Duarte', 'Evans', 'Fontaine', 'Gallo', 'Hughes', 'Ito', 'Keller',
        'Lopez', 'Marsh', 'Nilsen', 'Ortiz', 'Park', 'Ramos', 'Silva', 'Torres', 'Vogel', 'Wright',
        'Adeyemi', 'Bauer', 'Cruz', 'Diallo', 'Engel', 'Ferreira', 'Greco', 'Hale', 'Ishii', 'Kaur'
    ])[1 + ((g.i - 1) / 1560) % 80]
    || case when g.i > 124800 then ' ' || ((g.i - 1) / 124800)::text else '' end as name,
    timestamptz '2015-01-01 00:00:00+00' + g.i * interval '1 minute' as created_at
from generate_series(1, :author_count::integer) as g (i);

-- name: synthetic_categories(category_count)!
-- Inserts categories 1..category_count named "<adjective> <genre>", created an hour apart from 2015.
insert into bookstore.categories (id, name, created_at)
overriding system value
select
    g.i,
    (array[
        'Fiction', 'Poetry', 'History', 'Science', 'Travel', 'Cooking', 'Philosophy', 'Biography',
        'Fantasy', 'Mystery', 'Romance', 'Horror', 'Drama', 'Economics', 'Art', 'Music',
        'Mathematics', 'Nature', 'Politics', 'Religion'
    ])[1 + (g.i - 1) % 20]
    || case when g.i > 20 then ' ' || (array[
        'Modern', 'Classic', 'Nordic', 'African', 'Asian', 'Latin', 'Urban', 'Rural', 'Early', 'Late',
        'Popular', 'Academic', 'Illustrated', 'Young', 'Graphic', 'Applied', 'Comparative', 'Regional',
        'Medieval', 'Colonial', 'Oceanic', 'Alpine', 'Coastal', 'Desert', 'Arctic'
    ])[1 + ((g.i - 21) / 20) % 25] || case when g.i > 520 then ' ' || g.i::text else '' end else '' end as name,
    timestamptz '2015-01-01 00:00:00+00' + g.i * interval '1 hour' as created_at
from generate_series(1, :category_count::integer) as g (i);

-- name: synthetic_books(first_id, last_id, author_count)!
-- Inserts books first_id..last_id: skewed authors (a few very large), years, titles with common and
-- rare words, prices, ISBNs; created 30 seconds apart from 2020.
insert into bookstore.books (id, title, author_id, published_year, isbn, price, created_at)
overriding system value
select
    r.i as id,
    initcap(r.words[1 + r.h1 % 24]) || ' ' || r.words[25 + r.h2 % 24] || ' ' || r.words[49 + r.h3 % 24]
    || case
        when r.h4 % 10 < 3
            then
                ' ' || r.syllables[1 + r.rare % 20] || r.syllables[1 + (r.rare / 20) % 20]
                || r.syllables[1 + (r.rare / 400) % 20]
        else ''
    end as title,
    1 + floor(:author_count::integer * power(r.u_author, 3))::bigint as author_id,
    (2025 - floor(125 * power(r.u_year, 2)))::smallint as published_year,
    r.isbn12 || (
        (10 - (
            select sum(substr(r.isbn12, p, 1)::integer * (1 + 2 * ((p + 1) % 2)))
            from generate_series(1, 12) as p
        ) % 10) % 10
    )::text as isbn,
    round((5 + (r.h2 % 9500) / 100.0)::numeric, 2) as price,
    timestamptz '2020-01-01 00:00:00+00' + r.i * interval '30 seconds' as created_at
from (
    select
        g.i,
        (hashint8extended(g.i, 1) & 2147483647)::double precision / 2147483648.0 as u_author,
        (hashint8extended(g.i, 2) & 2147483647)::double precision / 2147483648.0 as u_year,
        hashint8extended(g.i, 3) & 2147483647 as h1,
        hashint8extended(g.i, 4) & 2147483647 as h2,
        hashint8extended(g.i, 5) & 2147483647 as h3,
        hashint8extended(g.i, 10) & 2147483647 as h4,
        -- A long tail of 8,000 made-up words in 30% of titles, skewed like real vocabulary.
        floor(8000 * power((hashint8extended(g.i, 11) & 2147483647)::double precision / 2147483648.0, 3))::integer
            as rare,
        array[
            'ka', 'lo', 'mi', 'ren', 'tas', 'vo', 'zel', 'dun', 'fi', 'gor',
            'hal', 'ix', 'jo', 'ku', 'nar', 'pe', 'quo', 'sa', 'tri', 'ul'
        ] as syllables,
        '978' || lpad(g.i::text, 9, '0') as isbn12,
        array[
            'the', 'a', 'silent', 'last', 'hidden', 'golden', 'broken', 'distant',
            'secret', 'burning', 'quiet', 'wild', 'lost', 'northern', 'endless', 'crimson',
            'forgotten', 'little', 'winter', 'paper', 'iron', 'glass', 'velvet', 'hollow',
            'river', 'garden', 'kingdom', 'house', 'mountain', 'city', 'letters', 'voyage',
            'orchard', 'harbor', 'empire', 'lantern', 'forest', 'island', 'station', 'machine',
            'archive', 'bridge', 'theory', 'atlas', 'memory', 'song', 'storm', 'mirror',
            'of dreams', 'at dawn', 'in exile', 'of salt', 'and ash', 'of light', 'at sea', 'of bones',
            'in winter', 'of time', 'and honey', 'of stars', 'in flight', 'of rain', 'and iron', 'of glass',
            'of kings', 'in bloom', 'at night', 'of echoes', 'of wolves', 'and silk', 'of fire', 'abroad'
        ] as words
    from generate_series(:first_id::bigint, :last_id::bigint) as g (i)
) as r;

-- name: synthetic_book_categories(first_id, last_id, category_count)!
-- Links books first_id..last_id to 1 to 3 of categories 1..category_count; the first is skewed to low ids.
insert into bookstore.book_category (book_id, category_id, published_year)
select distinct on (b.id, c.category_id)
    b.id as book_id,
    c.category_id,
    b.published_year
from bookstore.books as b
cross join
    lateral unnest(array[
        1 + floor(
            :category_count::integer
            * power((hashint8extended(b.id, 6) & 2147483647)::double precision / 2147483648.0, 2)
        )::bigint,
        1 + (hashint8extended(b.id, 7) & 2147483647) % :category_count::integer,
        1 + (hashint8extended(b.id, 9) & 2147483647) % :category_count::integer
    ]) with ordinality as c (category_id, n)
where
    b.id between :first_id and :last_id
    and c.n <= 1 + (hashint8extended(b.id, 8) & 3) % 3
order by b.id, c.category_id;

-- name: reset_identities#
-- Moves each identity past the highest id, after rows were inserted with explicit ids.
select setval(pg_get_serial_sequence('bookstore.authors', 'id'), greatest(max(id), 1)) as authors
from bookstore.authors;
select setval(pg_get_serial_sequence('bookstore.categories', 'id'), greatest(max(id), 1)) as categories
from bookstore.categories;
select setval(pg_get_serial_sequence('bookstore.books', 'id'), greatest(max(id), 1)) as books
from bookstore.books;

-- name: analyze_bookstore#
-- Refreshes planner statistics and the visibility map after a bulk load.
vacuum (analyze) bookstore.authors, bookstore.categories, bookstore.books, bookstore.book_category;
