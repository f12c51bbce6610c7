-- Data for demos and scale tests. The synthetic corpus is deterministic: every word derives from
-- the paragraph and word number through hashint8extended, so two loads of the same size are identical.

-- name: has_paragraphs()$
-- Returns whether any paragraph is stored (the highest id, from the end of the primary key).
select max(p.id) is not null as present
from corpus.paragraphs as p;

-- name: truncate_corpus#
-- Empties the paragraphs and word counts and restarts the identity (stopwords and cached definitions stay).
truncate corpus.paragraphs, corpus.word_counts
restart identity;

-- name: synthetic_paragraphs(first_id, last_id)!
-- Inserts paragraphs first_id..last_id of 30 to 80 words drawn from a 50,000-word vocabulary with a
-- Zipf skew: rank r has probability about 1 / (r ln 50001), so "the" is about one word in sixteen
-- (in ~97% of paragraphs) while the rarest words are in about one paragraph in ten thousand. Ranks
-- 1 to 100 are the most common English words; the rest are made-up words of two of the 640 syllables
-- onset-vowel-coda, the first k mod 640 and the second (k / 640 + 37 k) mod 640 for k = rank - 101,
-- so distinct ranks give distinct words.
-- Some words carry a comma; each paragraph starts with a capital and ends with a full stop.
-- Paragraph i was created at 2024-01-01 + i * 30 seconds.
insert into corpus.paragraphs (id, content, created_at)
overriding system value
with v as (
    select
        array[
            'the', 'of', 'and', 'to', 'a', 'in', 'is', 'it', 'you', 'that',
            'he', 'was', 'for', 'on', 'are', 'with', 'as', 'i', 'his', 'they',
            'be', 'at', 'one', 'have', 'this', 'from', 'or', 'had', 'by', 'not',
            'word', 'but', 'what', 'some', 'we', 'can', 'out', 'other', 'were', 'all',
            'there', 'when', 'up', 'use', 'your', 'how', 'said', 'an', 'each', 'she',
            'which', 'do', 'their', 'time', 'if', 'will', 'way', 'about', 'many', 'then',
            'them', 'write', 'would', 'like', 'so', 'these', 'her', 'long', 'make', 'thing',
            'see', 'him', 'two', 'has', 'look', 'more', 'day', 'could', 'go', 'come',
            'did', 'number', 'sound', 'no', 'most', 'people', 'my', 'over', 'know', 'water',
            'than', 'call', 'first', 'who', 'may', 'down', 'side', 'been', 'now', 'find'
        ] as common,
        array['b', 'c', 'd', 'f', 'g', 'h', 'j', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v'] as onsets,
        array['a', 'e', 'i', 'o', 'u'] as vowels,
        array['', 'n', 'r', 's', 'l', 'm', 't', 'nd'] as codas
),

g as (
    select
        s.i,
        30 + ((hashint8extended(s.i, 11) & 2147483647) % 51)::integer as n
    from generate_series(:first_id::bigint, :last_id::bigint) as s (i)
)

select
    g.i as id,
    (
        select
            upper(left(string_agg(t.token, ' ' order by t.j), 1))
            || substr(string_agg(t.token, ' ' order by t.j), 2)
            || '.'
        from (
            select
                k.j,
                case
                    when r.word_rank <= 100 then v.common[r.word_rank]
                    else
                        v.onsets[1 + r.first_syllable % 16]
                        || v.vowels[1 + (r.first_syllable / 16) % 5]
                        || v.codas[1 + r.first_syllable / 80]
                        || v.onsets[1 + r.second_syllable % 16]
                        || v.vowels[1 + (r.second_syllable / 16) % 5]
                        || v.codas[1 + r.second_syllable / 80]
                end
                || case when k.j < g.n and hashint8extended(g.i * 100 + k.j, 13) % 13 = 0 then ',' else '' end as token
            from generate_series(1, g.n) as k (j)
            cross join
                lateral (
                    select
                        floor(
                            exp(
                                ln(50001.0)
                                * (hashint8extended(g.i * 100 + k.j, 12) & 2147483647)::double precision
                                / 2147483648.0
                            )
                        )::integer as word_rank
                ) as u
            cross join lateral (
                select
                    u.word_rank,
                    (u.word_rank - 101) % 640 as first_syllable,
                    ((u.word_rank - 101) / 640 + 37 * ((u.word_rank - 101) % 640)) % 640 as second_syllable
            ) as r
        ) as t
    ) as content,
    timestamptz '2024-01-01 00:00:00+00' + g.i * interval '30 seconds' as created_at
from g
cross join v;

-- name: recount_words#
-- Recomputes every word count (occurrences and paragraphs) from the stored paragraphs (after a bulk
-- load), in one pass.
truncate corpus.word_counts;
insert into corpus.word_counts (word, frequency, paragraphs)
select
    w.lexeme as word,
    sum(cardinality(w.positions)) as frequency,
    count(*) as paragraphs
from corpus.paragraphs as p
cross join lateral unnest(p.content_words) as w (lexeme, positions, weights)
group by w.lexeme
order by w.lexeme;

-- name: reset_identity#
-- Moves the paragraph identity past the highest id, after rows were inserted with explicit ids.
select setval(pg_get_serial_sequence('corpus.paragraphs', 'id'), greatest(max(id), 1)) as paragraphs
from corpus.paragraphs;

-- name: analyze_corpus#
-- Refreshes planner statistics and the visibility map after a bulk load.
vacuum (analyze) corpus.paragraphs, corpus.word_counts;
