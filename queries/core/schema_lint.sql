-- Schema lints (app/schema_lint.py, `catalog lint-schema`): what a DBA checks when reviewing a
-- schema as a whole. Each query covers the application's own schemas (not pg_catalog,
-- information_schema or the migrations bookkeeping) and returns one row per finding.

-- name: lint_unindexed_foreign_keys()
-- Returns foreign keys that no valid, non-partial btree index starts with (any of their columns first).
-- not null: object_name, table_name
select
    ns.nspname || '.' || tbl.relname || '.' || con.conname as object_name,
    array(
        select att.attname::text
        from unnest(con.conkey) with ordinality as k (attnum, n)
        inner join pg_catalog.pg_attribute as att on att.attrelid = con.conrelid and k.attnum = att.attnum
        order by k.n
    ) as column_names,
    ns.nspname || '.' || tbl.relname as table_name
from pg_catalog.pg_constraint as con
inner join pg_catalog.pg_class as tbl on con.conrelid = tbl.oid
inner join pg_catalog.pg_namespace as ns on tbl.relnamespace = ns.oid
where
    con.contype = 'f'
    and ns.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
    and not exists (
        select 1
        from pg_catalog.pg_index as idx
        inner join pg_catalog.pg_class as idx_class on idx.indexrelid = idx_class.oid
        inner join pg_catalog.pg_am as am on idx_class.relam = am.oid
        where
            idx.indrelid = con.conrelid
            and idx.indisvalid
            and idx.indpred is null
            and am.amname = 'btree'
            and idx.indkey[0] = any(con.conkey)
    )
order by object_name;

-- name: lint_redundant_indexes()
-- Returns btree indexes whose key is a prefix of (or equal to) another index's on the same table and predicate.
-- not null: object_name, covering_index, table_name, same_columns
with index_keys as (
    select
        idx.indexrelid,
        idx.indrelid,
        idx.indisunique,
        idx_class.relam,
        ns.nspname || '.' || idx_class.relname as index_name,
        ns.nspname || '.' || tbl.relname as table_name,
        -- trim_array also renumbers the arrays from 1 (int2vector and oidvector start at 0).
        trim_array(idx.indkey::int2[], idx.indnatts - idx.indnkeyatts) as key_columns,
        trim_array(idx.indclass::oid[], 0) as key_classes,
        coalesce(pg_catalog.pg_get_expr(idx.indpred, idx.indrelid), '') as predicate,
        coalesce(pg_catalog.pg_get_expr(idx.indexprs, idx.indrelid), '') as expressions
    from pg_catalog.pg_index as idx
    inner join pg_catalog.pg_class as idx_class on idx.indexrelid = idx_class.oid
    inner join pg_catalog.pg_class as tbl on idx.indrelid = tbl.oid
    inner join pg_catalog.pg_namespace as ns on tbl.relnamespace = ns.oid
    where
        idx.indisvalid
        and ns.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
)

select
    narrow.index_name as object_name,
    wide.index_name as covering_index,
    narrow.table_name,
    narrow.indisunique as narrow_is_unique,
    narrow.key_columns = wide.key_columns as same_columns
from index_keys as narrow
inner join index_keys as wide
    on
        narrow.indrelid = wide.indrelid
        and narrow.indexrelid <> wide.indexrelid
        and narrow.relam = wide.relam
        and narrow.predicate = wide.predicate
        and narrow.expressions = wide.expressions
inner join pg_catalog.pg_am as am on narrow.relam = am.oid
where
    am.amname = 'btree'
    and cardinality(narrow.key_columns) <= cardinality(wide.key_columns)
    and narrow.key_columns
    = trim_array(wide.key_columns, cardinality(wide.key_columns) - cardinality(narrow.key_columns))
    and narrow.key_classes
    = trim_array(wide.key_classes, cardinality(wide.key_classes) - cardinality(narrow.key_classes))
    -- A unique index enforces something a wider one does not; of two equal ones report the later.
    and (
        not narrow.indisunique
        or (narrow.key_columns = wide.key_columns and wide.indisunique and narrow.indexrelid > wide.indexrelid)
    )
    and not (narrow.key_columns = wide.key_columns and not wide.indisunique and narrow.indexrelid < wide.indexrelid)
order by object_name, covering_index;

-- name: lint_tables_without_primary_key()
-- Returns ordinary and partitioned tables that have no primary key.
-- not null: object_name
select ns.nspname || '.' || tbl.relname as object_name
from pg_catalog.pg_class as tbl
inner join pg_catalog.pg_namespace as ns on tbl.relnamespace = ns.oid
where
    tbl.relkind in ('r', 'p')
    and not tbl.relispartition
    and ns.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
    and not exists (
        select 1
        from pg_catalog.pg_constraint as con
        where con.conrelid = tbl.oid and con.contype = 'p'
    )
order by object_name;

-- name: lint_narrow_primary_keys()
-- Returns primary-key columns of type integer or smallint.
-- not null: object_name, column_type
select
    ns.nspname || '.' || tbl.relname || '.' || att.attname as object_name,
    pg_catalog.format_type(att.atttypid, att.atttypmod) as column_type
from pg_catalog.pg_constraint as con
inner join pg_catalog.pg_class as tbl on con.conrelid = tbl.oid
inner join pg_catalog.pg_namespace as ns on tbl.relnamespace = ns.oid
inner join pg_catalog.pg_attribute as att on con.conrelid = att.attrelid and att.attnum = any(con.conkey)
where
    con.contype = 'p'
    and ns.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
    and att.atttypid in ('int2'::regtype, 'int4'::regtype)
order by object_name;

-- name: lint_nullable_foreign_keys()
-- Returns foreign-key columns that allow NULL.
-- not null: object_name
select
    con.conname as constraint_name,
    ns.nspname || '.' || tbl.relname || '.' || att.attname as object_name
from pg_catalog.pg_constraint as con
inner join pg_catalog.pg_class as tbl on con.conrelid = tbl.oid
inner join pg_catalog.pg_namespace as ns on tbl.relnamespace = ns.oid
inner join pg_catalog.pg_attribute as att on con.conrelid = att.attrelid and att.attnum = any(con.conkey)
where
    con.contype = 'f'
    and not att.attnotnull
    and ns.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
order by object_name;

-- name: lint_sequences_near_limit(used_fraction)
-- Returns sequences that have used more than this fraction of their range.
-- not null: last_value, max_value, data_type, object_name
select
    seq.last_value,
    seq.max_value,
    seq.data_type,
    seq.schemaname || '.' || seq.sequencename as object_name
from pg_catalog.pg_sequences as seq
where
    seq.schemaname not in ('pg_catalog', 'information_schema', 'pg_toast')
    and seq.last_value is not null
    and seq.last_value::numeric >= :used_fraction::numeric * seq.max_value::numeric
order by object_name;
