-- Streaming replication (app/replicas.py, app/routing.py): WAL positions as byte offsets, polled in
-- the background and read once after each write request for its Consistency-Token.

-- name: wal_position()$
-- Returns the primary's current WAL write position (bytes since 0/0): a commit that returned is at or before it.
-- not null: position
select (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint as position;

-- name: replay_position()$
-- Returns how far a replica has replayed the primary's WAL (bytes since 0/0); null on a server that is not a replica.
select (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint as position;

-- name: database_commits()$
-- Returns the number of transactions committed in the current database since its statistics were reset.
select coalesce(xact_commit, 0) as commits
from pg_catalog.pg_stat_database
where datname = current_database();

-- name: trigger_functions()
-- Returns every user trigger of a table: the function's language, the table (schema.name) and the function's definition.
-- not null: language, table_name, definition
select
    lang.lanname as language,
    ns.nspname || '.' || tbl.relname as table_name,
    pg_catalog.pg_get_functiondef(proc.oid) as definition
from pg_catalog.pg_trigger as trg
inner join pg_catalog.pg_class as tbl on trg.tgrelid = tbl.oid
inner join pg_catalog.pg_namespace as ns on tbl.relnamespace = ns.oid
inner join pg_catalog.pg_proc as proc on trg.tgfoid = proc.oid
inner join pg_catalog.pg_language as lang on proc.prolang = lang.oid
where not trg.tgisinternal
order by table_name;

-- name: user_tables()
-- Returns the name (schema.name) of every plain and partitioned table outside the system schemas.
-- not null: table_name
select ns.nspname || '.' || rel.relname as table_name
from pg_catalog.pg_class as rel
inner join pg_catalog.pg_namespace as ns on rel.relnamespace = ns.oid
where
    rel.relkind in ('r', 'p')
    and ns.nspname not in ('pg_catalog', 'information_schema')
    and ns.nspname not like 'pg\_%'
order by table_name;

-- name: function_volatility()
-- Returns every function outside information_schema, pg_catalog's too: its schema, its name and its
-- volatility (i: immutable, reads no table; s: stable, writes none; v: volatile).
-- not null: schema_name, function_name, volatility
select
    ns.nspname as schema_name,
    proc.proname as function_name,
    proc.provolatile::text as volatility
from pg_catalog.pg_proc as proc
inner join pg_catalog.pg_namespace as ns on proc.pronamespace = ns.oid
where ns.nspname <> 'information_schema'
order by schema_name, function_name;

-- name: related_tables()
-- Returns pairs of tables (schema.name) where a write of the first may change the second without a
-- trigger of ours: a foreign key whose on delete or on update action cascades or sets null or a default
-- (the referenced table, then the referencing one), and each partition or inheriting table with its
-- parent, both ways.
-- not null: table_name, also_changes
with named as (
    select
        rel.oid,
        ns.nspname || '.' || rel.relname as qualified_name
    from pg_catalog.pg_class as rel
    inner join pg_catalog.pg_namespace as ns on rel.relnamespace = ns.oid
),

pairs as (
    select
        con.confrelid as changed,
        con.conrelid as also_changed
    from pg_catalog.pg_constraint as con
    where
        con.contype = 'f'
        and (con.confdeltype in ('c', 'n', 'd') or con.confupdtype in ('c', 'n', 'd'))
    union all
    select
        inh.inhrelid as changed,
        inh.inhparent as also_changed
    from pg_catalog.pg_inherits as inh
    union all
    select
        inh.inhparent as changed,
        inh.inhrelid as also_changed
    from pg_catalog.pg_inherits as inh
)

select
    a.qualified_name as table_name,
    b.qualified_name as also_changes
from pairs as p
inner join named as a on p.changed = a.oid
inner join named as b on p.also_changed = b.oid
order by table_name, also_changes;
