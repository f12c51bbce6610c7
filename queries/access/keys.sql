-- API keys (app/access/keys.py): issued and revoked by `catalog keys`, read by every app process.

-- name: insert_key(key_name, key_id, secret_hash, key_scopes, expires_at)^
-- Stores a new key's hash; returns its name, scopes, creation and expiry times.
-- not null: name, scopes, created_at
-- nullable: expires_at
insert into access.api_keys (name, key_id, secret_hash, scopes, expires_at)
values (:key_name, :key_id, :secret_hash, :key_scopes, :expires_at)
returning name, scopes, created_at, expires_at;

-- name: list_keys()
-- Returns every key not revoked (name, scopes, created, expires, last used), by name; never a secret.
-- not null: name, scopes, created_at
select
    k.name,
    k.scopes,
    k.created_at,
    k.expires_at,
    k.last_used_at
from access.api_keys as k
where k.revoked_at is null
order by k.name;

-- name: revoke_key(key_name)^
-- Revokes the key of that name; returns its name, or no row when no such key is active.
-- not null: name
update access.api_keys as k
set revoked_at = now()
where
    k.name = :key_name
    and k.revoked_at is null
returning k.name;

-- name: active_keys()
-- Returns the keys a request may present (not revoked, not expired): the app's in-memory key table.
-- not null: key_id, name, secret_hash, scopes
select
    k.key_id,
    k.name,
    k.secret_hash,
    k.scopes,
    k.expires_at
from access.api_keys as k
where
    k.revoked_at is null
    and (k.expires_at is null or k.expires_at > now());

-- name: keys_issued()$
-- Returns whether any key was ever issued (revoked or not): from then on writes need a credential.
-- not null: issued
select exists(
    select 1
    from access.api_keys
) as issued;

-- name: record_key_uses(key_ids, used_ats)!
-- Sets last_used_at of a batch of keys (parallel arrays), never moving it back.
update access.api_keys as k
set last_used_at = greatest(k.last_used_at, u.used_at)
from (
    select
        v.key_id,
        max(v.used_at) as used_at
    from unnest(:key_ids::text[], :used_ats::timestamptz[]) as v (key_id, used_at)
    group by v.key_id
) as u
where k.key_id = u.key_id;

-- name: delete_key(key_name)!
-- Deletes every key of that name, revoked or not (scripts/bench's temporary key; never the API's).
delete from access.api_keys
where name = :key_name;
