-- Catalog reads of `catalog codegen` (app/codegen/describe.py): types, NOT NULL columns, relations.

-- name: codegen_types()
-- Returns every type of the database: oid, schema, name, kind (b, e, d, c or a for arrays), element, base, enum labels.
select
    t.oid::integer as oid,
    n.nspname::text as schema_name,
    t.typname::text as type_name,
    t.typelem::integer as element_oid,
    t.typbasetype::integer as base_oid,
    array(
        select e.enumlabel::text
        from pg_catalog.pg_enum as e
        where e.enumtypid = t.oid
        order by e.enumsortorder
    ) as labels,
    case
        when t.typelem <> 0 and t.typsubscript = 'array_subscript_handler'::regproc then 'a'
        else t.typtype::text
    end as kind
from pg_catalog.pg_type as t
inner join pg_catalog.pg_namespace as n on t.typnamespace = n.oid;

-- name: codegen_not_null_columns(table_oids)
-- Returns (table oid, column number) of every NOT NULL column of the given tables.
select
    a.attrelid::integer as table_oid,
    a.attnum::integer as column_number
from pg_catalog.pg_attribute as a
where
    a.attrelid = any(:table_oids::oid[])
    and a.attnotnull
    and a.attnum > 0;

-- name: codegen_relation_oid(schema_name, relation_name)$
-- Returns the oid of a schema's relation, or null when there is none.
select
    to_regclass(
        quote_ident(:schema_name::text) || '.' || quote_ident(:relation_name::text)
    )::oid::integer as relation_oid;
