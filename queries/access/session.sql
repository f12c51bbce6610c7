-- Who is writing (app/access/session.py): the actor and request id the audit triggers and the stock ledger read.

-- name: set_actor(actor_name, request_id)^
-- Marks this session's next writes as the actor's, under the request id; returns both as set.
-- nullable: request_id
select
    set_config('catalog.actor', :actor_name::text, false) as actor,
    set_config('catalog.request_id', coalesce(:request_id::text, ''), false) as request_id;

-- name: clear_actor()^
-- Forgets the session's actor before the connection goes back to the pool; returns both, empty.
select
    set_config('catalog.actor', '', false) as actor,
    set_config('catalog.request_id', '', false) as request_id;
