-- Names and words fold their compatibility forms too (issue #16, docs/case-folding.md): public.fold_name
-- normalizes by NFKC instead of NFC, so a ligature is its letters ("ﬁlet" and "FILET" are one name,
-- "ﬂocken" is found by "flocken"), "ſ" is "s", Armenian "և" is "եւ", and full-width "ＡＢＣ" is "abc";
-- so are other compatibility characters ("m²" and "m2", "™" and "TM"). With Unicode lower case and the
-- special cases 0010 added, this is close to Unicode's NFKC case folding.
--
-- Keys and lexemes the new rule changes are recomputed here; names it makes one, and stopwords it
-- changes, stop the migration before anything changes, listed. 0017 and 0018 then rebuild, online, the
-- two search indexes on fold_name expressions (their entries for such rows were made by the old rule):
-- apply 0016-0018 together, at a quiet time (docs/case-folding.md, "Upgrading").
set local lock_timeout = '10s';
set local statement_timeout = '30min';

-- A locale-independent Unicode collation, chosen as 0010 chose it (the same order of preference).
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
    execute format(
        $create$
        create or replace function public.fold_name(name text) returns text
        language sql
        immutable
        strict
        parallel safe
        return replace(
            translate(replace(lower(normalize(name, nfkc) collate %I), 'i' || chr(775), 'i'), 'ıς', 'iσ'),
            'ß',
            'ss'
        )
        $create$,
        chosen
    );
end;
$$;

comment on function public.fold_name(text) is
'The case-folded form of a name or word: NFKC, lower case, ς as σ, ß as ss, every Turkish i as i.';

-- Two names the new rule makes one are listed, per table, and stop the migration.
do $$
declare
    clashes text;
begin
    select string_agg(k.table_name || ': ' || k.names, '; ' order by k.table_name, k.names)
    into clashes
    from (
        select
            n.table_name,
            string_agg(quote_literal(n.name), ' = ' order by n.name) as names
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
    ) as k;
    if clashes is not null then
        raise exception 'names that NFKC case folding makes one (rename or merge them, then migrate again): %',
        clashes;
    end if;
end;
$$;

update bookstore.authors set name = name
where name_key is distinct from public.fold_name(name);
update bookstore.categories set name = name
where name_key is distinct from public.fold_name(name);
update cookbook.categories set name = name
where name_key is distinct from public.fold_name(name);
update cookbook.ingredients set name = name
where name_key is distinct from public.fold_name(name);
update inventory.categories set name = name
where name_key is distinct from public.fold_name(name);

-- Stopwords are held to the fold by a check (stopwords_word_folded, 0010) that PostgreSQL does not
-- check again when the function changes: a stopword the new rule changes stops the migration, listed.
do $$
declare
    changed text := (
        select string_agg(quote_literal(s.word), ', ' order by s.word)
        from corpus.stopwords as s
        where s.word <> public.fold_name(s.word)
    );
begin
    if changed is not null then
        raise exception 'stopwords that NFKC case folding changes: %', changed
        using hint = 'replace each with public.fold_name(word), then run catalog migrate again';
    end if;
end;
$$;

-- A paragraph whose lexemes change (text with a compatibility form, so outside ASCII) gets them again
-- from its trigger, and then the word counts are counted again from every paragraph's lexemes. The
-- word counts are locked first: a paragraph stored meanwhile adds its counts after this commits.
do $$
begin
    lock table corpus.word_counts in exclusive mode;
    update corpus.paragraphs set content = content
    where
        content ~ '[^\x01-\x7f]'
        and normalize(content, nfc) <> normalize(content, nfkc);
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
