-- Access control (issue #18, docs/access-control.md): API keys kept as hashes, and who did what: an
-- append-only audit log of every write made through the API, written by triggers in the same
-- transaction as the write, and the actor of each movement of the inventory's stock ledger.
-- Applied in one transaction by `catalog migrate`; the timeouts keep a blocked DDL from queueing
-- every other session behind its lock.
set local lock_timeout = '10s';
set local statement_timeout = '10min';

create schema access;

-- One row per API key ever issued; the key itself is never stored, only its SHA-256.
create table access.api_keys (
    id bigint generated always as identity primary key,
    name text not null,
    -- The public part of the key (catalog_<key_id>_<secret>): how a presented key finds its row.
    key_id text collate "C" not null,
    secret_hash bytea not null,
    scopes text[] not null,
    created_at timestamptz not null default now(),
    expires_at timestamptz,
    revoked_at timestamptz,
    last_used_at timestamptz,
    constraint api_keys_name_length check (char_length(name) between 1 and 100),
    constraint api_keys_name_format check (name ~ '^[A-Za-z0-9._-]+$'),
    constraint api_keys_key_id_unique unique (key_id),
    constraint api_keys_secret_hash_sha256 check (octet_length(secret_hash) = 32),
    constraint api_keys_scopes_present check (cardinality(scopes) > 0)
);

-- A name belongs to one key at a time: a revoked key's name may be given to its successor.
create unique index api_keys_active_name_unique on access.api_keys (name)
where revoked_at is null;

-- Every write made through the API to a table of a domain, one row per row written.
create table access.audit_log (
    id bigint generated always as identity primary key,
    domain text not null,
    entity text not null,
    -- The written row's primary key, e.g. {"id": 42} or {"book_id": 1, "category_id": 2}.
    entity_key jsonb not null,
    action text not null,
    actor text not null,
    request_id text,
    changed_at timestamptz not null default now(),
    constraint audit_log_action_known check (action in ('insert', 'update', 'delete'))
);

-- A domain's entries newest first (GET /audit?domain=...).
create index audit_log_domain_id_idx on access.audit_log (domain, id);

-- The ledger says who moved the stock; new movements take the actor and request id the API set.
alter table inventory.stock_movements add column actor text;
alter table inventory.stock_movements add column request_id text;
alter table inventory.stock_movements alter column actor set default nullif(
    current_setting('catalog.actor', true), ''
);
alter table inventory.stock_movements alter column request_id set default nullif(
    current_setting('catalog.request_id', true), ''
);

-- Statement trigger of every audited table: the statement's rows, their keys (the trigger's
-- arguments name the primary key's columns), the actor and request id the API set for the
-- transaction's session (app/access/session.py). Writes the API did not make set no actor and are
-- not logged: migrations, `catalog seed`, the background writers of logs and counters.
create function access.audit_changes() returns trigger
language plpgsql
as $$
declare
    who text := nullif(current_setting('catalog.actor', true), '');
    request text := nullif(current_setting('catalog.request_id', true), '');
begin
    if who is null then
        return null;
    end if;
    if tg_op = 'DELETE' then
        insert into access.audit_log (domain, entity, entity_key, action, actor, request_id)
        select
            tg_table_schema,
            tg_table_name,
            coalesce((select jsonb_object_agg(k.col, to_jsonb(o) -> k.col) from unnest(tg_argv) as k (col)), '{}'),
            'delete',
            who,
            request
        from old_rows as o;
    else
        insert into access.audit_log (domain, entity, entity_key, action, actor, request_id)
        select
            tg_table_schema,
            tg_table_name,
            coalesce((select jsonb_object_agg(k.col, to_jsonb(n) -> k.col) from unnest(tg_argv) as k (col)), '{}'),
            lower(tg_op),
            who,
            request
        from new_rows as n;
    end if;
    return null;
end;
$$;

-- Attaches the audit triggers to every table of every domain schema that does not record its actor
-- itself (a column named actor, like the stock ledger); idempotent. Run here and by `catalog migrate`
-- after every migration, so a new domain's tables are audited without naming them.
create function access.audit_all_tables() returns integer
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

select access.audit_all_tables() as audited_tables;
