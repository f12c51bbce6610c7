-- name: database_exists(database_name)$
-- Returns whether a database of that name exists on the server.
select exists(
    select 1
    from pg_catalog.pg_database
    where datname = :database_name
) as present;

-- name: create_database_statement(database_name, template_name)$
-- Returns a create database statement with both names quoted by PostgreSQL itself.
-- not null: statement
select format('create database %I template %I', :database_name::text, :template_name::text) as statement;

-- name: drop_database_statement(database_name)$
-- Returns a drop database statement (forcing other sessions off) with the name quoted.
-- not null: statement
select format('drop database if exists %I with (force)', :database_name::text) as statement;

-- name: ping()$
-- Returns 1 when the database answers.
select 1 as alive;
