-- Tells running apps that the schema changed (app/schema_changes.py): `catalog migrate` sends it
-- after each migration file it applied; every app process listens on the channel.

-- name: announce_schema_change(channel, payload)!
-- Sends a notification on the channel, delivered when the statement's transaction commits (at once outside one).
select pg_notify(:channel::text, :payload::text);
