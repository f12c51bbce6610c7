-- Least privilege (app/roles.py): the role the app serves as, and what it may do.

-- name: role_exists(role_name)$
-- Returns whether a role of that name exists on the server.
select exists(
    select 1
    from pg_catalog.pg_roles as r
    where r.rolname = :role_name
) as present;

-- name: create_role_statement(role_name, role_password)$
-- Returns a create role statement (login, no other attribute) with name and password quoted by PostgreSQL.
-- not null: statement
select format('create role %I login password %L', :role_name::text, :role_password::text) as statement;

-- name: grant_statements(role_name)
-- Returns the grants letting the role read and write every table of the app's schemas (now and later) and nothing else.
-- not null: statement
with app_schemas as (
    select n.nspname as schema_name
    from pg_catalog.pg_namespace as n
    where
        n.nspname not like 'pg\_%'
        and n.nspname not in ('information_schema', 'public')
)

select format('grant connect on database %I to %I', current_database(), :role_name::text) as statement
union all
select format('grant usage on schema %I to %I', s.schema_name, :role_name::text) as statement
from app_schemas as s
union all
select
    format(
        'grant select, insert, update, delete on all tables in schema %I to %I', s.schema_name, :role_name::text
    ) as statement
from app_schemas as s
union all
select format('grant usage, select on all sequences in schema %I to %I', s.schema_name, :role_name::text) as statement
from app_schemas as s
union all
select
    format(
        'alter default privileges in schema %I grant select, insert, update, delete on tables to %I',
        s.schema_name,
        :role_name::text
    ) as statement
from app_schemas as s
union all
select
    format(
        'alter default privileges in schema %I grant usage, select on sequences to %I', s.schema_name, :role_name::text
    ) as statement
from app_schemas as s
union all
select format('grant select on public.schema_migrations to %I', :role_name::text) as statement
-- Access control: the audit log is append-only (no update, delete or truncate); keys are issued and
-- revoked by `catalog keys` as the owner, the app only reads them and records their last use.
union all
select format('revoke update, delete, truncate on access.audit_log from %I', :role_name::text) as statement
union all
select format('revoke insert, update, delete, truncate on access.api_keys from %I', :role_name::text) as statement
union all
select format('grant update (last_used_at) on access.api_keys to %I', :role_name::text) as statement;

-- name: role_setting_statement(role_name, setting_name, setting_value)$
-- Returns an `alter role ... set` statement giving the role a session default, names and value quoted by PostgreSQL.
-- not null: statement
select format('alter role %I set %I = %L', :role_name::text, :setting_name::text, :setting_value::text) as statement;
