-- Plan checks (app/plans/): bookkeeping of the checking database, session settings read back,
-- and the sequence positions that rolled-back writes restore.

-- name: create_plan_fixture_table#
-- Creates the table recording the fingerprint (schema, seed, scales) the checking database holds.
create table if not exists public.plan_fixture (
    fingerprint text not null,
    load_seconds numeric(10, 1) not null,
    loaded_at timestamptz not null default now()
);
alter table public.plan_fixture add column if not exists seed_fingerprint text;

-- name: plan_fixture_fingerprint()$
-- Returns the fingerprint of the last completed load, or nothing.
-- requires: create_plan_fixture_table
select f.fingerprint
from public.plan_fixture as f
order by f.loaded_at desc
limit 1;

-- name: plan_fixture_seed_fingerprint()$
-- Returns the seed fingerprint (loader, scales, statistics target) of the last completed load, or nothing.
-- requires: create_plan_fixture_table
select f.seed_fingerprint
from public.plan_fixture as f
order by f.loaded_at desc
limit 1;

-- name: record_plan_fixture(fingerprint, seed_fingerprint, load_seconds)!
-- Records a completed load (or extension by new migrations) and how long it took.
-- requires: create_plan_fixture_table
insert into public.plan_fixture (fingerprint, seed_fingerprint, load_seconds)
values (:fingerprint, :seed_fingerprint, :load_seconds);

-- name: set_statistics_target(target)$
-- Sets default_statistics_target for this session (the following analyze uses it); returns it.
select set_config('default_statistics_target', :target::text, false) as target;

-- name: vacuum_analyze_database#
-- Vacuums and analyzes every table of the database: visibility map and statistics for the plans.
vacuum (analyze);

-- name: current_settings(setting_names)
-- Returns the session's value of each named setting, as the server reports it (an unknown name is an error).
-- not null: setting_name, setting_value
select
    s.setting_name,
    current_setting(s.setting_name) as setting_value
from unnest(:setting_names::text[]) with ordinality as s (setting_name, n)
order by s.n;

-- name: sequence_positions()
-- Returns every sequence with its last value (null when never used) and start value.
-- not null: sequence_name, start_value
select
    s.last_value,
    s.start_value,
    format('%I.%I', s.schemaname, s.sequencename) as sequence_name
from pg_catalog.pg_sequences as s
order by sequence_name;

-- name: restore_sequence(sequence_name, last_value, start_value)$
-- Puts a sequence back where it was before a rolled-back write advanced it; returns its next value.
select setval(:sequence_name::regclass, coalesce(:last_value::bigint, :start_value::bigint), :last_value is not null)
    as restored;

-- name: relation_row_estimates()
-- Returns the planner's row count (reltuples) of every table and materialized view, by schema.name.
-- not null: row_estimate, relation_name
select
    c.reltuples::bigint as row_estimate,
    n.nspname || '.' || c.relname as relation_name
from pg_catalog.pg_class as c
inner join pg_catalog.pg_namespace as n on c.relnamespace = n.oid
where c.relkind in ('r', 'p', 'm');

-- name: lock_plan_database(database_name)$
-- Waits for and takes the session lock that lets one process at a time build a checking database.
select pg_advisory_lock(hashtext('catalog.plans.' || :database_name::text)) is null as locked;

-- name: unlock_plan_database(database_name)$
-- Releases the checking database's build lock; returns whether it was held.
select pg_advisory_unlock(hashtext('catalog.plans.' || :database_name::text)) as unlocked;

-- name: copy_database_statement(database_name, template_name)$
-- Returns a create database statement copying the template's files (fast; the template must be idle).
-- not null: statement
select format('create database %I template %I strategy file_copy', :database_name::text, :template_name::text)
    as statement;

-- name: analyze_database#
-- Analyzes every table at the session's default_statistics_target (a column's own target wins).
analyze;

-- name: column_statistics_targets()
-- Returns every column given its own statistics target (alter column ... set statistics), by table.
select
    a.attname::text as column_name,
    a.attstattarget::int as statistics_target,
    n.nspname || '.' || c.relname as table_name
from pg_catalog.pg_attribute as a
inner join pg_catalog.pg_class as c on a.attrelid = c.oid
inner join pg_catalog.pg_namespace as n on c.relnamespace = n.oid
where
    a.attstattarget >= 0
    and a.attnum > 0
    and not a.attisdropped
    and n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
order by table_name, column_name;

-- name: rename_database_statement(database_name, new_name)$
-- Returns an alter database statement renaming a database (it must have no sessions).
-- not null: statement
select format('alter database %I rename to %I', :database_name::text, :new_name::text) as statement;

-- name: databases_named_like(name_prefix)
-- Returns the databases whose name starts with the prefix (the kept builds of a checking database).
-- not null: database_name
select d.datname::text as database_name
from pg_catalog.pg_database as d
where left(d.datname, length(:name_prefix::text)) = :name_prefix::text
order by database_name;

-- name: vacuum_analyze_statement(table_names)$
-- Returns a vacuum (analyze) statement for the user tables named (bare names) or changed since their
-- last analyze, or null when there is none.
select
    'vacuum (analyze) '
    || string_agg(format('%I.%I', s.schemaname, s.relname), ', ' order by s.relid) as statement
from pg_catalog.pg_stat_user_tables as s
where
    s.relname = any(:table_names::text[])
    or s.n_mod_since_analyze > 0
    or coalesce(s.last_analyze, s.last_autoanalyze) is null;

-- name: plan_fixture_loaded_at()$
-- Returns when the last load (or extension) of the checking database completed, or nothing.
-- requires: create_plan_fixture_table
select f.loaded_at
from public.plan_fixture as f
order by f.loaded_at desc
limit 1;
