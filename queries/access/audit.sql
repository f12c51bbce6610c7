-- The audit log (schema/0008_access.sql): who wrote what through the API.

-- name: audit_page(domain_name, after_id, page_size)
-- Returns one page of audit entries newest first, of one domain or (domain_name null) of all.
-- not null: id, domain, entity, entity_key, action, actor, changed_at
select
    a.id,
    a.domain,
    a.entity,
    a.entity_key,
    a.action,
    a.actor,
    a.request_id,
    a.changed_at
from access.audit_log as a
where
    (:domain_name::text is null or a.domain = :domain_name)
    and (:after_id::bigint is null or a.id < :after_id)
order by a.id desc
limit :page_size;

-- name: audit_all_tables()$
-- Attaches the audit triggers to every domain table that lacks them (idempotent); returns how many tables got them.
-- not null: audited_tables
select access.audit_all_tables() as audited_tables;
