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
