-- name: create_migrations_table#
-- Creates the table that records which schema/ files were applied, with their checksums.
create table if not exists public.schema_migrations (
    filename text primary key,
    checksum text not null,
    applied_at timestamptz not null default now()
);

-- name: lock_migrations()$
-- Takes the session lock that serializes migrations across app instances; returns true.
select pg_advisory_lock(hashtext('catalog.schema_migrations')) is null as locked;

-- name: unlock_migrations()$
-- Releases the migration lock; returns whether it was held.
select pg_advisory_unlock(hashtext('catalog.schema_migrations')) as unlocked;

-- name: applied_migrations()
-- Returns every applied migration file with its checksum, oldest first.
select
    filename,
    checksum,
    applied_at
from public.schema_migrations
order by filename;

-- name: record_migration(filename, checksum)!
-- Records one applied migration file.
insert into public.schema_migrations (filename, checksum)
values (:filename, :checksum);

-- name: migrations_table_exists()$
-- Returns whether the migrations table exists yet.
select to_regclass('public.schema_migrations') is not null as present;

-- name: invalid_indexes()
-- Returns every index left INVALID (by a failed `create index concurrently` or `reindex concurrently`) with its
-- table (for a TOAST table's index, the table it belongs to), and another backend building an index on that
-- table right now (null when none is).
-- not null: index_oid, table_oid, schema_name, index_name, table_name, qualified_name
select
    ns.nspname as schema_name,
    idx.relname as index_name,
    pi.indexrelid::bigint as index_oid,
    coalesce(toasted.relname, tbl.relname) as table_name,
    coalesce(toasted.oid, pi.indrelid)::bigint as table_oid,
    format('%I.%I', ns.nspname, idx.relname) as qualified_name,
    (
        select min(p.pid)
        from pg_catalog.pg_stat_progress_create_index as p
        where
            p.relid in (pi.indrelid, toasted.oid)
            and p.pid <> pg_backend_pid()
    ) as building_pid
from pg_catalog.pg_index as pi
inner join pg_catalog.pg_class as idx on pi.indexrelid = idx.oid
inner join pg_catalog.pg_class as tbl on pi.indrelid = tbl.oid
inner join pg_catalog.pg_namespace as ns on idx.relnamespace = ns.oid
left join pg_catalog.pg_class as toasted on pi.indrelid = toasted.reltoastrelid
where not pi.indisvalid
order by ns.nspname, idx.relname;

-- name: relation_oid(relation_name)$
-- Returns the oid of a table or index named as a statement names it (unqualified: by search_path), null if none.
select to_regclass(:relation_name::text)::bigint as relation_oid;

-- name: set_local_lock_timeout(lock_value)$
-- Sets lock_timeout until the end of the current transaction; returns it.
-- not null: lock_timeout
select set_config('lock_timeout', :lock_value::text, true) as lock_timeout;

-- name: probe_table_statement(probe_name, table_oid)$
-- Returns a statement creating an empty temporary table with a table's columns (names, types, collations).
-- not null: statement
select format('create temp table %I (like %s)', :probe_name::text, :table_oid::bigint::oid::regclass) as statement;

-- name: index_shapes(index_names)
-- Returns what each index (qualified name as given) is built from apart from its name and table: columns and
-- expressions as PostgreSQL prints them, uniqueness, access method, operator classes, collations, sort options,
-- predicate, storage options.
-- not null: index_name, is_unique, nulls_not_distinct, access_method, key_count, index_columns, operator_classes
-- not null: collations, sort_options
select
    pi.indisunique as is_unique,
    pi.indnullsnotdistinct as nulls_not_distinct,
    am.amname as access_method,
    pi.indnkeyatts as key_count,
    idx.reloptions as storage_options,
    wanted.index_name,
    pi.indclass::text as operator_classes,
    pi.indcollation::text as collations,
    pi.indoption::text as sort_options,
    array(
        select pg_catalog.pg_get_indexdef(pi.indexrelid, k.n, false)
        from generate_series(1, pi.indnatts) as k (n)
        order by k.n
    ) as index_columns,
    pg_catalog.pg_get_expr(pi.indpred, pi.indrelid) as predicate
from unnest(:index_names::text[]) as wanted (index_name)
inner join pg_catalog.pg_index as pi on to_regclass(wanted.index_name) = pi.indexrelid
inner join pg_catalog.pg_class as idx on pi.indexrelid = idx.oid
inner join pg_catalog.pg_am as am on idx.relam = am.oid
order by wanted.index_name;

-- name: drop_index_statement(schema_name, index_name)$
-- Returns a `drop index concurrently` statement for one index, its names quoted by PostgreSQL.
-- not null: statement
select format('drop index concurrently if exists %I.%I', :schema_name::text, :index_name::text) as statement;

-- name: session_timeouts()^
-- Returns this session's lock_timeout and statement_timeout, to be put back after an online migration.
-- not null: lock_timeout, statement_timeout
select
    current_setting('lock_timeout') as lock_timeout,
    current_setting('statement_timeout') as statement_timeout;

-- name: set_session_timeouts(lock_value, statement_value)^
-- Sets lock_timeout and statement_timeout for this session (not only a transaction); returns them.
select
    set_config('lock_timeout', :lock_value::text, false) as lock_timeout,
    set_config('statement_timeout', :statement_value::text, false) as statement_timeout;
