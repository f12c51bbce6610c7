-- Index inventory for `catalog plans indexes` and the plan check's dropped-index summary.

-- name: index_list()
-- Returns every index of the application's schemas with its table, kind, size and definition.
-- not null: table_name, size_bytes, definition
select
    ns.nspname as schema_name,
    idx_class.relname as index_name,
    idx.indisunique as is_unique,
    idx.indisprimary as is_primary,
    idx.indisvalid as is_valid,
    ns.nspname || '.' || tbl.relname as table_name,
    pg_catalog.pg_relation_size(idx.indexrelid) as size_bytes,
    pg_catalog.pg_get_indexdef(idx.indexrelid) as definition
from pg_catalog.pg_index as idx
inner join pg_catalog.pg_class as idx_class on idx.indexrelid = idx_class.oid
inner join pg_catalog.pg_class as tbl on idx.indrelid = tbl.oid
inner join pg_catalog.pg_namespace as ns on idx_class.relnamespace = ns.oid
where ns.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
order by ns.nspname, idx_class.relname;
