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

-- name: codegen_functions()
-- Returns every function: oid, name, schema, whether it is strict (null in, null out).
select
    p.oid::integer as oid,
    p.proname::text as function_name,
    n.nspname::text as schema_name,
    p.proisstrict as strict
from pg_catalog.pg_proc as p
inner join pg_catalog.pg_namespace as n on p.pronamespace = n.oid;

-- name: codegen_operators()
-- Returns every operator: oid, name, schema, whether its function is strict.
select
    o.oid::integer as oid,
    o.oprname::text as operator_name,
    n.nspname::text as schema_name,
    coalesce(p.proisstrict, false) as strict
from pg_catalog.pg_operator as o
inner join pg_catalog.pg_namespace as n on o.oprnamespace = n.oid
left join pg_catalog.pg_proc as p on o.oprcode = p.oid;

-- name: codegen_relation(table_oid)^
-- Returns a relation's kind and, for a view or materialized view, its stored query tree.
select
    c.relkind::text as kind,
    (
        select r.ev_action::text
        from pg_catalog.pg_rewrite as r
        where
            r.ev_class = c.oid
            and r.rulename = '_RETURN'
    ) as definition
from pg_catalog.pg_class as c
where c.oid = :table_oid::oid;

-- name: codegen_column_facts(table_oid)
-- Returns, per column of a relation, whether it is NOT NULL (or of a NOT NULL domain)
-- in it and in every table inheriting from it.
with recursive family as (
    select :table_oid::oid as relid
    union
    select i.inhrelid
    from pg_catalog.pg_inherits as i
    inner join family as f on i.inhparent = f.relid
)

select
    a.attnum::integer as column_number,
    bool_and(coalesce(d.attnotnull or t.typnotnull, false)) as not_null
from pg_catalog.pg_attribute as a
inner join pg_catalog.pg_type as t on a.atttypid = t.oid
cross join family as f
left join pg_catalog.pg_attribute as d
    on
        f.relid = d.attrelid
        and a.attname = d.attname
        and not d.attisdropped
where
    a.attrelid = :table_oid::oid
    and a.attnum > 0
    and not a.attisdropped
group by a.attnum;

-- name: codegen_insert_triggers(table_oid)$
-- Returns how many enabled BEFORE ... FOR EACH ROW insert triggers the table and its partitions have
-- (any of them can skip the row).
select count(*)::integer as trigger_count
from pg_catalog.pg_trigger as g
where
    (
        g.tgrelid = :table_oid::oid
        or g.tgrelid in (select p.relid from pg_catalog.pg_partition_tree(:table_oid::oid::regclass) as p)
    )
    and g.tgtype::integer & 7 = 7
    and g.tgenabled <> 'D';

-- name: codegen_table_rows(table_oids)
-- Returns each given table's name and the numbers of its live columns in order (its whole row).
select
    c.oid::integer as table_oid,
    c.relname::text as table_name,
    array(
        select a.attnum::integer
        from pg_catalog.pg_attribute as a
        where
            a.attrelid = c.oid
            and a.attnum > 0
            and not a.attisdropped
        order by a.attnum
    ) as column_numbers
from pg_catalog.pg_class as c
where c.oid = any(:table_oids::oid[]);
