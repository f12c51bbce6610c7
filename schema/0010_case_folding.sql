-- One case-folding rule for every case-insensitive name and word (issue #16, docs/case-folding.md).
--
-- public.fold_name(text) is the only place a name is folded: the name_key columns, the corpus
-- lexemes and every query parameter compared with them go through it; Python folds nothing. lower()
-- alone followed the database's locale (C.UTF-8 folds Σ to σ but leaves ς; a "C" database folds
-- ASCII only) and Python's str.lower() disagreed with it outside ASCII.
--
-- The fold: NFC (precomposed "é" and "e" + U+0301 are one name), lower case by Unicode's simple
-- mapping under a locale-independent collation chosen below, then the full-folding cases lower()
-- leaves: ς and σ are one letter, ß and ẞ are "ss", and the four Turkish i forms (I ı İ i, and the
-- "i̇" that Python's lower() makes of İ) are one letter "i", since which capital goes with which small
-- letter depends on the language, which a name does not carry.
--
-- The name_key columns stop being generated (lower(name)) and are set by a trigger from
-- fold_name(name): dropping a generation expression rewrites nothing, where changing it rewrites the
-- table. Keys the new rule changes are recomputed; names the new rule makes one (say "Straße" and
-- "STRASSE") stop the migration before it changes anything, listed: merge or rename them and re-run.
set local lock_timeout = '10s';
set local statement_timeout = '30min';

-- Unicode lower case without the locale: the builtin pg_c_utf8 (PostgreSQL 17+), else ICU's root
-- locale, else glibc's C.UTF-8. They agree on every letter the fold keeps (simple mappings).
do $$
declare
    chosen text := (
        select c.collname
        from pg_catalog.pg_collation as c
        where
            c.collname in ('pg_c_utf8', 'und-x-icu', 'C.utf8', 'C.UTF-8')
            and c.collencoding in (-1, pg_catalog.pg_char_to_encoding('UTF8'))
        order by array_position(array['pg_c_utf8', 'und-x-icu', 'C.utf8', 'C.UTF-8']::name [], c.collname)
        limit 1
    );
begin
    if pg_catalog.getdatabaseencoding() <> 'UTF8' or chosen is null then
        raise exception 'case folding needs a UTF8 database with a Unicode collation (pg_c_utf8, und-x-icu or C.utf8)';
    end if;
    execute format(
        $create$
        create function public.fold_name(name text) returns text
        language sql
        immutable
        strict
        parallel safe
        return replace(
            translate(replace(lower(normalize(name, nfc) collate %I), 'i' || chr(775), 'i'), 'ıς', 'iσ'),
            'ß',
            'ss'
        )
        $create$,
        chosen
    );
end;
$$;

comment on function public.fold_name(text) is
'The case-folded form of a name or word: NFC, lower case, ς as σ, ß as ss, every Turkish i as i.';

-- Names the new rule makes one stop the migration before anything changes, each group named.
do $$
declare
    clashes text;
begin
    select string_agg(g.names, '; ')
    into clashes
    from (
        select n.table_name || ': ' || string_agg(quote_literal(n.name), ' = ' order by n.name) as names
        from (
            select
                'bookstore.authors' as table_name,
                a.name
            from bookstore.authors as a
            union all
            select
                'bookstore.categories' as table_name,
                c.name
            from bookstore.categories as c
            union all
            select
                'cookbook.categories' as table_name,
                c.name
            from cookbook.categories as c
            union all
            select
                'cookbook.ingredients' as table_name,
                i.name
            from cookbook.ingredients as i
            union all
            select
                'inventory.categories' as table_name,
                c.name
            from inventory.categories as c
        ) as n
        group by n.table_name, public.fold_name(n.name)
        having count(*) > 1
        order by n.table_name, public.fold_name(n.name)
        limit 20
    ) as g;
    if clashes is not null then
        raise exception 'names that the new case folding makes one (rename or merge them, then migrate again): %',
        clashes;
    end if;
end;
$$;

-- Keeps name_key equal to fold_name(name) on every table that has both columns. Each column below
-- keeps its values and its unique constraint; only what computes it changes (clients see no difference).
create function public.set_name_key() returns trigger
language plpgsql
as $$
begin
    new.name_key := public.fold_name(new.name);
    return new;
end;
$$;

-- squawk-ignore ban-drop-generated-expression
alter table bookstore.authors alter column name_key drop expression;
create trigger authors_name_key
before insert or update of name, name_key on bookstore.authors
for each row execute function public.set_name_key();
update bookstore.authors set name = name
where name_key is distinct from public.fold_name(name);

-- squawk-ignore ban-drop-generated-expression
alter table bookstore.categories alter column name_key drop expression;
create trigger categories_name_key
before insert or update of name, name_key on bookstore.categories
for each row execute function public.set_name_key();
update bookstore.categories set name = name
where name_key is distinct from public.fold_name(name);

-- squawk-ignore ban-drop-generated-expression
alter table cookbook.categories alter column name_key drop expression;
create trigger categories_name_key
before insert or update of name, name_key on cookbook.categories
for each row execute function public.set_name_key();
update cookbook.categories set name = name
where name_key is distinct from public.fold_name(name);

-- squawk-ignore ban-drop-generated-expression
alter table cookbook.ingredients alter column name_key drop expression;
create trigger ingredients_name_key
before insert or update of name, name_key on cookbook.ingredients
for each row execute function public.set_name_key();
update cookbook.ingredients set name = name
where name_key is distinct from public.fold_name(name);

-- squawk-ignore ban-drop-generated-expression
alter table inventory.categories alter column name_key drop expression;
create trigger categories_name_key
before insert or update of name, name_key on inventory.categories
for each row execute function public.set_name_key();
update inventory.categories set name = name
where name_key is distinct from public.fold_name(name);

-- Corpus: a paragraph's lexemes are those of its folded text, and a searched word is folded the same
-- way (corpus.words_query below, queries/corpus/paragraphs.sql), so "ΟΔΟΣ" finds "οδος".
create function corpus.set_content_words() returns trigger
language plpgsql
as $$
begin
    new.content_words := to_tsvector('simple', public.fold_name(new.content));
    return new;
end;
$$;

-- squawk-ignore ban-drop-generated-expression
alter table corpus.paragraphs alter column content_words drop expression;
create trigger paragraphs_content_words
before insert or update of content, content_words on corpus.paragraphs
for each row execute function corpus.set_content_words();

-- Only a paragraph with a character outside ASCII can change (ASCII folds as it did); when one
-- does, the word counts are recounted from the lexemes.
do $$
begin
    update corpus.paragraphs set content = content
    where content ~ '[^\x01-\x7f]';
    if found then
        delete from corpus.word_counts;
        insert into corpus.word_counts (word, frequency, paragraphs)
        select
            w.lexeme,
            sum(cardinality(w.positions)) as frequency,
            count(*) as paragraphs
        from corpus.paragraphs as p
        cross join lateral unnest(p.content_words) as w (lexeme, positions, weights)
        group by w.lexeme;
    end if;
end;
$$;

create or replace function corpus.words_query(words text[], match_all boolean) returns tsquery
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
    cross join lateral phraseto_tsquery('simple', public.fold_name(w.word)) as q (phrase)
    where numnode(q.phrase) > 0
);

-- Stopwords are compared with the lexemes, so they are held to the same fold (a list of about 180
-- rows: validating it in this transaction blocks nothing for long).
-- squawk-ignore ban-drop-constraint
alter table corpus.stopwords drop constraint stopwords_word_lower;
alter table corpus.stopwords add constraint stopwords_word_folded
check (word = public.fold_name(word) and word <> '') not valid;
-- squawk-ignore constraint-missing-not-valid
alter table corpus.stopwords validate constraint stopwords_word_folded;
