-- Streaming replication (app/replicas.py, app/routing.py): WAL positions as byte offsets, polled in
-- the background and read once after each write request for its Consistency-Token.

-- name: wal_position()$
-- Returns the primary's current WAL write position (bytes since 0/0): a commit that returned is at or before it.
-- not null: position
select (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint as position;

-- name: replay_position()$
-- Returns how far a replica has replayed the primary's WAL (bytes since 0/0); null on a server that is not a replica.
select (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint as position;

-- name: database_commits()$
-- Returns the number of transactions committed in the current database since its statistics were reset.
select coalesce(xact_commit, 0) as commits
from pg_catalog.pg_stat_database
where datname = current_database();
