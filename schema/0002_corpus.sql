-- Corpus: paragraphs fetched from a text source, their word counts, a stopword list, and a cache
-- of dictionary definitions. Applied in one transaction by `catalog migrate`; the timeouts keep a
-- blocked DDL from queueing every other session behind its lock.
--
-- A "word" is a lexeme of to_tsvector('simple', content): PostgreSQL's default parser, lower-cased,
-- no stemming. Apostrophes split words ("don't" is "don" and "t"); a hyphenated word is indexed as
-- itself and as its parts ("well-known" is "well-known", "well" and "known"). Search and counting
-- both use exactly these lexemes, so a word's frequency is the number of its tsvector positions.
set local lock_timeout = '10s';
set local statement_timeout = '10min';

create schema corpus;

create table corpus.paragraphs (
    id bigint generated always as identity primary key,
    content text not null,
    -- The words of the paragraph with their positions: searched through the GIN index below.
    content_words tsvector generated always as (to_tsvector('simple', content)) stored,
    created_at timestamptz not null default now(),
    -- 10,000 characters keeps every tsvector position below the 16,383 limit.
    constraint paragraphs_content_length check (char_length(content) between 1 and 10000),
    constraint paragraphs_content_trimmed check (content = btrim(content))
);

-- Whole-word search. Newest-first paging uses the primary key (id order is insertion order).
create index paragraphs_content_words_idx on corpus.paragraphs using gin (content_words);

-- Whether a search pages along the primary key (common words) or sorts the GIN matches (rare or
-- absent words) depends on the estimated match count. ANALYZE keeps ten most common lexemes per
-- unit of statistics target, and guesses a word outside that list to be in half as many paragraphs
-- as the rarest word kept: at the default target (1,000 lexemes) a word that occurs nowhere looks
-- common enough to walk the primary key for. 50,000 lexemes keep that guess at a few dozen rows for
-- a real vocabulary (ANALYZE of 1,000,000 paragraphs: about 6 seconds; planning a search: < 1 ms).
alter table corpus.paragraphs alter column content_words set statistics 5000;

-- How often each word occurs across all paragraphs; kept current in the transaction that inserts
-- a paragraph (rows are written in word order, so concurrent writers cannot deadlock).
create table corpus.word_counts (
    word text collate "C" primary key,
    frequency bigint not null,
    constraint word_counts_frequency_positive check (frequency > 0)
);

-- The top words are the first rows of this index.
create index word_counts_frequency_word_idx on corpus.word_counts (frequency desc, word);

-- Words left out of the top ten when asked to (exclude_stopwords=true). Editable by a DBA; entries
-- are lexemes, so lower case and without apostrophes (the fragments "s", "t", "don" are listed).
create table corpus.stopwords (
    word text collate "C" primary key,
    constraint stopwords_word_lower check (word = lower(word) and word <> '')
);

-- The English stopword list of NLTK (contractions appear as the parser splits them).
insert into corpus.stopwords (word)
values
('a'), ('about'), ('above'), ('after'), ('again'), ('against'), ('ain'), ('all'), ('am'), ('an'),
('and'), ('any'), ('are'), ('aren'), ('as'), ('at'), ('be'), ('because'), ('been'), ('before'),
('being'), ('below'), ('between'), ('both'), ('but'), ('by'), ('can'), ('couldn'), ('d'), ('did'),
('didn'), ('do'), ('does'), ('doesn'), ('doing'), ('don'), ('down'), ('during'), ('each'), ('few'),
('for'), ('from'), ('further'), ('had'), ('hadn'), ('has'), ('hasn'), ('have'), ('haven'), ('having'),
('he'), ('her'), ('here'), ('hers'), ('herself'), ('him'), ('himself'), ('his'), ('how'), ('i'),
('if'), ('in'), ('into'), ('is'), ('isn'), ('it'), ('its'), ('itself'), ('just'), ('ll'),
('m'), ('ma'), ('me'), ('mightn'), ('more'), ('most'), ('mustn'), ('my'), ('myself'), ('needn'),
('no'), ('nor'), ('not'), ('now'), ('o'), ('of'), ('off'), ('on'), ('once'), ('only'),
('or'), ('other'), ('our'), ('ours'), ('ourselves'), ('out'), ('over'), ('own'), ('re'), ('s'),
('same'), ('shan'), ('she'), ('should'), ('shouldn'), ('so'), ('some'), ('such'), ('t'), ('than'),
('that'), ('the'), ('their'), ('theirs'), ('them'), ('themselves'), ('then'), ('there'), ('these'), ('they'),
('this'), ('those'), ('through'), ('to'), ('too'), ('under'), ('until'), ('up'), ('ve'), ('very'),
('was'), ('wasn'), ('we'), ('were'), ('weren'), ('what'), ('when'), ('where'), ('which'), ('while'),
('who'), ('whom'), ('why'), ('will'), ('with'), ('won'), ('wouldn'), ('y'), ('you'), ('your'),
('yours'), ('yourself'), ('yourselves');

-- Definitions from the dictionary API, cached with the time they were fetched. found = false
-- caches an unknown word (the API answered 404); it is refreshed after a shorter TTL.
create table corpus.definitions (
    word text collate "C" primary key,
    found boolean not null,
    definitions text[] not null default '{}',
    phonetic text,
    fetched_at timestamptz not null default now(),
    constraint definitions_unknown_empty check (found or cardinality(definitions) = 0)
);

-- The tsquery for a search: each word becomes the phrase of the lexemes the parser makes of it
-- ("One" -> 'one', "don't" -> 'don' <-> 't'), joined with & (match_all) or |. The input is only
-- ever passed to phraseto_tsquery as data, and the output of tsquery's own output function is
-- what gets re-parsed, so no input can change the query's structure. Immutable: with constant
-- arguments the planner evaluates it while planning, and sees the lexemes for its estimates.
-- ($1 is words, $2 is match_all.)
create function corpus.words_query(words text[], match_all boolean) returns tsquery
language sql
immutable
strict
parallel safe
return (
    select
        coalesce(
            string_agg('(' || q.phrase::text || ')', case when $2 then ' & ' else ' | ' end),
            ''
        )::tsquery as query
    from unnest($1) as w (word)
    cross join lateral phraseto_tsquery('simple', w.word) as q (phrase)
    where numnode(q.phrase) > 0
);
