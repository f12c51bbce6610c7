-- pg_stat_statements in the app's database, for `catalog stats` (docs/operating.md).
--
-- The server must also preload it (shared_preload_libraries; the embedded server does). Creating
-- it takes a superuser, or rds_superuser and the like: without that privilege, or on a server
-- without the extension's files, this migration changes nothing and says so in a notice, and
-- `catalog stats` explains how to enable it. Its view and functions go to public, beside
-- public.schema_migrations.
set local lock_timeout = '10s';
set local statement_timeout = '1min';

do $$
begin
    create extension if not exists pg_stat_statements schema public;
exception
    when insufficient_privilege or undefined_file or feature_not_supported then
        raise notice 'pg_stat_statements not created (%): catalog stats needs it, see docs/operating.md', sqlerrm;
end;
$$;
