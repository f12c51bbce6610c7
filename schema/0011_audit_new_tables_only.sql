-- Attaches the audit triggers only to tables that lack one (a new domain's, or one a migration rebuilt).
-- `create or replace trigger` takes a lock that conflicts with every write, and catalog migrate and
-- catalog serve run this while the app serves: re-attaching the triggers of every table each time
-- deadlocked with requests writing two tables. Returns how many tables got triggers.
set local lock_timeout = '10s';
set local statement_timeout = '1min';

create or replace function access.audit_all_tables() returns integer
language plpgsql
as $$
declare
    t record;
    audited integer := 0;
begin
    for t in
        select
            c.oid::regclass as target,
            coalesce((
                select string_agg(quote_literal(a.attname), ', ' order by k.ord)
                from pg_catalog.pg_index as i
                cross join lateral unnest(i.indkey) with ordinality as k (attnum, ord)
                inner join pg_catalog.pg_attribute as a on a.attrelid = i.indrelid and a.attnum = k.attnum
                where i.indrelid = c.oid and i.indisprimary
            ), '') as key_columns
        from pg_catalog.pg_class as c
        inner join pg_catalog.pg_namespace as n on c.relnamespace = n.oid
        where
            c.relkind in ('r', 'p')
            and not c.relispartition
            and n.nspname not like 'pg\_%'
            and n.nspname not in ('information_schema', 'public', 'access')
            and not exists (
                select 1
                from pg_catalog.pg_attribute as a
                where a.attrelid = c.oid and a.attname = 'actor' and not a.attisdropped
            )
            and (
                select count(*)
                from pg_catalog.pg_trigger as tg
                where
                    tg.tgrelid = c.oid
                    and tg.tgname in ('audit_insert', 'audit_update', 'audit_delete')
                    and not tg.tgisinternal
            ) < 3
    loop
        execute format(
            'create or replace trigger audit_insert after insert on %s referencing new table as new_rows '
            'for each statement execute function access.audit_changes(%s)', t.target, t.key_columns
        );
        execute format(
            'create or replace trigger audit_update after update on %s '
            'referencing old table as old_rows new table as new_rows '
            'for each statement execute function access.audit_changes(%s)', t.target, t.key_columns
        );
        execute format(
            'create or replace trigger audit_delete after delete on %s referencing old table as old_rows '
            'for each statement execute function access.audit_changes(%s)', t.target, t.key_columns
        );
        audited := audited + 1;
    end loop;
    return audited;
end;
$$;
