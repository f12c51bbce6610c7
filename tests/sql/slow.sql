-- Test-only queries (loaded by tests, never by the app).

-- name: hold_connection(seconds)$
-- Sleeps in the database for the given seconds, holding its connection; returns true.
select true as slept
from pg_sleep(:seconds::float8);
