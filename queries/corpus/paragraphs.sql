-- Paragraphs: store one with its word counts, list newest first, and search by whole words.
-- Newest first is id order (the identity is handed out in insertion order).

-- name: insert_paragraph(content)^
-- Inserts a paragraph and returns it.
insert into corpus.paragraphs (content)
values (:content)
returning id, content, created_at;

-- name: add_word_counts(paragraph_id)!
-- Adds one paragraph's words to the word counts (a word's count there is its number of positions).
-- Rows are written in word order, so concurrent inserts lock them in the same order and cannot deadlock.
insert into corpus.word_counts (word, frequency)
select
    w.lexeme,
    cardinality(w.positions) as frequency
from corpus.paragraphs as p
cross join lateral unnest(p.content_words) as w (lexeme, positions, weights)
where p.id = :paragraph_id
order by w.lexeme
on conflict (word) do update
    set frequency = corpus.word_counts.frequency + excluded.frequency;

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

-- name: search_paragraphs(words, match_all, after_id, page_size)
-- Returns one page of the paragraphs containing all (match_all) or any of the words, newest first.
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

-- name: count_search_matches(words, match_all)$
-- Returns the number of paragraphs containing all (match_all) or any of the words.
select count(*) as matches
from corpus.paragraphs as p
where p.content_words @@ corpus.words_query(:words::text[], :match_all::boolean);
