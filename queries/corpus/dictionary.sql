-- The top words with their cached definitions, and the definitions cache itself.

-- name: top_words(exclude_stopwords, word_count, found_ttl_seconds, unknown_ttl_seconds)
-- Returns the most frequent words (ties by word), optionally without stopwords, with any cached
-- definitions and whether those are still fresh (fetched within the TTL for found or unknown words).
select
    w.word,
    w.frequency,
    d.found,
    d.phonetic,
    coalesce(d.definitions, '{}') as definitions,
    coalesce(
        d.fetched_at > now() - make_interval(
            secs => case when d.found then :found_ttl_seconds::double precision else :unknown_ttl_seconds end
        ),
        false
    ) as fresh
from (
    select
        c.word,
        c.frequency
    from corpus.word_counts as c
    where
        not :exclude_stopwords::boolean
        or not exists (
            select 1
            from corpus.stopwords as s
            where s.word = c.word
        )
    order by c.frequency desc, c.word asc
    limit :word_count
) as w
left join corpus.definitions as d on w.word = d.word
order by w.frequency desc, w.word asc;

-- name: save_definitions(entries)!
-- Stores dictionary answers ([{word, found, definitions, phonetic}] as JSON), replacing older ones.
-- Rows are written in word order, so concurrent writers cannot deadlock.
insert into corpus.definitions (word, found, definitions, phonetic, fetched_at)
select
    e.word,
    e.found,
    array(select jsonb_array_elements_text(e.definitions)) as definitions,
    e.phonetic,
    now() as fetched_at
from jsonb_to_recordset(:entries::jsonb) as e (word text, found boolean, definitions jsonb, phonetic text)
order by e.word
on conflict (word) do update
    set
        found = excluded.found,
        definitions = excluded.definitions,
        phonetic = excluded.phonetic,
        fetched_at = excluded.fetched_at;
