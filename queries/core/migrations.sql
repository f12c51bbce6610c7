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
-- Returns every index left INVALID (by a failed `create index concurrently` or `reindex concurrently`).
select
    ns.nspname as schema_name,
    idx.relname as index_name,
    tbl.relname as table_name
from pg_catalog.pg_index as pi
inner join pg_catalog.pg_class as idx on pi.indexrelid = idx.oid
inner join pg_catalog.pg_class as tbl on pi.indrelid = tbl.oid
inner join pg_catalog.pg_namespace as ns on idx.relnamespace = ns.oid
where not pi.indisvalid
order by ns.nspname, idx.relname;

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
