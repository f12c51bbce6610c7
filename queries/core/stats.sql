-- name: statement_statistics_schema()^
-- Returns this database's name and the schema pg_stat_statements is installed in (null when it is not).
-- not null: database_name
select
    current_database() as database_name,
    (
        select n.nspname
        from pg_catalog.pg_extension as e
        inner join pg_catalog.pg_namespace as n on e.extnamespace = n.oid
        where e.extname = 'pg_stat_statements'
    ) as schema_name;

-- name: statement_statistics_search_path(schema_name)$
-- Puts the schema holding pg_stat_statements on this session's search path; returns the new path.
-- not null: search_path
select set_config('search_path', quote_ident(:schema_name::text), false) as search_path;

-- name: statement_statistics()
-- Returns pg_stat_statements' figures for every statement run in this database, most total time first.
select
    s.query,
    s.calls,
    s.total_exec_time,
    s.rows,
    s.shared_blks_hit,
    s.shared_blks_read
from pg_stat_statements as s
where
    s.dbid = (
        select d.oid
        from pg_catalog.pg_database as d
        where d.datname = current_database()
    )
order by s.total_exec_time desc;

-- name: statement_statistics_since()$
-- Returns when pg_stat_statements was last reset as a whole (its entries may be younger).
select i.stats_reset
from pg_stat_statements_info as i;

-- name: reset_statement_statistics()$
-- Resets pg_stat_statements for this database only (all users, all statements); returns 1.
-- not null: reset
with done as (
    select pg_stat_statements_reset(0, d.oid, 0)
    from pg_catalog.pg_database as d
    where d.datname = current_database()
)

select count(*) as reset
from done;
