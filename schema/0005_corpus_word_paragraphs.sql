-- Corpus search without planning milliseconds or counting a million rows (issue #12).
--
-- 1. corpus.word_counts gains `paragraphs`: how many paragraphs contain the word, kept in the same
--    transaction that inserts a paragraph (queries/corpus/paragraphs.sql, add_word_counts). A search
--    reads it first: a word that occurs nowhere is answered without touching the paragraphs, the
--    total of a one-word search is exact without counting, and the access path (newest-first walk of
--    the primary key, or the GIN index and a sort) is chosen from real counts, not from a guess.
-- 2. content_words goes back to the default statistics target. 5,000 was there only so that the
--    planner guessed absent words to be rare; it made planning every search cost about 2 ms (a
--    50,000-entry frequency array read per plan) against about 0.1 ms at the default.
--
-- The backfill reads every paragraph once (about 30 s at 1,000,000 paragraphs); word_counts is small.
set local lock_timeout = '10s';
set local statement_timeout = '30min';

-- A constant default fills existing rows without rewriting the table; the backfill below sets them.
-- The default stays: a row inserted for a word seen for the first time is one paragraph's.
alter table corpus.word_counts add column paragraphs bigint not null default 1;

update corpus.word_counts as c
set paragraphs = n.paragraphs
from (
    select
        w.lexeme as word,
        count(*) as paragraphs
    from corpus.paragraphs as p
    cross join lateral unnest(p.content_words) as w (lexeme, positions, weights)
    group by w.lexeme
) as n
where c.word = n.word collate "C";

-- -1: the database's default_statistics_target (sqlfluff does not parse a negative target).
alter table corpus.paragraphs alter column content_words set statistics -1; -- noqa: PRS

analyze corpus.paragraphs, corpus.word_counts;
