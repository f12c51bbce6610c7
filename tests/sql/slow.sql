-- Test-only queries (loaded by tests, never by the app).

-- name: hold_connection(seconds)$
-- Sleeps in the database for the given seconds, holding its connection; returns true.
select true as slept
from pg_sleep(:seconds::float8);

-- name: table_hash_statements()
-- Returns every application table with a statement hashing its rows in a fixed order (md5 of them all).
-- not null: table_name, statement
select
    format('%I.%I', t.table_schema, t.table_name) as table_name,
    format(
        'select md5(coalesce(string_agg(r::text, E''\n'' order by r::text), '''')) from %I.%I as r',
        t.table_schema,
        t.table_name
    ) as statement
from information_schema.tables as t
where
    t.table_type = 'BASE TABLE'
    and t.table_schema not in ('pg_catalog', 'information_schema', 'public')
order by table_name;
