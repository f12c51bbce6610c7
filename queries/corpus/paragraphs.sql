-- Paragraphs: store one with its word counts, list newest first, and search by whole words.
-- Newest first is id order (the identity is handed out in insertion order).

-- name: insert_paragraph(content)^
-- Inserts a paragraph and returns it.
insert into corpus.paragraphs (content)
values (:content)
returning id, content, created_at;

-- name: add_word_counts(paragraph_id)!
-- Adds one paragraph's words to the word counts: its positions to each word's frequency, and one to
-- each word's number of paragraphs. Rows are written in word order, so concurrent inserts lock them
-- in the same order and cannot deadlock.
insert into corpus.word_counts (word, frequency, paragraphs)
select
    w.lexeme,
    cardinality(w.positions) as frequency,
    1 as paragraphs
from corpus.paragraphs as p
cross join lateral unnest(p.content_words) as w (lexeme, positions, weights)
where p.id = :paragraph_id
order by w.lexeme
on conflict (word) do update
    set
        frequency = corpus.word_counts.frequency + excluded.frequency,
        paragraphs = corpus.word_counts.paragraphs + excluded.paragraphs;

-- name: paragraphs_page(after_id, page_size)
-- Returns one page of paragraphs, newest first.
select
    p.id,
    p.content,
    p.created_at
from corpus.paragraphs as p
where :after_id::bigint is null or p.id < :after_id
order by p.id desc
limit :page_size;

-- name: paragraph_by_id(paragraph_id)^
-- Returns one paragraph, or nothing.
select
    p.id,
    p.content,
    p.created_at
from corpus.paragraphs as p
where p.id = :paragraph_id;

-- name: word_paragraph_counts(words)
-- Returns, for each word searched (in the order given), its number of lexemes (a phrase such as
-- "don't" has two, "well-known" three) and the fewest paragraphs any of them occurs in, 0 when one
-- occurs nowhere: for a one-lexeme word the exact number of paragraphs containing it, for a phrase an
-- upper bound. corpus_size is the highest paragraph id (about the number of paragraphs).
-- not null: word, lexemes
select
    w.word,
    cardinality(l.lexemes) as lexemes,
    coalesce(
        (
            select case when count(*) = cardinality(l.lexemes) then min(c.paragraphs) else 0 end
            from corpus.word_counts as c
            where c.word = any(l.lexemes)
        ),
        0
    )::bigint as paragraphs,
    coalesce((select max(p.id) from corpus.paragraphs as p), 0)::bigint as corpus_size
from unnest(:words::text[]) with ordinality as w (word, position)
cross join lateral tsvector_to_array(to_tsvector('simple', public.fold_name(w.word))) as l (lexemes)
order by w.position;

-- name: search_paragraphs(words, match_all, after_id, page_size)
-- Returns one page of the paragraphs containing all (match_all) or any of the words, newest first,
-- by walking the primary key backwards: for words in many paragraphs, where a page is found early.
select
    p.id,
    p.content,
    p.created_at
from corpus.paragraphs as p
where
    p.content_words @@ corpus.words_query(:words::text[], :match_all::boolean)
    and (:after_id::bigint is null or p.id < :after_id)
order by p.id desc
limit :page_size;

-- name: search_rare_paragraphs(words, match_all, after_id, page_size)
-- Returns the same page as search_paragraphs for words in few paragraphs: every match from the GIN
-- index (materialized, so never by walking the primary key), the newest page_size of them, then their rows.
with matches as materialized (
    select p.id
    from corpus.paragraphs as p
    where
        p.content_words @@ corpus.words_query(:words::text[], :match_all::boolean)
        and (:after_id::bigint is null or p.id < :after_id)
),

newest as (
    select m.id
    from matches as m
    order by m.id desc
    limit :page_size
)

select
    p.id,
    p.content,
    p.created_at
from newest as n
inner join corpus.paragraphs as p on n.id = p.id
order by p.id desc;

-- name: search_paragraphs_json(words, match_all, after_id, page_size)^
-- Returns search_paragraphs' page (walking the primary key backwards) as the answer's JSON.
-- The page's JSON is built here (json_build_object per paragraph, the fields and types of schemas.Paragraph;
-- created_at as pydantic writes it: UTC with Z, microseconds only when not zero): body, an array of up
-- to page_size paragraphs; items, how many; next_id, the last one's id when a next page exists (else
-- null). Fetches page_size + 1 rows.
-- not null: body, items
with page as (
    select
        p.id,
        p.content,
        p.created_at
    from corpus.paragraphs as p
    where
        p.content_words @@ corpus.words_query(:words::text[], :match_all::boolean)
        and (:after_id::bigint is null or p.id < :after_id)
    order by p.id desc
    limit :page_size::integer + 1
),

numbered as (
    select
        pg.id,
        pg.content,
        pg.created_at,
        row_number() over (order by pg.id desc) as position
    from page as pg
)

select
    coalesce(
        json_agg(
            json_build_object(
                'id', pg.id,
                'content', pg.content,
                'created_at', to_char(pg.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
                || case when to_char(pg.created_at, 'US') = '000000' then '' else to_char(pg.created_at, '.US') end
                || 'Z'
            )
            order by pg.position
        ) filter (where pg.position <= :page_size),
        '[]'
    )::text as body,
    count(*) filter (where pg.position <= :page_size) as items,
    case when count(*) > :page_size then max(pg.id) filter (where pg.position = :page_size) end as next_id
from numbered as pg;

-- name: search_rare_paragraphs_json(words, match_all, after_id, page_size)^
-- Returns search_rare_paragraphs' page (every match from the GIN index, then the newest) as the answer's JSON.
-- The page's JSON is built here (json_build_object per paragraph, the fields and types of schemas.Paragraph;
-- created_at as pydantic writes it: UTC with Z, microseconds only when not zero): body, an array of up
-- to page_size paragraphs; items, how many; next_id, the last one's id when a next page exists (else
-- null). Fetches page_size + 1 rows.
-- not null: body, items
with matches as materialized (
    select p.id
    from corpus.paragraphs as p
    where
        p.content_words @@ corpus.words_query(:words::text[], :match_all::boolean)
        and (:after_id::bigint is null or p.id < :after_id)
),

newest as (
    select m.id
    from matches as m
    order by m.id desc
    limit :page_size::integer + 1
),

numbered as (
    select
        p.id,
        p.content,
        p.created_at,
        row_number() over (order by p.id desc) as position
    from newest as n
    inner join corpus.paragraphs as p on n.id = p.id
)

select
    coalesce(
        json_agg(
            json_build_object(
                'id', pg.id,
                'content', pg.content,
                'created_at', to_char(pg.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
                || case when to_char(pg.created_at, 'US') = '000000' then '' else to_char(pg.created_at, '.US') end
                || 'Z'
            )
            order by pg.position
        ) filter (where pg.position <= :page_size),
        '[]'
    )::text as body,
    count(*) filter (where pg.position <= :page_size) as items,
    case when count(*) > :page_size then max(pg.id) filter (where pg.position = :page_size) end as next_id
from numbered as pg;

-- name: count_search_matches(words, match_all, max_count)$
-- Returns the number of paragraphs containing all (match_all) or any of the words, counting at most
-- max_count of them (a result equal to max_count means "at least max_count"). Which max_count
-- matches are counted does not matter, so the limit has no order.
select count(*) as matches
from (
    select 1 as found
    from corpus.paragraphs as p
    where p.content_words @@ corpus.words_query(:words::text[], :match_all::boolean)
    limit :max_count -- noqa: AM09
) as m;
